// Read queries for the operations API and dashboard: runs with their progress, one run's failures, and
// a date's recordings page by page. Read-only; the pipeline's own writes live in runs.ts, batches.ts and
// recordings.ts.
import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { listRuns, type RunsFilter } from './runs.js';
import { conversations, type RecordingState, recordings, runs } from './schema.js';

export type RunRow = typeof runs.$inferSelect;

export interface RunProgress {
  /** recordings known for the run's date and queue */
  total: number;
  /** recordings in a final state (downloaded, unavailable, failed) */
  done: number;
  conversations: number;
  byState: Partial<Record<RecordingState, number>>;
}

export interface RunWithProgress extends RunRow {
  progress: RunProgress;
}

const FINAL: readonly RecordingState[] = ['downloaded', 'unavailable', 'failed'];

export type RunFilter = RunsFilter;

function emptyProgress(): RunProgress {
  return { total: 0, done: 0, conversations: 0, byState: {} };
}

/** Progress per (date, queue): recordings by state and conversations, for the given dates. */
export async function progressOf(db: Db, dates: readonly string[]): Promise<Map<string, RunProgress>> {
  const out = new Map<string, RunProgress>();
  if (dates.length === 0) return out;
  const key = (d: string, q: string) => `${d}|${q}`;
  const recs = await db
    .select({
      processDate: conversations.processDate,
      queueId: conversations.queueId,
      state: recordings.state,
      n: sql<number>`count(*)::int`,
    })
    .from(recordings)
    .innerJoin(conversations, eq(conversations.conversationId, recordings.conversationId))
    .where(inArray(conversations.processDate, [...dates]))
    .groupBy(conversations.processDate, conversations.queueId, recordings.state);
  for (const r of recs) {
    const p = out.get(key(r.processDate, r.queueId)) ?? emptyProgress();
    p.byState[r.state] = r.n;
    p.total += r.n;
    if (FINAL.includes(r.state)) p.done += r.n;
    out.set(key(r.processDate, r.queueId), p);
  }
  const convs = await db
    .select({ processDate: conversations.processDate, queueId: conversations.queueId, n: count() })
    .from(conversations)
    .where(inArray(conversations.processDate, [...dates]))
    .groupBy(conversations.processDate, conversations.queueId);
  for (const c of convs) {
    const p = out.get(key(c.processDate, c.queueId)) ?? emptyProgress();
    p.conversations = Number(c.n);
    out.set(key(c.processDate, c.queueId), p);
  }
  return out;
}

export async function listRunsWithProgress(db: Db, filter: RunFilter = {}): Promise<RunWithProgress[]> {
  const rows = await listRuns(db, { ...filter, limit: filter.limit ?? 100 });
  const progress = await progressOf(db, [...new Set(rows.map((r) => r.processDate))]);
  return rows.map((r) => ({
    ...r,
    progress: progress.get(`${r.processDate}|${r.queueId}`) ?? emptyProgress(),
  }));
}

export async function findRun(
  db: Db,
  processDate: string,
  queueId: string,
): Promise<RunWithProgress | undefined> {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.processDate, processDate), eq(runs.queueId, queueId)));
  if (!row) return undefined;
  const progress = await progressOf(db, [processDate]);
  return { ...row, progress: progress.get(`${processDate}|${queueId}`) ?? emptyProgress() };
}

export async function queuesOfDate(db: Db, processDate: string): Promise<string[]> {
  const rows = await db
    .select({ queueId: runs.queueId })
    .from(runs)
    .where(eq(runs.processDate, processDate))
    .orderBy(asc(runs.queueId));
  return rows.map((r) => r.queueId);
}

export interface FailureGroup {
  state: RecordingState;
  reason: string;
  count: number;
}

/** Recordings of a date (and queue) that were not downloaded, grouped by state and reason. */
export async function failuresByReason(
  db: Db,
  processDate: string,
  queueId?: string,
): Promise<FailureGroup[]> {
  const reason = sql<string>`coalesce(${recordings.reason}, '(no reason recorded)')`;
  const rows = await db
    .select({ state: recordings.state, reason, n: sql<number>`count(*)::int` })
    .from(recordings)
    .innerJoin(conversations, eq(conversations.conversationId, recordings.conversationId))
    .where(
      and(
        eq(recordings.processDate, processDate),
        queueId ? eq(conversations.queueId, queueId) : undefined,
        inArray(recordings.state, ['failed', 'unavailable', 'waiting']),
      ),
    )
    .groupBy(recordings.state, reason)
    .orderBy(desc(sql`count(*)`), asc(reason));
  return rows.map((r) => ({ state: r.state, reason: r.reason, count: r.n }));
}

export interface RecordingsPageQuery {
  processDate: string;
  state?: RecordingState;
  queueId?: string;
  limit: number;
  offset: number;
}

export async function recordingsPage(db: Db, q: RecordingsPageQuery) {
  const where = and(
    eq(recordings.processDate, q.processDate),
    q.state ? eq(recordings.state, q.state) : undefined,
    q.queueId ? eq(conversations.queueId, q.queueId) : undefined,
  );
  const [total] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(recordings)
    .innerJoin(conversations, eq(conversations.conversationId, recordings.conversationId))
    .where(where);
  const items = await db
    .select({
      conversationId: recordings.conversationId,
      recordingId: recordings.recordingId,
      queueId: conversations.queueId,
      conversationStart: conversations.conversationStart,
      durationMs: conversations.durationMs,
      media: recordings.media,
      state: recordings.state,
      reason: recordings.reason,
      attempts: recordings.attempts,
      file: recordings.file,
      bytes: recordings.bytes,
      updatedAt: recordings.updatedAt,
    })
    .from(recordings)
    .innerJoin(conversations, eq(conversations.conversationId, recordings.conversationId))
    .where(where)
    .orderBy(
      asc(conversations.conversationStart),
      asc(recordings.conversationId),
      asc(recordings.recordingId),
    )
    .limit(q.limit)
    .offset(q.offset);
  return { total: total?.n ?? 0, items };
}

/** Conversations still in wrap-up and recordings Genesys had not finished: any later run retries them. */
export async function notReadyCount(db: Db, processDate: string): Promise<number> {
  const [c] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(conversations)
    .where(and(eq(conversations.processDate, processDate), eq(conversations.state, 'not_ready')));
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(recordings)
    .where(and(eq(recordings.processDate, processDate), eq(recordings.state, 'waiting')));
  return (c?.n ?? 0) + (r?.n ?? 0);
}

// Aggregates for the dashboard's charts and the Prometheus gauges read on each scrape. Read-only.
import { and, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { type Db, rowsOf } from './db.js';
import { batches, conversations, leases, type RecordingState, recordings, runs } from './schema.js';

export interface DayStates {
  processDate: string;
  byState: Partial<Record<RecordingState, number>>;
}

/** Recordings per process date and state, for dates in [from, to]. Dates with no recording are absent. */
export async function recordingsByDay(db: Db, from: string, to: string): Promise<DayStates[]> {
  const rows = await db
    .select({ processDate: recordings.processDate, state: recordings.state, n: sql<number>`count(*)::int` })
    .from(recordings)
    .where(and(gte(recordings.processDate, from), lte(recordings.processDate, to)))
    .groupBy(recordings.processDate, recordings.state)
    .orderBy(recordings.processDate);
  const out = new Map<string, DayStates>();
  for (const r of rows) {
    const d = out.get(r.processDate) ?? { processDate: r.processDate, byState: {} };
    d.byState[r.state] = r.n;
    out.set(r.processDate, d);
  }
  return [...out.values()];
}

/** Genesys API calls per process date, as recorded in the runs' counts (see pipeline/api-usage.ts). */
export async function apiCallsByDay(db: Db, from: string, to: string) {
  // Every queue row of a date carries the same per-date figures, so max() reads them once.
  return db
    .select({
      processDate: runs.processDate,
      apiCalls: sql<number>`coalesce(max((${runs.counts}->>'apiCalls')::int), 0)`,
      rateLimited: sql<number>`coalesce(max((${runs.counts}->>'apiRateLimited')::int), 0)`,
      retries: sql<number>`coalesce(max((${runs.counts}->>'apiRetries')::int), 0)`,
    })
    .from(runs)
    .where(and(gte(runs.processDate, from), lte(runs.processDate, to)))
    .groupBy(runs.processDate)
    .orderBy(runs.processDate);
}

/** Upper edges (seconds) of the handle-time histogram; the last bucket is open-ended. */
export const HANDLE_TIME_EDGES_S = [30, 60, 120, 180, 300, 450, 600, 900, 1200, 1800, 3600] as const;

export interface HandleTimeBucket {
  /** inclusive lower edge in seconds */
  fromS: number;
  /** exclusive upper edge in seconds; null for the open-ended last bucket */
  toS: number | null;
  count: number;
}

/** Distribution of conversations.duration_ms for finished conversations of dates in [from, to]. */
export async function handleTimeHistogram(
  db: Db,
  q: { from: string; to: string; queueId?: string },
): Promise<HandleTimeBucket[]> {
  const edges = sql.join(
    HANDLE_TIME_EDGES_S.map((e) => sql`${e * 1000}`),
    sql`, `,
  );
  // width_bucket(x, thresholds) → 0 below the first edge, i when edges[i-1] <= x < edges[i], n above.
  const bucket = sql<number>`width_bucket(${conversations.durationMs}::float8, array[${edges}]::float8[])`;
  const rows = await db
    .select({ b: bucket, n: sql<number>`count(*)::int` })
    .from(conversations)
    .where(
      and(
        gte(conversations.processDate, q.from),
        lte(conversations.processDate, q.to),
        sql`${conversations.durationMs} is not null`,
        q.queueId ? eq(conversations.queueId, q.queueId) : undefined,
      ),
    )
    // By position: the bucket expression carries parameters, and two copies of it would not match.
    .groupBy(sql`1`);
  const counts = new Map(rows.map((r) => [Number(r.b), r.n]));
  const lower = [0, ...HANDLE_TIME_EDGES_S];
  return lower.map((fromS, i) => ({ fromS, toS: HANDLE_TIME_EDGES_S[i] ?? null, count: counts.get(i) ?? 0 }));
}

export async function recordingsByState(db: Db): Promise<{ state: RecordingState; n: number }[]> {
  return db
    .select({ state: recordings.state, n: sql<number>`count(*)::int` })
    .from(recordings)
    .groupBy(recordings.state);
}

export async function runsByStatus(db: Db) {
  return db.select({ status: runs.status, n: sql<number>`count(*)::int` }).from(runs).groupBy(runs.status);
}

export interface QueueRunTimes {
  queueId: string;
  /** finish time of the newest successful run, epoch seconds */
  lastSuccessS: number | null;
  /** duration of the newest finished run, seconds */
  lastDurationS: number | null;
}

export async function runTimesPerQueue(db: Db): Promise<QueueRunTimes[]> {
  const rows = await db
    .select({
      queueId: runs.queueId,
      lastSuccessS: sql<
        number | null
      >`extract(epoch from max(${runs.finishedAt}) filter (where ${runs.status} = 'SUCCESS'))::float8`,
      lastDurationS: sql<
        number | null
      >`(array_agg(extract(epoch from ${runs.finishedAt} - ${runs.startedAt})::float8
        order by ${runs.finishedAt} desc) filter (where ${runs.finishedAt} is not null))[1]`,
    })
    .from(runs)
    .groupBy(runs.queueId);
  return rows.map((r) => ({
    queueId: r.queueId,
    lastSuccessS: r.lastSuccessS === null ? null : Number(r.lastSuccessS),
    lastDurationS: r.lastDurationS === null ? null : Number(r.lastDurationS),
  }));
}

/** What a day has done so far, to measure one run by difference (no clock comparison needed). */
export interface DayWorkSnapshot {
  completedBatchIds: Set<number>;
  downloadedBytes: number;
}

export async function dayWorkSnapshot(db: Db, processDate: string): Promise<DayWorkSnapshot> {
  const done = await db
    .select({ id: batches.id })
    .from(batches)
    .where(and(eq(batches.processDate, processDate), eq(batches.status, 'completed')));
  const [bytes] = await db
    .select({ n: sql<number>`coalesce(sum(${recordings.bytes}), 0)::float8` })
    .from(recordings)
    .where(and(eq(recordings.processDate, processDate), eq(recordings.state, 'downloaded')));
  return { completedBatchIds: new Set(done.map((d) => d.id)), downloadedBytes: Number(bytes?.n ?? 0) };
}

/** Submit-to-complete seconds of the given batches (those with both timestamps). */
export async function batchLatencies(db: Db, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ s: sql<number>`extract(epoch from ${batches.completedAt} - ${batches.submittedAt})::float8` })
    .from(batches)
    .where(
      and(
        inArray(batches.id, [...ids]),
        sql`${batches.submittedAt} is not null and ${batches.completedAt} is not null`,
      ),
    );
  return rows.map((r) => Number(r.s));
}

/**
 * Jobs of our pg-boss queues that are waiting or being worked (ADR 0016): days and batches queued but
 * not taken say more workers would help; none waiting while days run says they would not. A job waiting
 * to be retried is waiting too: it counts as `created`.
 */
export async function jobsByState(db: Db): Promise<{ queue: string; state: string; n: number }[]> {
  return rowsOf<{ queue: string; state: string; n: number }>(
    await db.execute(sql`
      select name as queue, case when state = 'retry' then 'created' else state::text end as state,
        count(*)::int as n from pgboss.job
      where name in ('extract-day', 'extract-batch') and state in ('created', 'retry', 'active')
      group by 1, 2`),
  );
}

/**
 * Live leases by holder and kind (`day`, `batch`, `job`: a day job's handler, `worker`: a process'
 * presence): what each process is working on right now.
 */
export async function leasesByOwner(db: Db): Promise<{ owner: string; kind: string; n: number }[]> {
  return rowsOf<{ owner: string; kind: string; n: number }>(
    await db.execute(sql`
      select owner, split_part(key, ':', 1) as kind, count(*)::int as n from ${leases}
      where expires_at > clock_timestamp() group by 1, 2`),
  );
}

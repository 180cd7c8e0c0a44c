// Recording and batch rows. A batch row and its recordings' assignment are written in one transaction
// BEFORE the Genesys submission, and the job id right after it: a crash can lose neither the fact that
// recordings are in flight nor a job id that was recorded (STYLE §6).
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import { groupWriterPerKey } from '../lib/pool.js';
import type { Db } from './db.js';
import { type BatchState, batches, conversations, type RecordingState, recordings } from './schema.js';

export type BatchRow = typeof batches.$inferSelect;

/**
 * Writes that many callers make one row at a time (downloaded files, lookups) are written as one
 * statement per group: when 64 wait, or 25 ms after the first of them arrived.
 */
export const WRITE_GROUP = { maxItems: 64, waitMs: 25 };
export interface RecordingKey {
  conversationId: string;
  recordingId: string;
}

const keyIn = (keys: readonly RecordingKey[]) =>
  sql`(${recordings.conversationId}, ${recordings.recordingId}) in (${sql.join(
    keys.map((k) => sql`(${k.conversationId}, ${k.recordingId})`),
    sql`, `,
  )})`;

export async function pendingRecordings(db: Db, processDates: readonly string[], limit: number) {
  return db
    .select({
      conversationId: recordings.conversationId,
      recordingId: recordings.recordingId,
      processDate: recordings.processDate,
    })
    .from(recordings)
    .where(and(inArray(recordings.processDate, [...processDates]), eq(recordings.state, 'pending')))
    .orderBy(asc(recordings.processDate), asc(recordings.conversationId), asc(recordings.recordingId))
    .limit(limit);
}

/** Creates a batch and moves its (still pending) recordings into it, atomically. */
export async function createBatch(
  db: Db,
  processDate: string,
  keys: readonly RecordingKey[],
): Promise<BatchRow> {
  return db.transaction(async (tx) => {
    const [batch] = await tx
      .insert(batches)
      .values({ processDate, status: 'created', items: keys.length })
      .returning();
    const moved = await tx
      .update(recordings)
      .set({ state: 'batched', batchId: batch!.id, updatedAt: sql`now()` })
      .where(and(eq(recordings.state, 'pending'), keyIn(keys)))
      .returning({ id: recordings.recordingId });
    if (moved.length !== keys.length) {
      await tx.update(batches).set({ items: moved.length }).where(eq(batches.id, batch!.id));
    }
    return { ...batch!, items: moved.length };
  });
}

export async function batchItems(db: Db, batchId: number) {
  return db
    .select({
      conversationId: recordings.conversationId,
      recordingId: recordings.recordingId,
      state: recordings.state,
      attempts: recordings.attempts,
    })
    .from(recordings)
    .where(eq(recordings.batchId, batchId))
    .orderBy(asc(recordings.conversationId), asc(recordings.recordingId));
}

export async function markBatchSubmitted(db: Db, batchId: number, jobId: string): Promise<void> {
  await db
    .update(batches)
    .set({
      jobId,
      status: 'submitted',
      submittedAt: sql`now()`,
      submissions: sql`${batches.submissions} + 1`,
      error: null,
    })
    .where(eq(batches.id, batchId));
}

export async function finishBatch(
  db: Db,
  batchId: number,
  status: Extract<BatchState, 'completed' | 'abandoned'>,
  error: string | null = null,
) {
  await db.update(batches).set({ status, error, completedAt: sql`now()` }).where(eq(batches.id, batchId));
}

export async function openBatches(db: Db, processDates: readonly string[]): Promise<BatchRow[]> {
  return db
    .select()
    .from(batches)
    .where(
      and(inArray(batches.processDate, [...processDates]), inArray(batches.status, ['created', 'submitted'])),
    )
    .orderBy(asc(batches.id));
}

export async function batchesOf(db: Db, processDate: string): Promise<BatchRow[]> {
  return db.select().from(batches).where(eq(batches.processDate, processDate)).orderBy(asc(batches.id));
}

/** What `recordDownloaded` stores for a file. */
export interface DownloadedFile {
  file: string;
  bytes: number;
  sha256: string;
  contentType: string | null;
}

interface Downloaded {
  key: RecordingKey;
  file: DownloadedFile;
}

const recordDownloadedGrouped = groupWriterPerKey(writeDownloaded, WRITE_GROUP);

/**
 * Records a downloaded file. Files are recorded in groups, one statement for up to 64 files gathered
 * over at most 25 ms (WRITE_GROUP): with 8 downloads at once, one update per file was the
 * largest single cost on the CLI's one thread (about 0.5 ms each in PGlite). It resolves once the
 * file's own row is written, so a download counts as done only when the database says so; callers
 * release their download slot before waiting for it (src/pipeline/fetch-file.ts).
 */
export function recordDownloaded(db: Db, key: RecordingKey, file: DownloadedFile): Promise<void> {
  return recordDownloadedGrouped(db, { key, file });
}

async function writeDownloaded(db: Db, group: readonly Downloaded[]): Promise<void> {
  const column = <T>(pick: (d: Downloaded) => T) => sql.param(group.map(pick));
  // One array per column: the planner sees how many rows there are and looks each one up by the
  // primary key (from a JSON document it assumed 100 rows and scanned the whole table).
  await db.execute(sql`
    update ${recordings}
    set state = 'downloaded', reason = null, file = v.file, bytes = v.bytes, sha256 = v.sha256,
        content_type = v.content_type, updated_at = now()
    from unnest(
      ${column((d) => d.key.conversationId)}::text[], ${column((d) => d.key.recordingId)}::text[],
      ${column((d) => d.file.file)}::text[], ${column((d) => d.file.bytes)}::bigint[],
      ${column((d) => d.file.sha256)}::text[], ${column((d) => d.file.contentType)}::text[]
    ) as v (conversation_id, recording_id, file, bytes, sha256, content_type)
    where ${recordings.conversationId} = v.conversation_id and ${recordings.recordingId} = v.recording_id`);
}

export async function recordOutcome(
  db: Db,
  key: RecordingKey,
  state: Extract<RecordingState, 'unavailable' | 'failed' | 'pending' | 'waiting' | 'expanded'>,
  reason: string | null,
): Promise<void> {
  await db
    .update(recordings)
    .set({
      state,
      reason,
      batchId: state === 'pending' ? null : undefined,
      attempts: sql`${recordings.attempts} + 1`,
      updatedAt: sql`now()`,
    })
    .where(
      and(eq(recordings.conversationId, key.conversationId), eq(recordings.recordingId, key.recordingId)),
    );
}

/** Puts failed (and optionally not-ready) recordings of a date back in line for the next run. */
export async function requeueFailed(db: Db, processDate: string): Promise<number> {
  const rows = await db
    .update(recordings)
    .set({ state: 'pending', reason: null, batchId: null, updatedAt: sql`now()` })
    .where(and(eq(recordings.processDate, processDate), eq(recordings.state, 'failed')))
    .returning({ id: recordings.recordingId });
  return rows.length;
}

/** Conversations per page of `dayRows`: two small statements per page, whatever the size of the day. */
const DAY_ROWS_PAGE = 500;

const byteOrder = (column: unknown) => sql`${column} collate "C"`;

/**
 * The manifest's source: every conversation of a date with each of its known recordings (a conversation
 * without one comes once, with null recording fields), in manifest order (conversationStart, then
 * conversationId, then recordingId, compared byte by byte whatever the database's collation). Read a
 * page of conversations at a time, so memory does not grow with the day.
 */
export async function* dayRows(db: Db, processDate: string, pageSize = DAY_ROWS_PAGE) {
  let after: { start: string; id: string } | undefined;
  for (;;) {
    const page = await db
      .select({
        conversationId: conversations.conversationId,
        queueId: conversations.queueId,
        queueIds: conversations.queueIds,
        agentUserIds: conversations.agentUserIds,
        conversationStart: conversations.conversationStart,
        conversationEnd: conversations.conversationEnd,
        durationMs: conversations.durationMs,
        direction: conversations.direction,
        conversationState: conversations.state,
        recorded: conversations.recorded,
        lookedUp: conversations.lookedUp,
      })
      .from(conversations)
      .where(
        and(
          eq(conversations.processDate, processDate),
          after
            ? sql`(${byteOrder(conversations.conversationStart)}, ${byteOrder(conversations.conversationId)}) > (${after.start}, ${after.id})`
            : undefined,
        ),
      )
      .orderBy(byteOrder(conversations.conversationStart), byteOrder(conversations.conversationId))
      .limit(pageSize);
    if (page.length === 0) return;
    const found = await db
      .select({
        conversationId: recordings.conversationId,
        recordingId: recordings.recordingId,
        media: recordings.media,
        state: recordings.state,
        reason: recordings.reason,
        file: recordings.file,
        bytes: recordings.bytes,
        sha256: recordings.sha256,
        contentType: recordings.contentType,
      })
      .from(recordings)
      .where(sql`${recordings.conversationId} = any(${sql.param(page.map((c) => c.conversationId))}::text[])`)
      .orderBy(byteOrder(recordings.conversationId), byteOrder(recordings.recordingId));
    const ofConversation = new Map<string, (typeof found)[number][]>();
    for (const r of found) {
      const list = ofConversation.get(r.conversationId);
      if (list) list.push(r);
      else ofConversation.set(r.conversationId, [r]);
    }
    for (const c of page) {
      const recs = ofConversation.get(c.conversationId);
      if (!recs) {
        yield {
          ...c,
          recordingId: null,
          media: null,
          state: null,
          reason: null,
          file: null,
          bytes: null,
          sha256: null,
          contentType: null,
        };
        continue;
      }
      for (const r of recs) yield { ...c, ...r };
    }
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!;
    after = { start: last.conversationStart, id: last.conversationId };
  }
}

/**
 * The recordings found in the results of a batch's conversation-wide items: recorded under that batch,
 * unless already known (a re-request after an expired URL, or a resumed batch), in which case they keep
 * their state. One statement for the whole batch. Returns each key's state.
 */
export async function upsertExpandedRecordings(
  db: Db,
  rows: readonly (RecordingKey & { processDate: string; batchId: number; contentType: string | null })[],
): Promise<Map<string, RecordingState>> {
  const states = new Map<string, RecordingState>();
  if (rows.length === 0) return states;
  const column = <T>(pick: (r: (typeof rows)[number]) => T) => sql.param(rows.map(pick));
  // One statement with one array per column (its text never changes, and it runs after every poll of
  // a conversation-wide batch). The insert's own rows are not visible to the rest of the statement, so
  // the states are what it inserted plus what already existed.
  const result = (await db.execute(sql`
    with input as (
      select * from unnest(
        ${column((r) => r.conversationId)}::text[], ${column((r) => r.recordingId)}::text[],
        ${column((r) => r.processDate)}::text[], ${column((r) => r.batchId)}::bigint[],
        ${column((r) => r.contentType)}::text[]
      ) as v (conversation_id, recording_id, process_date, batch_id, content_type)
    ), inserted as (
      insert into ${recordings} (conversation_id, recording_id, process_date, media, state, batch_id, content_type)
      select conversation_id, recording_id, process_date, 'audio', 'batched', batch_id, content_type from input
      on conflict do nothing
      returning conversation_id, recording_id, state
    )
    select conversation_id, recording_id, state from inserted
    union all
    select r.conversation_id, r.recording_id, r.state
    from ${recordings} r join input i on r.conversation_id = i.conversation_id and r.recording_id = i.recording_id`)) as unknown as {
    rows: { conversation_id: string; recording_id: string; state: RecordingState }[];
  };
  for (const r of result.rows) {
    states.set(recordingKey({ conversationId: r.conversation_id, recordingId: r.recording_id }), r.state);
  }
  return states;
}

/** `conversationId/recordingId`, the key of a recording in maps. */
export const recordingKey = (k: RecordingKey): string => `${k.conversationId}/${k.recordingId}`;

/** The same outcome (without a reason) for many recordings at once, e.g. the expanded placeholders of a batch. */
export async function recordOutcomes(
  db: Db,
  keys: readonly RecordingKey[],
  state: Extract<RecordingState, 'expanded'>,
): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(recordings)
    .set({ state, reason: null, attempts: sql`${recordings.attempts} + 1`, updatedAt: sql`now()` })
    .where(
      or(
        ...keys.map((k) =>
          and(eq(recordings.conversationId, k.conversationId), eq(recordings.recordingId, k.recordingId)),
        ),
      ),
    );
}

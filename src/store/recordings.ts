// Recording and batch rows. A batch row and its recordings' assignment are written in one transaction
// BEFORE the Genesys submission, and the job id right after it: a crash can lose neither the fact that
// recordings are in flight nor a job id that was recorded (STYLE §6).
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { type BatchState, batches, conversations, type RecordingState, recordings } from './schema.js';

export type BatchRow = typeof batches.$inferSelect;
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

/**
 * The per-file update, prepared once per database: building it through the query builder on every
 * downloaded file cost about as much main-thread time as running it (drizzle's `is` checks).
 */
const downloadedStatements = new WeakMap<Db, ReturnType<typeof prepareDownloaded>>();

function prepareDownloaded(db: Db) {
  const p = <T>(name: string) => sql.placeholder(name) as unknown as T;
  return db
    .update(recordings)
    .set({
      state: 'downloaded',
      reason: null,
      file: p<string>('file'),
      bytes: p<number>('bytes'),
      sha256: p<string>('sha256'),
      contentType: p<string | null>('contentType'),
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(recordings.conversationId, sql.placeholder('conversationId')),
        eq(recordings.recordingId, sql.placeholder('recordingId')),
      ),
    )
    .prepare('record_downloaded');
}

export async function recordDownloaded(
  db: Db,
  key: RecordingKey,
  file: { file: string; bytes: number; sha256: string; contentType: string | null },
): Promise<void> {
  let statement = downloadedStatements.get(db);
  if (!statement) {
    statement = prepareDownloaded(db);
    downloadedStatements.set(db, statement);
  }
  await statement.execute({
    conversationId: key.conversationId,
    recordingId: key.recordingId,
    file: file.file,
    bytes: file.bytes,
    sha256: file.sha256,
    contentType: file.contentType,
  });
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

/** Every known recording of a date joined with its conversation: the manifest's source. */
export async function recordingsWithConversations(db: Db, processDate: string) {
  return db
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
      recordingId: recordings.recordingId,
      media: recordings.media,
      state: recordings.state,
      reason: recordings.reason,
      file: recordings.file,
      bytes: recordings.bytes,
      sha256: recordings.sha256,
      contentType: recordings.contentType,
    })
    .from(conversations)
    .leftJoin(recordings, eq(recordings.conversationId, conversations.conversationId))
    .where(eq(conversations.processDate, processDate))
    .orderBy(
      asc(conversations.conversationStart),
      asc(conversations.conversationId),
      asc(recordings.recordingId),
    );
}

/**
 * The recordings found in the results of a batch's conversation-wide items: recorded under that batch,
 * unless already known (a re-request after an expired URL, or a resumed batch), in which case they keep
 * their state. One insert and one select for the whole batch. Returns each key's state.
 */
export async function upsertExpandedRecordings(
  db: Db,
  rows: readonly (RecordingKey & { processDate: string; batchId: number; contentType: string | null })[],
): Promise<Map<string, RecordingState>> {
  const states = new Map<string, RecordingState>();
  if (rows.length === 0) return states;
  await db
    .insert(recordings)
    .values(rows.map((r) => ({ ...r, media: 'audio', state: 'batched' as const })))
    .onConflictDoNothing();
  const found = await db
    .select({
      conversationId: recordings.conversationId,
      recordingId: recordings.recordingId,
      state: recordings.state,
    })
    .from(recordings)
    .where(
      and(
        inArray(recordings.conversationId, [...new Set(rows.map((r) => r.conversationId))]),
        inArray(
          recordings.recordingId,
          rows.map((r) => r.recordingId),
        ),
      ),
    );
  for (const r of found) states.set(recordingKey(r), r.state);
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

// Batch rows and their items. A batch row and its recordings' assignment are written in one transaction
// BEFORE the Genesys submission, and the job id right after it: a crash can lose neither the fact that
// recordings are in flight nor a job id that was recorded (STYLE §6).
//
// An item is a recording, or — in RECORDING_LOOKUP=conversation — a whole conversation (a row whose
// recording_id is ALL_RECORDINGS, seen outside the store as `recordingId: null`, Genesys' "all
// recordings of the conversation"). `expandConversationItems` turns the latter into ordinary recordings
// as the batch's results arrive, so nothing after it deals with the difference.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { ALL_RECORDINGS, type BatchState, batches, recordings } from './schema.js';

export type BatchRow = typeof batches.$inferSelect;

/** An item of a batch: one recording, or (recordingId null) every recording of the conversation. */
export interface BatchItem {
  conversationId: string;
  recordingId: string | null;
  /** how many times it was requested before (a re-request after an expired URL or a stalled job) */
  attempts: number;
}

const toItem = (r: { conversationId: string; recordingId: string; attempts: number }): BatchItem => ({
  ...r,
  recordingId: r.recordingId === ALL_RECORDINGS ? null : r.recordingId,
});

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
  keys: readonly { conversationId: string; recordingId: string }[],
): Promise<BatchRow> {
  return db.transaction(async (tx) => {
    const [batch] = await tx
      .insert(batches)
      .values({ processDate, status: 'created', items: keys.length })
      .returning();
    const moved = await tx
      .update(recordings)
      .set({ state: 'batched', batchId: batch!.id, updatedAt: sql`now()` })
      .where(
        and(
          eq(recordings.state, 'pending'),
          sql`(${recordings.conversationId}, ${recordings.recordingId}) in (${sql.join(
            keys.map((k) => sql`(${k.conversationId}, ${k.recordingId})`),
            sql`, `,
          )})`,
        ),
      )
      .returning({ id: recordings.recordingId });
    if (moved.length !== keys.length) {
      await tx.update(batches).set({ items: moved.length }).where(eq(batches.id, batch!.id));
    }
    return { ...batch!, items: moved.length };
  });
}

/**
 * A new batch of up to `size` of the date's pending items, or null when fewer than `atLeast` are
 * pending (nothing is created then).
 */
export async function batchPendingItems(
  db: Db,
  processDate: string,
  size: number,
  atLeast = 1,
): Promise<BatchRow | null> {
  const pending = await pendingRecordings(db, [processDate], size);
  if (pending.length === 0 || pending.length < atLeast) return null;
  return createBatch(db, processDate, pending);
}

export async function hasPendingItems(db: Db, processDate: string): Promise<boolean> {
  return (await pendingRecordings(db, [processDate], 1)).length > 0;
}

/** The items of a batch still waiting for their outcome (state `batched`). */
export async function batchedItems(db: Db, batchId: number): Promise<BatchItem[]> {
  const rows = await db
    .select({
      conversationId: recordings.conversationId,
      recordingId: recordings.recordingId,
      attempts: recordings.attempts,
    })
    .from(recordings)
    .where(and(eq(recordings.batchId, batchId), eq(recordings.state, 'batched')))
    .orderBy(asc(recordings.conversationId), asc(recordings.recordingId));
  return rows.map(toItem);
}

/** A recording a batch's results name, with the content type Genesys gave it. */
export interface ResultRecording {
  conversationId: string;
  recordingId: string;
  contentType: string | null;
}

/**
 * The batch's conversation-wide items become ordinary recordings, in one statement: each recording in
 * `found` whose conversation is such an item of this batch gets a row under the batch (`batched`, with
 * the item's attempts), unless it already has one, which keeps its state. With `close` (the job's final
 * results), the conversation-wide items of the conversations listed are done (`expanded`).
 * Returns the recordings of `found` that are now items of the batch, and the conversations closed.
 */
export async function expandConversationItems(
  db: Db,
  batch: { id: number; processDate: string },
  found: readonly ResultRecording[],
  close: readonly string[] = [],
): Promise<{ items: BatchItem[]; closed: string[] }> {
  if (found.length === 0 && close.length === 0) return { items: [], closed: [] };
  const column = <T>(pick: (r: ResultRecording) => T) => sql.param(found.map(pick));
  // One array per column, whatever the number of recordings, so the statement's text never changes
  // (it runs after every poll that brings new results). Every part reads the table as it was before
  // the statement: the insert's rows are not seen by the select after it, and the items closed are
  // not the rows inserted.
  const result = (await db.execute(sql`
    with input as (
      select * from unnest(
        ${column((r) => r.conversationId)}::text[], ${column((r) => r.recordingId)}::text[],
        ${column((r) => r.contentType)}::text[]
      ) as v (conversation_id, recording_id, content_type)
    ), wide as (
      select conversation_id, attempts from ${recordings}
      where batch_id = ${batch.id} and recording_id = ${ALL_RECORDINGS} and state = 'batched'
    ), inserted as (
      insert into ${recordings}
        (conversation_id, recording_id, process_date, media, state, batch_id, content_type, attempts)
      select i.conversation_id, i.recording_id, ${batch.processDate}, 'audio', 'batched', ${batch.id},
             i.content_type, w.attempts
      from input i join wide w on w.conversation_id = i.conversation_id
      on conflict do nothing
      returning conversation_id, recording_id, attempts
    ), closed as (
      update ${recordings} set state = 'expanded', reason = null, attempts = attempts + 1, updated_at = now()
      where batch_id = ${batch.id} and recording_id = ${ALL_RECORDINGS} and state = 'batched'
        and conversation_id = any(${sql.param([...close])}::text[])
      returning conversation_id
    )
    select false as closed, conversation_id, recording_id, attempts from inserted
    union all
    select false, r.conversation_id, r.recording_id, r.attempts
    from ${recordings} r join input i on r.conversation_id = i.conversation_id and r.recording_id = i.recording_id
    where r.batch_id = ${batch.id} and r.state = 'batched'
    union all
    select true, conversation_id, null, null from closed`)) as unknown as {
    rows: { closed: boolean; conversation_id: string; recording_id: string; attempts: number }[];
  };
  const items: BatchItem[] = [];
  const closed: string[] = [];
  for (const r of result.rows) {
    if (r.closed) closed.push(r.conversation_id);
    else
      items.push(
        toItem({ conversationId: r.conversation_id, recordingId: r.recording_id, attempts: r.attempts }),
      );
  }
  return { items, closed };
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

/**
 * A batch Genesys never accepted is given up on for this run: its items are `failed` with `reason` (the
 * next run, or a retry from the dashboard, puts them back in line) and the batch, which has no job, is
 * abandoned. One transaction, so no item is left in a closed batch. Returns how many items failed (0 if
 * the batch has a job by now).
 */
export async function abandonUnsubmitted(db: Db, batchId: number, reason: string): Promise<number> {
  return db.transaction(async (tx) => {
    // Only a batch still without a job: one submitted meanwhile is left to its job.
    const closed = await tx
      .update(batches)
      .set({ status: 'abandoned', error: reason, completedAt: sql`now()` })
      .where(and(eq(batches.id, batchId), eq(batches.status, 'created')))
      .returning({ id: batches.id });
    if (closed.length === 0) return 0;
    const failed = await tx
      .update(recordings)
      .set({ state: 'failed', reason, updatedAt: sql`now()` })
      .where(and(eq(recordings.batchId, batchId), eq(recordings.state, 'batched')))
      .returning({ id: recordings.recordingId });
    return failed.length;
  });
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

export async function batchById(db: Db, batchId: number): Promise<BatchRow | undefined> {
  const [row] = await db.select().from(batches).where(eq(batches.id, batchId));
  return row;
}

/** The status of each batch named (a batch row is never deleted). */
export async function batchStatuses(db: Db, batchIds: readonly number[]): Promise<Map<number, BatchState>> {
  if (batchIds.length === 0) return new Map();
  const rows = await db
    .select({ id: batches.id, status: batches.status })
    .from(batches)
    .where(inArray(batches.id, [...batchIds]));
  return new Map(rows.map((r) => [r.id, r.status]));
}

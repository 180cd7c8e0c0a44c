// Recording outcomes (downloaded, unavailable, failed, back to pending) and the day's rows in manifest
// order. Batch rows and items are in batches.ts.
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { groupWriterPerKey } from '../lib/pool.js';
import type { Db } from './db.js';
import { ALL_RECORDINGS, batches, conversations, type RecordingState, recordings } from './schema.js';

/**
 * Writes that many callers make one row at a time (downloaded files, lookups) are written as one
 * statement per group: when 64 wait, or 25 ms after the first of them arrived.
 */
export const WRITE_GROUP = { maxItems: 64, waitMs: 25 };

export interface RecordingKey {
  conversationId: string;
  recordingId: string;
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

/** An outcome other than downloaded; `pending` puts the recording back in line for a batch. */
export async function recordOutcome(
  db: Db,
  /** a recording, or (recordingId null) a conversation-wide batch item */
  key: { conversationId: string; recordingId: string | null },
  state: Extract<RecordingState, 'unavailable' | 'failed' | 'pending' | 'waiting'>,
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
      and(
        eq(recordings.conversationId, key.conversationId),
        eq(recordings.recordingId, key.recordingId ?? ALL_RECORDINGS),
      ),
    );
}

/**
 * Puts failed recordings of a date back in line for the next run, and unavailable ones whose reason is
 * one of `unavailableFor` (a cause the operator can fix, such as a missing permission).
 */
export async function requeueFailed(
  db: Db,
  processDate: string,
  unavailableFor: readonly string[] = [],
): Promise<number> {
  const rows = await db
    .update(recordings)
    .set({ state: 'pending', reason: null, batchId: null, updatedAt: sql`now()` })
    .where(
      and(
        eq(recordings.processDate, processDate),
        unavailableFor.length === 0
          ? eq(recordings.state, 'failed')
          : or(
              eq(recordings.state, 'failed'),
              and(eq(recordings.state, 'unavailable'), inArray(recordings.reason, [...unavailableFor])),
            ),
      ),
    )
    .returning({ id: recordings.recordingId });
  return rows.length;
}

/**
 * Puts back in line the date's items left in a batch that is closed (completed or abandoned): no run
 * opens that batch again, so they would never be settled. A run stopped while it settled a batch left
 * them there (until 2026-12); returns how many.
 */
export async function requeueStranded(db: Db, processDate: string): Promise<number> {
  const rows = await db
    .update(recordings)
    .set({ state: 'pending', batchId: null, updatedAt: sql`now()` })
    .where(
      and(
        eq(recordings.processDate, processDate),
        eq(recordings.state, 'batched'),
        inArray(
          recordings.batchId,
          db
            .select({ id: batches.id })
            .from(batches)
            .where(
              and(eq(batches.processDate, processDate), inArray(batches.status, ['completed', 'abandoned'])),
            ),
        ),
      ),
    )
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
        agentNames: conversations.agentNames,
        wrapUps: conversations.wrapUps,
        ani: conversations.ani,
        dnis: conversations.dnis,
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
        startTime: recordings.startTime,
        endTime: recordings.endTime,
      })
      .from(recordings)
      .where(sql`${recordings.conversationId} = any(${sql.param(page.map((c) => c.conversationId))}::text[])`)
      .orderBy(byteOrder(recordings.conversationId), byteOrder(recordings.recordingId));
    const ofConversation = new Map<string, (typeof found)[number][]>();
    for (const r of found) {
      // A conversation-wide request whose recordings have rows of their own is not a row of the day.
      if (r.state === 'expanded') continue;
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
          startTime: null,
          endTime: null,
        };
        continue;
      }
      // A conversation-wide request that never became recordings reads as "no recording known".
      for (const r of recs)
        yield { ...c, ...r, recordingId: r.recordingId === ALL_RECORDINGS ? null : r.recordingId };
    }
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!;
    after = { start: last.conversationStart, id: last.conversationId };
  }
}

/** `conversationId/recordingId`, the key of a recording in maps. */
export const recordingKey = (k: RecordingKey): string => `${k.conversationId}/${k.recordingId}`;

// Conversation rows and the recordings found for them. Upserts on natural keys: a re-run that discovers
// the same conversations changes nothing, and one that sees a wrap-up finish moves it to `ready`.
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import { groupWriterPerKey } from '../lib/pool.js';
import type { Db } from './db.js';
import { WRITE_GROUP } from './recordings.js';
import {
  ALL_RECORDINGS,
  type ConversationState,
  conversations,
  type RecordingState,
  recordings,
} from './schema.js';

export type ConversationRow = typeof conversations.$inferInsert;

export async function upsertConversations(db: Db, rows: readonly ConversationRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(conversations)
    .values([...rows])
    .onConflictDoUpdate({
      target: conversations.conversationId,
      // A conversation that was still in wrap-up is refreshed once Genesys finishes it; one already
      // ready keeps its row (and its lookedUp flag) so a re-run does no new lookup, unless its handle
      // time changed (a tHandle that came after the wait for it ended, conversation-facts.ts).
      set: {
        queueId: sql`excluded.queue_id`,
        queueIds: sql`excluded.queue_ids`,
        agentUserIds: sql`excluded.agent_user_ids`,
        conversationEnd: sql`excluded.conversation_end`,
        durationMs: sql`excluded.duration_ms`,
        state: sql`excluded.state`,
        recorded: sql`excluded.recorded`,
        agentNames: sql`excluded.agent_names`,
        wrapUps: sql`excluded.wrap_ups`,
        ani: sql`excluded.ani`,
        dnis: sql`excluded.dnis`,
        lookedUp: sql`case when ${conversations.state} = excluded.state then ${conversations.lookedUp} else false end`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${conversations.state} <> 'ready' or ${conversations.durationMs} is distinct from excluded.duration_ms`,
    });
}

/**
 * Conversations whose recordings must be (re)looked up: ready, not said to be unrecorded (the flag true,
 * or absent), and either never looked up or with a recording that was not ready yet (UPLOADING,
 * transcoding, metadata not published) last time.
 */
export async function conversationsToLookUp(db: Db, processDates: readonly string[], limit: number) {
  return db
    .select({
      conversationId: conversations.conversationId,
      processDate: conversations.processDate,
      recorded: conversations.recorded,
      conversationEnd: conversations.conversationEnd,
      lookedUp: conversations.lookedUp,
    })
    .from(conversations)
    .where(
      and(
        inArray(conversations.processDate, [...processDates]),
        eq(conversations.state, 'ready' satisfies ConversationState),
        sql`${conversations.recorded} is not false`,
        or(
          eq(conversations.lookedUp, false),
          // Not correlated, so it is evaluated once per query (a hashed subplan on the date/state
          // index) instead of once per conversation of the day: the lookup stage asks this after every
          // page of conversations, and the correlated form cost O(day) sub-queries each time.
          inArray(
            conversations.conversationId,
            db
              .select({ id: recordings.conversationId })
              .from(recordings)
              .where(
                and(
                  inArray(recordings.processDate, [...processDates]),
                  eq(recordings.state, 'waiting' satisfies RecordingState),
                ),
              ),
          ),
        ),
      ),
    )
    .orderBy(asc(conversations.conversationStart), asc(conversations.conversationId))
    .limit(limit);
}

export interface FoundRecording {
  recordingId: string;
  media: string | null;
  fileState: string | null;
  state: Extract<RecordingState, 'pending' | 'unavailable' | 'waiting'>;
  reason: string | null;
  /** the recording's own start and end, as its metadata gives them */
  startTime?: string | null;
  endTime?: string | null;
}

/**
 * A recorded conversation whose lookup found nothing (`[]` or 404): still waiting for Genesys to publish
 * its recording, or given up on. Kept as the conversation-wide row, so the manifest, the reconcile
 * window (a `waiting` row) and the next lookup see it.
 */
export interface MissingRecordings {
  state: Extract<RecordingState, 'waiting' | 'unavailable'>;
  reason: string;
}

export interface LookupExtras {
  /** a recorded conversation that has no recording yet (or never got one) */
  missing?: MissingRecordings;
  /** it was looked up before: a wait for its metadata may end now */
  again?: boolean;
}

interface Lookup extends LookupExtras {
  conversationId: string;
  processDate: string;
  found: readonly FoundRecording[];
}

/**
 * Records what a lookup found, atomically with marking the conversation looked up (STYLE §7). Existing
 * rows change only when they were `waiting`: nothing done or in flight is ever touched. `missing`
 * records a recorded conversation that has no recording yet; a later lookup without it ends the wait.
 * Lookups that finish together are written together, in one transaction of two statements (three when a
 * wait may end) for up to 64 of them
 * gathered over at most 25 ms (WRITE_GROUP; one transaction per conversation cost the CLI's one
 * thread more than the lookup itself); each call resolves once its own lookup is written.
 */
export function recordLookup(
  db: Db,
  conversationId: string,
  processDate: string,
  found: readonly FoundRecording[],
  extras: LookupExtras = {},
): Promise<void> {
  return recordLookupGrouped(db, { conversationId, processDate, found, ...extras });
}

const recordLookupGrouped = groupWriterPerKey(writeLookups, WRITE_GROUP);

async function writeLookups(db: Db, group: readonly Lookup[]): Promise<void> {
  // The same conversation twice in a group keeps its latest lookup.
  const latest = new Map(group.map((g) => [g.conversationId, g]));
  const rows: (typeof recordings.$inferInsert)[] = [];
  const waitsEnded: string[] = [];
  for (const { conversationId, processDate, found, missing, again } of latest.values()) {
    if (missing) {
      const { state, reason } = missing;
      rows.push({
        conversationId,
        processDate,
        recordingId: ALL_RECORDINGS,
        media: null,
        fileState: null,
        state,
        reason,
      });
      continue;
    }
    if (again) waitsEnded.push(conversationId);
    for (const r of found) rows.push({ ...r, conversationId, processDate });
  }
  await db.transaction(async (tx) => {
    if (waitsEnded.length > 0) {
      await tx
        .update(recordings)
        .set({ state: 'expanded', updatedAt: sql`now()` })
        .where(
          and(
            inArray(recordings.conversationId, waitsEnded),
            eq(recordings.recordingId, ALL_RECORDINGS),
            eq(recordings.state, 'waiting' satisfies RecordingState),
          ),
        );
    }
    if (rows.length > 0) {
      await tx
        .insert(recordings)
        .values(rows)
        .onConflictDoUpdate({
          target: [recordings.conversationId, recordings.recordingId],
          set: {
            state: sql`excluded.state`,
            reason: sql`excluded.reason`,
            fileState: sql`excluded.file_state`,
            startTime: sql`excluded.start_time`,
            endTime: sql`excluded.end_time`,
            updatedAt: sql`now()`,
          },
          setWhere: sql`${recordings.state} = 'waiting'`,
        });
    }
    await tx
      .update(conversations)
      .set({ lookedUp: true, updatedAt: sql`now()` })
      .where(inArray(conversations.conversationId, [...latest.keys()]));
  });
}

/**
 * RECORDING_LOOKUP=conversation: many conversations at once get one conversation-wide placeholder
 * (recordingId ALL_RECORDINGS, pending) and are marked looked up, in one transaction. A placeholder that
 * already exists is left as it is, so a re-run changes nothing.
 */
export async function recordConversationWide(
  db: Db,
  rows: readonly { conversationId: string; processDate: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction(async (tx) => {
    await tx
      .insert(recordings)
      .values(
        rows.map((r) => ({
          conversationId: r.conversationId,
          processDate: r.processDate,
          recordingId: ALL_RECORDINGS,
          media: null,
          fileState: null,
          state: 'pending' as const,
          reason: null,
        })),
      )
      // A conversation that waited for its metadata (metadata lookup mode) becomes a batch item.
      .onConflictDoUpdate({
        target: [recordings.conversationId, recordings.recordingId],
        set: { state: 'pending', reason: null, updatedAt: sql`now()` },
        setWhere: sql`${recordings.state} = 'waiting'`,
      });
    await tx
      .update(conversations)
      .set({ lookedUp: true, updatedAt: sql`now()` })
      .where(
        inArray(
          conversations.conversationId,
          rows.map((r) => r.conversationId),
        ),
      );
  });
}

// Conversation rows and the recordings found for them. Upserts on natural keys: a re-run that discovers
// the same conversations changes nothing, and one that sees a wrap-up finish moves it to `ready`.
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import { groupWriterPerKey } from '../lib/pool.js';
import type { Db } from './db.js';
import { recordingKey, WRITE_GROUP } from './recordings.js';
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
      // ready keeps its row (and its lookedUp flag) so a re-run does no new lookup.
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
      setWhere: sql`${conversations.state} <> 'ready'`,
    });
}

/**
 * Conversations whose recordings must be (re)looked up: ready, recorded, and either never looked up or
 * with a recording that was not ready yet (UPLOADING, transcoding) last time.
 */
export async function conversationsToLookUp(db: Db, processDates: readonly string[], limit: number) {
  return db
    .select({ conversationId: conversations.conversationId, processDate: conversations.processDate })
    .from(conversations)
    .where(
      and(
        inArray(conversations.processDate, [...processDates]),
        eq(conversations.state, 'ready' satisfies ConversationState),
        eq(conversations.recorded, true),
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

interface Lookup {
  conversationId: string;
  processDate: string;
  found: readonly FoundRecording[];
}

/**
 * Records what a lookup found, atomically with marking the conversation looked up (STYLE §7). Existing
 * rows change only when they were `waiting`: nothing done or in flight is ever touched. Lookups that
 * finish together are written together, in one transaction of two statements for up to 64 of them
 * gathered over at most 25 ms (WRITE_GROUP; one transaction per conversation cost the CLI's one
 * thread more than the lookup itself); each call resolves once its own lookup is written.
 */
export function recordLookup(
  db: Db,
  conversationId: string,
  processDate: string,
  found: readonly FoundRecording[],
): Promise<void> {
  return recordLookupGrouped(db, { conversationId, processDate, found });
}

const recordLookupGrouped = groupWriterPerKey(writeLookups, WRITE_GROUP);

async function writeLookups(db: Db, group: readonly Lookup[]): Promise<void> {
  // One row per recording: the same conversation twice in a group keeps its latest lookup.
  const rows = new Map<string, typeof recordings.$inferInsert>();
  for (const { conversationId, processDate, found } of group) {
    for (const r of found)
      rows.set(recordingKey({ conversationId, recordingId: r.recordingId }), {
        ...r,
        conversationId,
        processDate,
      });
  }
  await db.transaction(async (tx) => {
    if (rows.size > 0) {
      await tx
        .insert(recordings)
        .values([...rows.values()])
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
      .where(inArray(conversations.conversationId, [...new Set(group.map((g) => g.conversationId))]));
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
      .onConflictDoNothing({ target: [recordings.conversationId, recordings.recordingId] });
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

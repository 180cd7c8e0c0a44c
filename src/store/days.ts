// Questions about whole process dates, for planning which dates a run covers (src/scheduler/plan-days.ts).
import { and, inArray, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { conversations, recordings } from './schema.js';

/**
 * The dates among `candidates` with work a later run can finish: a conversation still in wrap-up, or a
 * recording not yet downloaded nor given up on (waiting, pending, batched).
 */
export async function datesWithUnfinishedWork(db: Db, candidates: readonly string[]): Promise<Set<string>> {
  if (candidates.length === 0) return new Set();
  const notReady = await db
    .selectDistinct({ d: conversations.processDate })
    .from(conversations)
    .where(
      and(inArray(conversations.processDate, [...candidates]), sql`${conversations.state} = 'not_ready'`),
    );
  const unfinished = await db
    .selectDistinct({ d: recordings.processDate })
    .from(recordings)
    .where(
      and(
        inArray(recordings.processDate, [...candidates]),
        inArray(recordings.state, ['waiting', 'pending', 'batched']),
      ),
    );
  return new Set([...notReady, ...unfinished].map((r) => r.d));
}

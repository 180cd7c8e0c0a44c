// Questions about whole process dates: which dates a run covers (src/scheduler/plan-days.ts), and how much
// of a date is still to download (a full disk's message, src/pipeline/run.ts).
import { and, eq, inArray, sql } from 'drizzle-orm';
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

export interface DayBacklog {
  /** Recordings a later run of the date will download: not yet downloaded nor given up on, or failed. */
  remaining: number;
  /** Mean size of the date's downloaded recordings; null before the first. */
  averageBytes: number | null;
}

export async function dayBacklog(db: Db, processDate: string): Promise<DayBacklog> {
  const [row] = await db
    .select({
      remaining: sql<number>`count(*) filter (where ${recordings.state} in ('waiting', 'pending', 'batched', 'failed'))::int`,
      averageBytes: sql<
        number | null
      >`(avg(${recordings.bytes}) filter (where ${recordings.state} = 'downloaded'))::float8`,
    })
    .from(recordings)
    .where(eq(recordings.processDate, processDate));
  return { remaining: row?.remaining ?? 0, averageBytes: row?.averageBytes ?? null };
}

// Per-date Genesys API call counts, kept in the runs' `counts` jsonb so the dashboard can chart calls
// and 429s per day without a new table or migration. A run covers all its queues at once, so the figures
// are per process date and repeated on each queue row of that date (readers take one, see apiCallsByDay).
// finishRun() replaces `counts` at the end of every run, so they describe the date's latest run; they
// must therefore be written after runDay() returns.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { runs } from './schema.js';

export interface ApiCallCounts {
  apiCalls: number;
  apiRateLimited: number;
  apiRetries: number;
}

export async function recordApiCalls(
  db: Db,
  processDate: string,
  queueIds: readonly string[],
  c: ApiCallCounts,
): Promise<void> {
  if (queueIds.length === 0) return;
  const figures = JSON.stringify({
    apiCalls: c.apiCalls,
    apiRateLimited: c.apiRateLimited,
    apiRetries: c.apiRetries,
  });
  await db
    .update(runs)
    .set({ counts: sql`${runs.counts} || ${figures}::jsonb` })
    .where(and(eq(runs.processDate, processDate), inArray(runs.queueId, [...queueIds])));
}

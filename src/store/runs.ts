// Run rows: one per (process date, queue). A re-run of the same date updates the row (attempts + 1).
import { and, desc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { type RunState, runs } from './schema.js';

export type RunRow = typeof runs.$inferSelect;

/**
 * A run row as JSON (`status --json`, the API): timestamps as ISO strings, and the queue's name where
 * one is known (`queueNames`, from directory-names.ts).
 */
export function runRowJson(r: RunRow, queueNames?: ReadonlyMap<string, string>) {
  return {
    processDate: r.processDate,
    queueId: r.queueId,
    queueName: queueNames?.get(r.queueId) ?? null,
    status: r.status,
    attempts: r.attempts,
    counts: r.counts,
    error: r.error,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export async function startRuns(db: Db, processDate: string, queueIds: readonly string[]): Promise<void> {
  if (queueIds.length === 0) return;
  await db
    .insert(runs)
    .values(queueIds.map((queueId) => ({ processDate, queueId, status: 'RUNNING' as const })))
    .onConflictDoUpdate({
      target: [runs.processDate, runs.queueId],
      set: {
        status: 'RUNNING',
        attempts: sql`${runs.attempts} + 1`,
        error: null,
        startedAt: sql`now()`,
        finishedAt: null,
      },
    });
}

export async function finishRun(
  db: Db,
  processDate: string,
  queueId: string,
  status: Exclude<RunState, 'RUNNING'>,
  counts: Record<string, number>,
  error: string | null,
): Promise<void> {
  await db
    .update(runs)
    .set({ status, counts, error, finishedAt: sql`now()` })
    .where(and(eq(runs.processDate, processDate), eq(runs.queueId, queueId)));
}

export interface RunsFilter {
  from?: string;
  to?: string;
  queueIds?: readonly string[];
  status?: RunState;
  limit?: number;
}

export async function listRuns(db: Db, filter: RunsFilter = {}): Promise<RunRow[]> {
  const where = [
    filter.from ? gte(runs.processDate, filter.from) : undefined,
    filter.to ? lte(runs.processDate, filter.to) : undefined,
    filter.queueIds?.length ? inArray(runs.queueId, [...filter.queueIds]) : undefined,
    filter.status ? eq(runs.status, filter.status) : undefined,
  ].filter((w) => w !== undefined);
  const q = db
    .select()
    .from(runs)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(runs.processDate), runs.queueId);
  return filter.limit ? q.limit(filter.limit) : q;
}

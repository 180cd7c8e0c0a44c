// Wraps one process date's run to measure it: wall time and outcome, and batches completed and bytes
// downloaded during the run (by difference of the day's rows, so no clock is compared with the
// database's). The Genesys calls a day cost are stored with its runs by runDay itself
// (src/pipeline/api-usage.ts), whichever way the day ran.
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { DayOutcome } from '../pipeline/run.js';
import type { Db } from '../store/db.js';
import { batchLatencies, dayWorkSnapshot } from '../store/queries-stats.js';
import type { Metrics } from './index.js';

export interface DayRunObserverDeps {
  db: Db;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
}

export async function observeDayRun(
  deps: DayRunObserverDeps,
  plan: { processDate: string; queueIds: readonly string[] },
  run: () => Promise<DayOutcome>,
): Promise<DayOutcome> {
  const { db, metrics } = deps;
  const snapshot = await dayWorkSnapshot(db, plan.processDate);
  const started = deps.clock.now();
  let status = 'INTERRUPTED';
  try {
    const outcome = await run();
    status = outcome.status;
    return outcome;
  } catch (e) {
    if ((e as { code?: string }).code !== 'INTERRUPTED') status = 'FAILED';
    throw e;
  } finally {
    metrics.dayRuns.inc({ status });
    metrics.dayRunDuration.observe({ status }, (deps.clock.now() - started) / 1000);
    try {
      const now = await dayWorkSnapshot(db, plan.processDate);
      metrics.downloadedBytes.inc(Math.max(0, now.downloadedBytes - snapshot.downloadedBytes));
      const fresh = [...now.completedBatchIds].filter((id) => !snapshot.completedBatchIds.has(id));
      for (const s of await batchLatencies(db, fresh)) metrics.batchDuration.observe(Math.max(0, s));
    } catch (e) {
      deps.logger.warn(
        { processDate: plan.processDate, err: errorMessage(e) },
        'could not record run metrics',
      );
    }
  }
}

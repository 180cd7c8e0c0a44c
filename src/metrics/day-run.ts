// Wraps one process date's run to measure it: wall time and outcome, batches completed and bytes
// downloaded during the run (by difference of the day's rows, so no clock is compared with the
// database's), and the Genesys calls it cost, which are also stored with the date's runs for the
// dashboard's API-calls chart. The difference of genesys.stats() is exact because `serve` works one
// extract-day job at a time (batchSize 1, one worker per process).
import type { Logger } from 'pino';
import type { ApiCallStats } from '../genesys/types.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { DayOutcome } from '../pipeline/run.js';
import type { Db } from '../store/db.js';
import { recordApiCalls } from '../store/queries-api-calls.js';
import { batchLatencies, dayWorkSnapshot } from '../store/queries-stats.js';
import type { Metrics } from './index.js';

export interface DayRunObserverDeps {
  db: Db;
  metrics: Metrics;
  genesysStats: () => ApiCallStats;
  clock: Clock;
  logger: Logger;
}

const totalCalls = (s: ApiCallStats) => Object.values(s.calls).reduce((a, b) => a + b, 0);

export async function observeDayRun(
  deps: DayRunObserverDeps,
  plan: { processDate: string; queueIds: readonly string[] },
  run: () => Promise<DayOutcome>,
): Promise<DayOutcome> {
  const { db, metrics } = deps;
  const before = deps.genesysStats();
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
      const after = deps.genesysStats();
      await recordApiCalls(db, plan.processDate, plan.queueIds, {
        apiCalls: totalCalls(after) - totalCalls(before),
        apiRateLimited: after.rateLimited - before.rateLimited,
        apiRetries: after.retries - before.retries,
      });
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

// Runs process dates through the work engine: each date becomes an `extract-day` job worked by this
// process (and, on PostgreSQL, possibly by other workers too), and the caller gets each day's outcome.
import { errorMessage } from '../lib/errors.js';
import type { DayPlan, PipelineDeps } from '../pipeline/deps.js';
import { type DayOutcome, InterruptedError, runDay } from '../pipeline/run.js';
import type { DbHandle } from '../store/db.js';
import { type ExtractDayJob, QUEUES, startEngine } from './work.js';

export async function extractDays(
  deps: PipelineDeps,
  store: DbHandle,
  days: readonly DayPlan[],
): Promise<DayOutcome[]> {
  const engine = await startEngine(store, deps.logger);
  // Our handler says when it has returned for a job, so the wait below ends without a polling delay.
  const handled = new Map<string, () => void>();
  try {
    const workerId = await engine.boss.work<ExtractDayJob>(
      QUEUES.extractDay,
      { batchSize: 1, pollingIntervalSeconds: 0.5 },
      async ([job]) => {
        try {
          return await runDay(deps, { processDate: job!.data.processDate, queueIds: job!.data.queueIds });
        } finally {
          handled.get(job!.id)?.();
        }
      },
    );
    const outcomes: DayOutcome[] = [];
    for (const day of days) {
      const id = await engine.enqueueDay({ processDate: day.processDate, queueIds: [...day.queueIds] });
      const ours = new Promise<void>((resolve) => handled.set(id, resolve));
      // Our own worker picks the job up now instead of at its next poll.
      engine.boss.notifyWorker(workerId);
      const done = await engine.waitFor(id, deps.signal, ours);
      handled.delete(id);
      if (done.state === 'interrupted' || deps.signal?.aborted) throw new InterruptedError();
      if (done.state === 'completed') {
        outcomes.push(done.output as DayOutcome);
        continue;
      }
      const error = (done.output as { message?: string } | null)?.message ?? `job ${done.state}`;
      outcomes.push({ ...day, status: 'FAILED', notified: false, retryable: 0, emptyQueues: [], error });
    }
    return outcomes;
  } catch (e) {
    deps.logger.debug({ err: errorMessage(e) }, 'stopping the work engine after an error');
    throw e;
  } finally {
    await engine.stop();
  }
}

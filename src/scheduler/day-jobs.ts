// Starting and working days. Every way a day starts — `run` and `demo`, `serve`'s daily schedule, the
// API's POST /api/runs and /api/days/:date/retry — goes through `startDays`, which plans the dates and
// enqueues one `extract-day` job per date; and every day is worked by the one handler `workDays`
// registers, which runs the pipeline (runDay).
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import { localToday } from '../lib/dates.js';
import { errorMessage } from '../lib/errors.js';
import type { DayPlan, PipelineDeps } from '../pipeline/deps.js';
import { type DayOutcome, InterruptedError, runDay } from '../pipeline/run.js';
import type { Db, DbHandle } from '../store/db.js';
import { type ExtractDayJob, type JobQueue, QUEUES, startJobQueue } from './job-queue.js';
import { type DayRequest, planDays } from './plan-days.js';

export type StartedDay = DayPlan & { jobId: string };

export interface StartDeps {
  db: Db;
  config: Pick<Config, 'TIMEZONE' | 'RECONCILE_DAYS' | 'GENESYS_QUEUE_IDS'>;
  clock: Clock;
  logger: Logger;
  queue: Pick<JobQueue, 'enqueueDay'>;
}

/**
 * Plans the request's days (src/scheduler/plan-days.ts) and enqueues them, oldest first. `each` is
 * awaited after each day is enqueued and before the next is: `run` waits there for the day's outcome,
 * so an interrupted run leaves no later day queued behind it.
 */
export async function startDays(
  deps: StartDeps,
  request: DayRequest,
  each: (day: StartedDay) => Promise<void> = async () => {},
): Promise<StartedDay[]> {
  const today = localToday(deps.clock.now(), deps.config.TIMEZONE);
  const { days, reconciled } = await planDays(deps.db, deps.config, request, today);
  if (reconciled.length > 0)
    deps.logger.info({ dates: reconciled }, 'revisiting earlier days with unfinished work');
  const started: StartedDay[] = [];
  for (const day of days) {
    const jobId = await deps.queue.enqueueDay({ processDate: day.processDate, queueIds: [...day.queueIds] });
    started.push({ ...day, jobId });
    await each({ ...day, jobId });
  }
  return started;
}

export interface DayWorker {
  /** Wakes the worker for a day this process started and resolves with its outcome. */
  outcome(day: StartedDay, signal?: AbortSignal): Promise<DayOutcome>;
}

/**
 * Registers the handler of `extract-day` jobs: runDay, wrapped by `observe` when given (`serve`
 * measures each day for /metrics). One job at a time per process: a day already runs batches and
 * downloads in parallel, and the Genesys rate limit is per credential anyway.
 */
export async function workDays(
  queue: JobQueue,
  deps: PipelineDeps,
  observe: (plan: DayPlan, run: () => Promise<DayOutcome>) => Promise<DayOutcome> = (_, run) => run(),
): Promise<DayWorker> {
  // The handler says when it has returned for a job, so a wait ends without a polling delay.
  const handled = new Map<string, () => void>();
  const workerId = await queue.boss.work<ExtractDayJob>(
    QUEUES.extractDay,
    { batchSize: 1, pollingIntervalSeconds: 1 },
    async ([job]) => {
      const plan = { processDate: job!.data.processDate, queueIds: job!.data.queueIds };
      try {
        return await observe(plan, () => runDay(deps, plan));
      } finally {
        handled.get(job!.id)?.();
      }
    },
  );
  return {
    async outcome(day, signal) {
      const ours = new Promise<void>((resolve) => handled.set(day.jobId, resolve));
      // The worker picks the job up now instead of at its next poll.
      queue.boss.notifyWorker(workerId);
      const done = await queue.waitFor(day.jobId, signal, ours);
      handled.delete(day.jobId);
      if (done.state === 'interrupted' || signal?.aborted) throw new InterruptedError();
      if (done.state === 'completed') return done.output as DayOutcome;
      const error = (done.output as { message?: string } | null)?.message ?? `job ${done.state}`;
      return { ...day, status: 'FAILED', notified: false, retryable: 0, emptyQueues: [], error };
    },
  };
}

/**
 * `run` and `demo`: starts the request's days through the job queue, works them in this process (on
 * PostgreSQL other workers may take some), and returns each day's outcome, oldest first.
 */
export async function extractDays(
  deps: PipelineDeps,
  store: DbHandle,
  request: DayRequest,
): Promise<DayOutcome[]> {
  const queue = await startJobQueue(store, deps.logger);
  try {
    const worker = await workDays(queue, deps);
    const outcomes: DayOutcome[] = [];
    await startDays({ ...deps, queue }, request, async (day) => {
      outcomes.push(await worker.outcome(day, deps.signal));
    });
    return outcomes;
  } catch (e) {
    deps.logger.debug({ err: errorMessage(e) }, 'stopping the job queue after an error');
    throw e;
  } finally {
    await queue.stop();
  }
}

// Starting and working days. Every way a day starts — `run` and `demo`, `serve`'s daily schedule, the
// API's POST /api/runs and /api/days/:date/retry — goes through `startDays`, which plans the dates and
// enqueues one `extract-day` job per date; and every day is worked by `workDay`, which holds the day's
// lease (ADR 0016) while it runs the pipeline (runDay): in `serve` and `worker` for any queued day
// (`workDays`), in `run` and `demo` for the days they queued themselves (`extractDays`).
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import { localToday } from '../lib/dates.js';
import { errorMessage } from '../lib/errors.js';
import type { DayPlan, PipelineDeps } from '../pipeline/deps.js';
import { type DayOutcome, InterruptedError, runDay } from '../pipeline/run.js';
import type { Db, DbHandle } from '../store/db.js';
import { liveLeaseCount } from '../store/leases.js';
import { createRemoteFlight } from './batch-dispatch.js';
import { type BatchRunner, createBatchRunner } from './batch-jobs.js';
import {
  dayLeaseKey,
  type ExtractDayJob,
  type JobQueue,
  jobLeaseKey,
  QUEUES,
  startJobQueue,
} from './job-queue.js';
import { leaseDepsOf, tryLease, WORKER_LEASE_PREFIX, waitForLease } from './leases.js';
import { type DayRequest, planDays } from './plan-days.js';
import { checkSharedDataDir } from './shared-data-dir.js';

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

/**
 * Works one day under its lease (ADR 0016): waits while another live process holds it (pg-boss let
 * go of a job whose process is still working, or two triggers raced), and stops the run at its next
 * step if the lease is lost. The job's own lease, held from the start, tells the reaper this handler
 * is alive while it waits; `end` records the job's outcome (or error) before that lease goes, so the
 * reaper never takes a finished job for one whose process died (as batch-jobs.ts does for batches).
 * `observe` wraps the run (`serve` measures each day for /metrics).
 */
async function workDay(
  deps: PipelineDeps,
  plan: DayPlan,
  jobId: string,
  end: EndDayJob,
  observe: Observe = (_, run) => run(),
): Promise<DayOutcome> {
  const leases = leaseDepsOf(deps);
  const handler = await tryLease(leases, jobLeaseKey(jobId));
  if (!handler) {
    const taken = new Error(`the lease of day job ${jobId} is held by another process`);
    await end(Promise.reject(taken));
    throw taken;
  }
  try {
    const ran = runUnderDayLease(deps, plan, handler.lost, observe);
    await end(ran);
    return await ran;
  } finally {
    await handler.release();
  }
}

async function runUnderDayLease(
  deps: PipelineDeps,
  plan: DayPlan,
  handlerLost: AbortSignal,
  observe: Observe,
): Promise<DayOutcome> {
  const log = deps.logger.child({ processDate: plan.processDate });
  const leases = leaseDepsOf(deps);
  const waiting = deps.signal ? AbortSignal.any([deps.signal, handlerLost]) : handlerLost;
  const lease = await waitForLease(leases, dayLeaseKey(plan.processDate), waiting, (holder) =>
    log.info({ holder }, 'another process is working this day: waiting for it to finish'),
  ).catch((e: unknown) => {
    // Stopped (shutdown, the job's lease lost) while waiting: the day is given back, not failed.
    throw waiting.aborted ? new InterruptedError() : e;
  });
  const signal = AbortSignal.any([waiting, lease.lost]);
  // Every request and download in flight listens to it: dozens at once are expected, not a leak.
  setMaxListeners(1000, signal);
  try {
    return await observe(plan, () => runDay({ ...deps, signal }, plan));
  } finally {
    await lease.release();
  }
}

type Observe = (plan: DayPlan, run: () => Promise<DayOutcome>) => Promise<DayOutcome>;
/** Records a day job's outcome, or its error, in pg-boss; never throws (what it cannot record, it logs). */
type EndDayJob = (ran: Promise<DayOutcome>) => Promise<void>;

/**
 * Ends a day job with what its run gave: completed with the outcome, or failed with the error; a day
 * stopped before its end on PostgreSQL (`requeue`) is queued again first, and its failed job names its
 * successor (`resumedAs`), which a `run` following it takes up.
 */
function endDayJob(
  queue: JobQueue,
  deps: PipelineDeps,
  job: { id: string; data: ExtractDayJob },
  requeue: boolean,
): EndDayJob {
  const log = deps.logger.child({ processDate: job.data.processDate, jobId: job.id });
  return async (ran) => {
    try {
      const outcome = await ran.catch(async (e: unknown) => {
        if (!(requeue && e instanceof InterruptedError)) {
          await queue.boss.fail(QUEUES.extractDay, job.id, { message: errorMessage(e) } as never);
          return undefined;
        }
        const resumedAs = await queue.enqueueDay(job.data);
        log.info({ resumedAs }, 'day given back: queued again');
        await queue.boss.fail(QUEUES.extractDay, job.id, { message: errorMessage(e), resumedAs } as never);
        return undefined;
      });
      if (outcome) await queue.boss.complete(QUEUES.extractDay, job.id, outcome as never);
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'could not record the end of the day job');
    }
  };
}

/**
 * Registers the handler of `extract-day` jobs for a process that works any day (`serve`, `worker`):
 * workDay, one job at a time per process (a day already runs batches and downloads in parallel, and
 * the Genesys rate limit is per credential anyway). On PostgreSQL a day this process stops before its
 * end (shutdown, lost lease) is queued again for another worker, and its job says so (`resumedAs`).
 */
export async function workDays(
  queue: JobQueue,
  base: PipelineDeps,
  observe?: Observe,
  shared = false,
): Promise<void> {
  // On PostgreSQL the day's batches are jobs, which this process' own batch loop takes with the others'.
  const deps = shared ? { ...base, batchFlight: remoteFlight(queue) } : base;
  await queue.boss.work<ExtractDayJob>(
    QUEUES.extractDay,
    { batchSize: 1, pollingIntervalSeconds: 1 },
    async ([job]) => {
      const plan = { processDate: job!.data.processDate, queueIds: job!.data.queueIds };
      // The job is ended inside (endDayJob); what pg-boss records after the handler returns or throws
      // then changes nothing.
      return workDay(deps, plan, job!.id, endDayJob(queue, deps, job!, shared), observe);
    },
  );
}

/** How often `run` looks at a day job it could not take yet (another process has the date). */
const CLAIM_RETRY_MS = 500;

/**
 * `run` and `demo`: starts the request's days through the job queue and works them in this process,
 * and only them (a day another process queued stays for `serve` or `worker`); a day another process
 * is working already is waited for. Returns each day's outcome, oldest first.
 */
export async function extractDays(
  base: PipelineDeps,
  store: DbHandle,
  request: DayRequest,
): Promise<DayOutcome[]> {
  await checkSharedDataDir(store.db, base.config);
  const queue = await startJobQueue(store, base.logger, { leaseMs: base.config.LEASE_SECONDS * 1000 });
  // On PostgreSQL, with workers running, the day's batches are jobs for any of them, and `run` takes
  // those no worker took; with none, they run here as in one process (and a worker started meanwhile
  // finds no batch of this day to take: it is not needed).
  const runner = store.kind === 'postgres' ? createBatchRunner(base) : undefined;
  const withWorkers = runner ? { ...base, batchFlight: remoteFlight(queue, runner) } : base;
  try {
    const outcomes: DayOutcome[] = [];
    await startDays({ ...base, queue }, request, async (day) => {
      const workers = runner ? await liveLeaseCount(base.db, WORKER_LEASE_PREFIX) : 0;
      if (runner) base.logger.info({ processDate: day.processDate, workers }, 'workers on the database');
      outcomes.push(await workOwnDay(queue, workers > 0 ? withWorkers : base, day));
    });
    return outcomes;
  } catch (e) {
    base.logger.debug({ err: errorMessage(e) }, 'stopping the job queue after an error');
    throw e;
  } finally {
    await runner?.settled();
    await queue.stop();
  }
}

function remoteFlight(queue: JobQueue, participate?: BatchRunner) {
  return (deps: PipelineDeps, processDate: string) =>
    createRemoteFlight(queue, deps, processDate, { participate });
}

/**
 * Takes the day's job and works it here, or follows the process that took it first (a worker on the
 * same PostgreSQL) to its outcome.
 */
async function workOwnDay(queue: JobQueue, deps: PipelineDeps, day: StartedDay): Promise<DayOutcome> {
  let jobId = day.jobId;
  for (;;) {
    if (deps.signal?.aborted) throw new InterruptedError();
    if (await queue.claim(QUEUES.extractDay, jobId)) return workClaimedDay(queue, deps, day, jobId);
    const job = await queue.state(QUEUES.extractDay, jobId);
    const resumedAs = (job?.output as { resumedAs?: unknown } | null)?.resumedAs;
    if (job?.state === 'failed' && typeof resumedAs === 'string') {
      // Given back by a process that stopped, or failed by the reaper: its successor is the day's job.
      jobId = resumedAs;
      continue;
    }
    if (job?.state === 'completed') return job.output as DayOutcome;
    if (job?.state === 'failed' || job?.state === 'cancelled') {
      const error = (job.output as { message?: string } | null)?.message ?? `job ${job.state}`;
      return { ...day, status: 'FAILED', notified: false, retryable: 0, emptyQueues: [], error };
    }
    if (!job) {
      // Gone from pg-boss' table before this process could look: queue the day again and take that.
      jobId = await queue.enqueueDay({ processDate: day.processDate, queueIds: [...day.queueIds] });
      continue;
    }
    // Active in another process, or waiting behind the date's active job (stately): look again soon.
    await deps.clock.sleep(CLAIM_RETRY_MS, deps.signal).catch(() => {});
  }
}

async function workClaimedDay(
  queue: JobQueue,
  deps: PipelineDeps,
  day: StartedDay,
  jobId: string,
): Promise<DayOutcome> {
  // No pg-boss worker holds this job: it is ended here, interrupted (Ctrl-C, SIGTERM) or broken too.
  const job = { id: jobId, data: { processDate: day.processDate, queueIds: [...day.queueIds] } };
  return workDay(deps, day, jobId, endDayJob(queue, deps, job, false));
}

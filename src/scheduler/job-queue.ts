// The job queue: pg-boss 10 on the same database as the data (PGlite in-process, or PostgreSQL shared by
// several workers). A process date is one `extract-day` job; the `stately` queue policy lets at most one
// job per date be active anywhere at a time, so two triggers never extract the same day at once.
// Progress itself lives in our own rows (src/store), so a job that dies is simply run again.
// See docs/decisions/0003-work-engine.md (the work engine is this job queue).
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { sleepOrWake, systemClock } from '../lib/clock.js';
import type { DbHandle } from '../store/db.js';
import { activeJobIds, jobSchemaInstalled, queuedJobId } from '../store/job-tables.js';

export const QUEUES = { extractDay: 'extract-day' } as const;

export interface ExtractDayJob {
  processDate: string;
  queueIds: string[];
}

export interface JobQueue {
  boss: PgBoss;
  /** Enqueues a day (or finds the one already queued for it) and returns its job id. */
  enqueueDay(job: ExtractDayJob): Promise<string>;
  /**
   * Resolves with the job's final state once it is completed, failed or cancelled. `handled` settles
   * when this process' own handler has returned for the job: pg-boss records the state right after, so
   * from then on the job is looked at every few milliseconds instead of every 250 ms.
   */
  waitFor(
    jobId: string,
    signal?: AbortSignal,
    handled?: Promise<unknown>,
  ): Promise<{ state: string; output: unknown }>;
  stop(): Promise<void>;
}

/** How often waitFor looks at a job another worker may be running, and at one our handler has returned. */
const POLL_MS = 250;
const HANDLED_POLL_MS = 10;
const NEVER = new Promise<never>(() => {});

/** A day can take hours on a large contact centre; an orphaned active job is released after this. */
const DAY_JOB_EXPIRE_SECONDS = 6 * 3600;

function newBoss(store: DbHandle, logger: Logger | undefined, supervise: boolean): PgBoss {
  const boss = new PgBoss({
    db: store.sql as PgBoss.Db,
    schema: 'pgboss',
    // Our own rows make the pipeline resumable; pg-boss retries would only race with an operator's re-run.
    retryLimit: 0,
    expireInSeconds: DAY_JOB_EXPIRE_SECONDS,
    supervise,
    schedule: false,
  });
  // pg-boss reports errors of its background work here (an EventEmitter 'error' without a listener throws).
  boss.on('error', (e) => logger?.error({ err: e.message }, 'job queue error'));
  return boss;
}

/** pg-boss' start installs or migrates its schema; then the day queue is created if it is missing. */
async function startBoss(boss: PgBoss): Promise<void> {
  await boss.start();
  // create_queue is PL/pgSQL: calling it on every start made PGlite load its PL/pgSQL module each time.
  // Two workers starting at once may both create it; the function ignores the second.
  if (!(await boss.getQueue(QUEUES.extractDay))) {
    await boss.createQueue(QUEUES.extractDay, {
      name: QUEUES.extractDay,
      policy: 'stately',
      retryLimit: 0,
      expireInSeconds: DAY_JOB_EXPIRE_SECONDS,
    });
  }
}

/**
 * Creates the job queue's schema and the day queue in a database that has none, and does nothing
 * otherwise (one catalog lookup; a newer pg-boss migrates its schema in `startJobQueue`). Part of setting
 * a database up, with our own migrations (`openStore` in src/cli/compose.ts), so a new database is
 * complete after `status` or `doctor`, and the first run does not spend ~0.5 s of its start-up on it.
 */
export async function prepareJobQueue(store: DbHandle, logger?: Logger): Promise<void> {
  if (await jobSchemaInstalled(store.sql)) return;
  const boss = newBoss(store, logger, false);
  await startBoss(boss);
  await boss.stop({ graceful: false, close: false, wait: true });
}

export async function startJobQueue(store: DbHandle, logger: Logger): Promise<JobQueue> {
  // The embedded database is one process: no need for pg-boss' supervisor to poll it every few seconds.
  const boss = newBoss(store, logger, store.kind === 'postgres');
  await startBoss(boss);
  if (store.kind === 'pglite') {
    // The embedded database is locked to this process, so any job still "active" belonged to a process
    // that died (kill -9, power loss): release it, or the stately policy would block its date.
    const ids = await activeJobIds(store.sql, QUEUES.extractDay);
    if (ids.length > 0) {
      await boss.fail(QUEUES.extractDay, ids, { reason: 'orphaned by a previous process' } as never);
      logger.info({ jobs: ids.length }, 'released jobs orphaned by a previous process');
    }
  }

  const enqueueDay = async (job: ExtractDayJob): Promise<string> => {
    const id = await boss.send(QUEUES.extractDay, job, { singletonKey: job.processDate });
    if (id) return id;
    // Already queued (stately: one queued job per date): wait for that one.
    const existing = await queuedJobId(store.sql, QUEUES.extractDay, job.processDate);
    if (!existing)
      throw new Error(`could not enqueue ${job.processDate}: a job is queued but cannot be found`);
    return existing;
  };

  const waitFor = async (jobId: string, signal?: AbortSignal, handled?: Promise<unknown>) => {
    let soon = false;
    const mark = () => {
      soon = true;
    };
    const ended = (handled ?? NEVER).then(mark, mark);
    for (;;) {
      const job = await boss.getJobById(QUEUES.extractDay, jobId);
      if (job && ['completed', 'failed', 'cancelled'].includes(job.state)) {
        return { state: job.state, output: job.output };
      }
      if (signal?.aborted) return { state: 'interrupted', output: null };
      // Once `ended` has settled it would wake the wait at once: from then on only the short delay.
      await sleepOrWake(systemClock, soon ? HANDLED_POLL_MS : POLL_MS, soon ? NEVER : ended, signal);
    }
  };

  return {
    boss,
    enqueueDay,
    waitFor,
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 30_000 }),
  };
}

// The job queue: pg-boss 10 on the same database as the data (PGlite in-process, or PostgreSQL shared by
// several workers). A process date is one `extract-day` job; the `stately` queue policy lets at most one
// job per date be active anywhere at a time, and the day's lease (ADR 0016) makes sure only one process
// works it even when pg-boss lets go of a job. Progress itself lives in our own rows (src/store), so a
// job that dies is simply run again. See docs/decisions/0003-work-engine.md and 0016.
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { errorMessage } from '../lib/errors.js';
import type { DbHandle } from '../store/db.js';
import {
  activeJobIds,
  claimJob,
  type JobState,
  jobSchemaInstalled,
  jobStates,
  orphanedJobs,
  queuedJobId,
} from '../store/job-tables.js';
import { releaseOrphanedClaims } from '../store/leases.js';

/**
 * A batch's key: the singleton key of its job (one waits per batch) and the key of the lease its worker
 * holds while it works it (batch-jobs.ts), the same string, which the coordinator relies on.
 */
export const batchKey = (batchId: number) => `batch:${batchId}`;

export const QUEUES = { extractDay: 'extract-day', extractBatch: 'extract-batch' } as const;

/** The lease key of a day (ADR 0016): who works the date. */
export const dayLeaseKey = (processDate: string) => `day:${processDate}`;
/**
 * The lease key of a job's handler: held from the moment a process takes the job to its end, waiting
 * for the day's lease included, so that the reaper can tell a dead handler from one that waits.
 */
export const jobLeaseKey = (jobId: string) => `${JOB_LEASE_PREFIX}${jobId}`;
const JOB_LEASE_PREFIX = 'job:';

export interface ExtractDayJob {
  processDate: string;
  queueIds: string[];
}

export interface JobQueue {
  boss: PgBoss;
  /** Enqueues a day (or finds the one already queued for it) and returns its job id. */
  enqueueDay(job: ExtractDayJob): Promise<string>;
  /** Queues a batch of a day (or finds the job already waiting for it) and returns its job id. */
  enqueueBatch(job: { batchId: number; processDate: string }): Promise<string>;
  /** Takes a waiting job of `queue` for this process (`run` works only its own jobs); false if taken. */
  claim(queue: string, jobId: string): Promise<boolean>;
  /** The job's state and output, or undefined once pg-boss no longer has it. */
  state(queue: string, jobId: string): Promise<{ state: string; output: unknown } | undefined>;
  /** The states of several jobs of a queue (absent: gone from pg-boss' table). */
  states(queue: string, jobIds: readonly string[]): Promise<Map<string, JobState>>;
  stop(): Promise<void>;
}

/**
 * Days and batches are owned through leases (ADR 0016), which end within one LEASE_SECONDS when their
 * process dies; a job whose process died is then failed by the reaper below. pg-boss' own expiry is
 * only a backstop, at the longest it allows (less than 24 h), so that it never fails a job whose
 * process is still working on it.
 */
const JOB_EXPIRE_SECONDS = 23 * 3600;

function newBoss(store: DbHandle, logger: Logger | undefined, supervise: boolean): PgBoss {
  const boss = new PgBoss({
    db: store.sql as PgBoss.Db,
    schema: 'pgboss',
    // Our own rows make the pipeline resumable; pg-boss retries would only race with an operator's re-run.
    retryLimit: 0,
    expireInSeconds: JOB_EXPIRE_SECONDS,
    supervise,
    schedule: false,
  });
  // pg-boss reports errors of its background work here (an EventEmitter 'error' without a listener throws).
  boss.on('error', (e) => logger?.error({ err: e.message }, 'job queue error'));
  return boss;
}

/**
 * The queues: a day at most once waiting and once active per date (`stately`); a batch at most once
 * waiting per batch (`short`: a batch whose worker died is queued again while pg-boss still shows that
 * worker's job active, and its lease decides who works it).
 */
const QUEUE_POLICIES: Record<string, 'stately' | 'short'> = {
  [QUEUES.extractDay]: 'stately',
  [QUEUES.extractBatch]: 'short',
};

/** pg-boss' start installs or migrates its schema; then the queues are created if they are missing. */
async function startBoss(boss: PgBoss): Promise<void> {
  await boss.start();
  // create_queue is PL/pgSQL: calling it on every start made PGlite load its PL/pgSQL module each time.
  // Two workers starting at once may both create it; the function ignores the second.
  for (const [name, policy] of Object.entries(QUEUE_POLICIES)) {
    if (await boss.getQueue(name)) continue;
    await boss.createQueue(name, { name, policy, retryLimit: 0, expireInSeconds: JOB_EXPIRE_SECONDS });
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

export interface JobQueueOptions {
  /** LEASE_SECONDS in ms: how soon a job whose process died is failed and its day queued again */
  leaseMs?: number;
}

export async function startJobQueue(
  store: DbHandle,
  logger: Logger,
  opts: JobQueueOptions = {},
): Promise<JobQueue> {
  // The embedded database is one process: no need for pg-boss' supervisor to poll it every few seconds.
  const boss = newBoss(store, logger, store.kind === 'postgres');
  await startBoss(boss);
  if (store.kind === 'pglite') {
    // The embedded database is locked to this process, so any job still "active" belonged to a process
    // that died (kill -9, power loss): release it, or the stately policy would block its date. Leases
    // and e-mail claims left in it are that process' too.
    const ids = await activeJobIds(store.sql, QUEUES.extractDay);
    if (ids.length > 0) {
      await boss.fail(QUEUES.extractDay, ids, { reason: 'orphaned by a previous process' } as never);
      logger.info({ jobs: ids.length }, 'released jobs orphaned by a previous process');
    }
    await releaseOrphanedClaims(store.db);
  }

  const enqueueDay = async (job: ExtractDayJob): Promise<string> => {
    // A job already waiting for the date (created, or failed and waiting for a retry) is the one.
    const queued = await queuedJobId(store.sql, QUEUES.extractDay, job.processDate);
    if (queued) return queued;
    const id = await boss.send(QUEUES.extractDay, job, { singletonKey: job.processDate });
    if (id) return id;
    // Queued meanwhile by another process (stately: one queued job per date): that one.
    const existing = await queuedJobId(store.sql, QUEUES.extractDay, job.processDate);
    if (!existing)
      throw new Error(`could not enqueue ${job.processDate}: a job is queued but cannot be found`);
    return existing;
  };

  const enqueueBatch = async (job: { batchId: number; processDate: string }): Promise<string> => {
    const key = batchKey(job.batchId);
    // One job waits per batch (policy `short`): a batch queued again while its job still waits is that
    // job; if a worker takes it between the two statements, the send succeeds the next time.
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = await boss.send(QUEUES.extractBatch, job, { singletonKey: key });
      if (id) return id;
      const existing = await queuedJobId(store.sql, QUEUES.extractBatch, key);
      if (existing) return existing;
    }
    throw new Error(`could not queue batch ${job.batchId}: a job is queued but cannot be found`);
  };

  const reaper = store.kind === 'postgres' ? startReaper(boss, store, logger, enqueueDay, opts) : undefined;

  return {
    boss,
    enqueueDay,
    enqueueBatch,
    claim: (queue, jobId) => claimJob(store.sql, queue, jobId),
    async state(queue, jobId) {
      const [row] = await jobStates(store.sql, queue, [jobId]);
      return row && { state: row.state, output: row.output };
    },
    async states(queue, jobIds) {
      return new Map((await jobStates(store.sql, queue, jobIds)).map((j) => [j.id, j]));
    },
    stop: async () => {
      reaper?.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
  };
}

/**
 * On PostgreSQL, every process looks now and then for day jobs pg-boss shows active but whose handler's
 * lease has ended (their process died: SIGKILL, a lost machine), fails them, and queues the day again
 * so that a live worker resumes it within about two lease periods instead of pg-boss' expiry. Several
 * processes may do so at once: failing a failed job does nothing, and the date is queued once.
 */
function startReaper(
  boss: PgBoss,
  store: DbHandle,
  logger: Logger,
  enqueueDay: (job: ExtractDayJob) => Promise<string>,
  opts: JobQueueOptions,
): { stop(): void } {
  const leaseMs = opts.leaseMs ?? 60_000;
  const every = Math.max(1_000, leaseMs / 2);
  const reap = async () => {
    const orphans = await orphanedJobs(store.sql, QUEUES.extractDay, JOB_LEASE_PREFIX, leaseMs / 1000);
    for (const orphan of orphans) {
      const data = orphan.data as ExtractDayJob;
      const resumedAs = await enqueueDay(data);
      await boss.fail(QUEUES.extractDay, orphan.id, {
        message: 'its process stopped renewing the day lease (it died or lost the database); queued again',
        resumedAs,
      } as never);
      logger.warn(
        { processDate: data.processDate, jobId: orphan.id, resumedAs },
        'a day whose process stopped was queued again',
      );
    }
  };
  const timer = setInterval(() => {
    reap().catch((e) => logger.warn({ err: errorMessage(e) }, 'could not look for stopped days'));
  }, every);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

// The work engine: pg-boss 10 on the same database as the data (PGlite in-process, or PostgreSQL shared
// by several workers). A process date is one `extract-day` job; the `stately` queue policy lets at most
// one job per date be active anywhere at a time, so two triggers never extract the same day at once.
// Progress itself lives in our own rows (src/store), so a job that dies is simply run again.
// See docs/decisions/0003-work-engine.md.
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { DbHandle } from '../store/db.js';

export const QUEUES = { extractDay: 'extract-day' } as const;

export interface ExtractDayJob {
  processDate: string;
  queueIds: string[];
}

export interface WorkEngine {
  boss: PgBoss;
  /** Enqueues a day (or finds the one already queued for it) and returns its job id. */
  enqueueDay(job: ExtractDayJob): Promise<string>;
  /** Resolves with the job's final state once it is completed, failed or cancelled. */
  waitFor(jobId: string, signal?: AbortSignal): Promise<{ state: string; output: unknown }>;
  stop(): Promise<void>;
}

/** A day can take hours on a large contact centre; an orphaned active job is released after this. */
const DAY_JOB_EXPIRE_SECONDS = 6 * 3600;

export async function startEngine(store: DbHandle, logger: Logger): Promise<WorkEngine> {
  const boss = new PgBoss({
    db: store.sql as PgBoss.Db,
    schema: 'pgboss',
    // Our own rows make the pipeline resumable; pg-boss retries would only race with an operator's re-run.
    retryLimit: 0,
    expireInSeconds: DAY_JOB_EXPIRE_SECONDS,
    // The embedded database is one process: no need for pg-boss' supervisor to poll it every few seconds.
    supervise: store.kind === 'postgres',
    schedule: false,
  });
  boss.on('error', (e) => logger.error({ err: e.message }, 'work engine error'));
  await boss.start();
  await boss.createQueue(QUEUES.extractDay, {
    name: QUEUES.extractDay,
    policy: 'stately',
    retryLimit: 0,
    expireInSeconds: DAY_JOB_EXPIRE_SECONDS,
  });
  if (store.kind === 'pglite') {
    // The embedded database is locked to this process, so any job still "active" belonged to a process
    // that died (kill -9, power loss): release it, or the stately policy would block its date.
    const { rows } = await store.sql.executeSql(
      `select id from pgboss.job where name = $1 and state = 'active'`,
      [QUEUES.extractDay],
    );
    const ids = (rows as { id: string }[]).map((r) => r.id);
    if (ids.length > 0) {
      await boss.fail(QUEUES.extractDay, ids, { reason: 'orphaned by a previous process' } as never);
      logger.info({ jobs: ids.length }, 'released jobs orphaned by a previous process');
    }
  }

  const enqueueDay = async (job: ExtractDayJob): Promise<string> => {
    const id = await boss.send(QUEUES.extractDay, job, { singletonKey: job.processDate });
    if (id) return id;
    // Already queued (stately: one queued job per date): wait for that one.
    const { rows } = await store.sql.executeSql(
      `select id from pgboss.job where name = $1 and singleton_key = $2 and state in ('created', 'retry') order by created_on desc limit 1`,
      [QUEUES.extractDay, job.processDate],
    );
    const existing = (rows as { id: string }[])[0]?.id;
    if (!existing)
      throw new Error(`could not enqueue ${job.processDate}: a job is queued but cannot be found`);
    return existing;
  };

  const waitFor = async (jobId: string, signal?: AbortSignal) => {
    for (;;) {
      const job = await boss.getJobById(QUEUES.extractDay, jobId);
      if (job && ['completed', 'failed', 'cancelled'].includes(job.state)) {
        return { state: job.state, output: job.output };
      }
      if (signal?.aborted) return { state: 'interrupted', output: null };
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  return {
    boss,
    enqueueDay,
    waitFor,
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 30_000 }),
  };
}

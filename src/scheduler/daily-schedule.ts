// The daily schedule of `serve`, through pg-boss' cron ("timekeeper"): the schedule is one row in the
// database (upserted by name), and pg-boss lets only one instance per interval evaluate cron and
// de-duplicates the send per minute, so N `serve` processes on one PostgreSQL fire once (stack notes
// §3). The fired `daily-run` job only plans dates and enqueues `extract-day` jobs; the stately
// extract-day queue then keeps one run per date anywhere.
//
// The timekeeper runs on its own pg-boss instance (schedule: true, nothing else) rather than on the job
// queue's: `run` and `demo` start the job queue too, and must never act on the schedule.
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { ConfigError, errorMessage } from '../lib/errors.js';
import type { DbHandle } from '../store/db.js';
import type { StartedDay } from './day-jobs.js';
import type { JobQueue } from './job-queue.js';
import type { DayRequest } from './plan-days.js';

export const SCHEDULE_QUEUE = 'daily-run';

export interface SchedulerOptions {
  /** cron expression (SCHEDULE), e.g. `0 6 * * *` */
  cron: string;
  /** IANA zone the cron is read in (TIMEZONE), e.g. `America/Lima` */
  timezone: string;
  /** how often an instance checks whether the schedule is due (pg-boss default 30 s; tests use 1) */
  cronMonitorIntervalSeconds?: number;
}

export interface Scheduler {
  boss: PgBoss;
  stop(): Promise<void>;
}

export async function startScheduler(
  store: DbHandle,
  logger: Logger,
  opts: SchedulerOptions,
): Promise<Scheduler> {
  const boss = new PgBoss({
    db: store.sql as PgBoss.Db,
    schema: 'pgboss',
    // The job queue (startJobQueue) already created and migrated the schema.
    migrate: false,
    supervise: false,
    schedule: true,
    cronMonitorIntervalSeconds: opts.cronMonitorIntervalSeconds ?? 30,
    cronWorkerIntervalSeconds: Math.min(5, opts.cronMonitorIntervalSeconds ?? 5),
  });
  boss.on('error', (e) => logger.error({ err: e.message }, 'scheduler error'));
  await boss.start();
  try {
    await boss.createQueue(SCHEDULE_QUEUE, {
      name: SCHEDULE_QUEUE,
      policy: 'standard',
      retryLimit: 1,
      retryDelay: 60,
    });
    await boss.schedule(SCHEDULE_QUEUE, opts.cron, {}, { tz: opts.timezone });
  } catch (e) {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    if (/cron|expression|constraint/i.test(errorMessage(e))) {
      throw new ConfigError(
        `SCHEDULE "${opts.cron}" is not a valid cron expression (for example SCHEDULE=0 6 * * *)`,
      );
    }
    throw e;
  }
  logger.info({ schedule: opts.cron, timezone: opts.timezone }, 'daily run scheduled');
  return { boss, stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }) };
}

/**
 * Works the fired schedule: starts the default days (the default process date and earlier days with
 * unfinished work) through `start` (startDays, src/scheduler/day-jobs.ts).
 */
export async function workDailyRun(
  queue: JobQueue,
  start: (request: DayRequest) => Promise<StartedDay[]>,
  logger: Logger,
): Promise<void> {
  await queue.boss.work(SCHEDULE_QUEUE, { batchSize: 1, pollingIntervalSeconds: 2 }, async () => {
    const jobs = (await start({})).map((d) => ({ processDate: d.processDate, jobId: d.jobId }));
    logger.info({ jobs }, 'scheduled run: days enqueued');
    return { jobs };
  });
}

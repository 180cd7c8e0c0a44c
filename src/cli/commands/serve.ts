// `audio-extract serve`: the long-running process. It schedules the daily run (pg-boss cron in
// TIMEZONE), works extract-day jobs one at a time, and serves the HTTP API, the dashboard, /metrics and
// health checks. SIGTERM/SIGINT: stop taking jobs, abort the run in flight (it stops at its next step;
// audio is only ever final once complete, a .part renamed or an S3 object put whole, so nothing
// half-written remains), close the HTTP server, the job queue and the database, exit 0. A second
// signal exits at once.
import { setMaxListeners } from 'node:events';
import { type Config, parseConfig } from '../../config/schema.js';
import { buildApp } from '../../http/app.js';
import { checkBindSecurity } from '../../http/auth.js';
import { listen } from '../../http/server.js';
import { ConfigError, errorMessage, UsageError } from '../../lib/errors.js';
import { observeDayRun } from '../../metrics/day-run.js';
import { createMetrics } from '../../metrics/index.js';
import { workBatches } from '../../scheduler/batch-jobs.js';
import { SCHEDULE_QUEUE, startScheduler, workDailyRun } from '../../scheduler/daily-schedule.js';
import { startDays, workDays } from '../../scheduler/day-jobs.js';
import { QUEUES, startJobQueue } from '../../scheduler/job-queue.js';
import type { DayRequest } from '../../scheduler/plan-days.js';
import { checkSharedDataDir } from '../../scheduler/shared-data-dir.js';
import { ping } from '../../store/job-tables.js';
import { parseCommandArgs } from '../args.js';
import { compose } from '../compose.js';
import { EXIT } from '../output.js';
import { stopOnSignal } from '../signals.js';

const HELP = `audio-extract serve — scheduler, worker, HTTP API, dashboard and metrics in one process

Usage: audio-extract serve [--host H] [--port N] [--no-schedule]

  --host H        interface to listen on (default HOST, 127.0.0.1)
  --port N        port to listen on (default PORT, 8080; 0 = any free port)
  --no-schedule   do not register or fire the daily schedule (API-triggered runs still work)

Listens on HOST:PORT (default 127.0.0.1:8080): dashboard at /, JSON API under /api (docs/api.md),
Prometheus metrics at /metrics, liveness /healthz, readiness /readyz. Binding a HOST other than
loopback requires API_TOKEN. The daily run fires at SCHEDULE (cron, default "0 6 * * *") in TIMEZONE,
once across all serve processes sharing a PostgreSQL DATABASE_URL. With the embedded database only
one process may use DATA_DIR at a time.
`;

export interface Service {
  /** e.g. http://127.0.0.1:8080 */
  address: string;
  /** Graceful stop: no new jobs, abort the run in flight, close HTTP, job queue and database. */
  stop(reason?: string): Promise<void>;
}

/** Starts everything `serve` runs; the CLI waits for a signal, tests call stop(). */
export async function startService(
  config: Config,
  opts: { schedule: boolean; cronMonitorIntervalSeconds?: number },
): Promise<Service> {
  checkBindSecurity({ token: config.API_TOKEN, host: config.HOST });
  if (config.GENESYS_QUEUE_IDS.length === 0) {
    throw new ConfigError(
      'No queue to extract: set GENESYS_QUEUE_IDS (comma-separated queue ids, for example ' +
        'GENESYS_QUEUE_IDS=39988345-a7c5-4ce5-851e-334cb54efc79)',
    );
  }
  const abort = new AbortController();
  // Every in-flight Genesys request and download listens to this one signal (CONCURRENCY downloads plus
  // the batches in flight), which passes Node's default warning threshold of 10 in normal operation.
  setMaxListeners(200, abort.signal);
  const composed = await compose(config, { signal: abort.signal, statusSnapshot: 'serve' });
  const { deps, store } = composed;
  const { logger } = deps;
  const closers: (() => Promise<void>)[] = [() => composed.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch((e) => logger.warn({ err: errorMessage(e) }, 'error while shutting down'));
    }
  };
  try {
    await checkSharedDataDir(store.db, config);
    const queue = await startJobQueue(store, logger, { leaseMs: config.LEASE_SECONDS * 1000 });
    closers.push(() => queue.stop());
    // On PostgreSQL a day's batches are jobs: this process takes them like any worker (ADR 0016).
    const batches = store.kind === 'postgres' ? await workBatches(queue, deps) : undefined;
    if (batches) closers.push(() => batches.stop());
    const metrics = createMetrics({ db: deps.db, genesysStats: () => deps.genesys.stats(), logger });
    const observer = { db: deps.db, metrics, clock: deps.clock, logger };
    await workDays(queue, deps, (plan, run) => observeDayRun(observer, plan, run), store.kind === 'postgres');
    const start = (request: DayRequest) => startDays({ ...deps, queue }, request);
    if (opts.schedule) {
      const scheduler = await startScheduler(store, logger, {
        cron: config.SCHEDULE,
        timezone: config.TIMEZONE,
        cronMonitorIntervalSeconds: opts.cronMonitorIntervalSeconds,
      });
      closers.push(() => scheduler.stop());
      await workDailyRun(queue, start, logger);
    }
    const app = await buildApp({
      config,
      db: deps.db,
      storage: deps.storage,
      ping: () => ping(store.sql),
      startDays: start,
      metrics,
      logger,
      clock: deps.clock,
    });
    closers.push(() => app.close());
    const address = await listen(app, config.HOST, config.PORT);
    let stopping: Promise<void> | undefined;
    const stop = (reason = 'stop requested') => {
      stopping ??= (async () => {
        logger.info({ reason }, 'shutting down: no new jobs, aborting the run in flight');
        // No new jobs first (offWork does not wait), then stop the run in flight at its next step.
        await Promise.all([queue.boss.offWork(QUEUES.extractDay), queue.boss.offWork(SCHEDULE_QUEUE)]);
        abort.abort(new Error(reason));
        await closeAll();
        logger.info('stopped');
      })();
      return stopping;
    };
    return { address, stop };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** --host and --port are HOST and PORT given another way, checked here so a mistake names the flag. */
function listenFlags(host: string | undefined, port: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (host !== undefined) {
    if (host.trim() === '') throw new UsageError('serve: --host needs a value, for example --host 127.0.0.1');
    out.HOST = host.trim();
  }
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port.trim()) || Number(port) > 65535)
      throw new UsageError(
        `serve: --port "${port}" must be a port number from 0 to 65535, for example --port 8080`,
      );
    out.PORT = port.trim();
  }
  return out;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'serve',
    argv,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      'no-schedule': { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!values) return EXIT.ok;
  const config = parseConfig({ ...process.env, ...listenFlags(values.host, values.port) });
  const service = await startService(config, { schedule: !values['no-schedule'] });
  process.stdout.write(
    `audio-extract serve: listening on ${service.address} (dashboard /, API /api, metrics /metrics)\n` +
      (values['no-schedule']
        ? 'daily schedule: off (--no-schedule)\n'
        : `daily schedule: "${config.SCHEDULE}" in ${config.TIMEZONE}\n`),
  );
  await stopOnSignal('serve', (reason) => service.stop(reason));
  return EXIT.ok;
}

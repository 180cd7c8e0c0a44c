// `audio-extract worker`: one of any number of processes, on any number of machines, sharing one
// PostgreSQL (DATABASE_URL). It works queued days (as their coordinator: discovery, lookups, the
// manifest and the e-mail) and batches of any day, within one rate budget per OAuth client; no HTTP, no
// schedule (docs/scaling.md, ADR 0016). SIGTERM/SIGINT: take nothing new, hand the work in hand back
// (a day is queued again, a batch's lease is released), close, exit 0. A second signal exits at once.
import { setMaxListeners } from 'node:events';
import { type Config, parseConfig } from '../../config/schema.js';
import { ConfigError, errorMessage } from '../../lib/errors.js';
import { workBatches } from '../../scheduler/batch-jobs.js';
import { workDays } from '../../scheduler/day-jobs.js';
import { type JobQueue, QUEUES, startJobQueue } from '../../scheduler/job-queue.js';
import { checkSharedDataDir } from '../../scheduler/shared-data-dir.js';
import { parseCommandArgs } from '../args.js';
import { compose } from '../compose.js';
import { EXIT } from '../output.js';
import { stopOnSignal } from '../signals.js';

const HELP = `audio-extract worker — work queued days and batches with other workers on one PostgreSQL

Usage: audio-extract worker

Needs DATABASE_URL (PostgreSQL): every worker, \`serve\` and \`run\` on it share the queued days, their
batches and one Genesys rate budget per OAuth client (GENESYS_RATE_LIMIT_PER_MINUTE is the client's
whole budget, not each worker's). Days are queued by \`serve\`'s schedule, the API, or \`run\`.
With local storage every worker must see the same DATA_DIR (a shared filesystem); a worker whose
DATA_DIR is not the one the others use refuses to start. No HTTP: watch the workers through the log
(one "worker stats" line a minute) and \`serve\`'s /metrics. See docs/scaling.md.

SIGTERM or SIGINT hands the work in hand back to the other workers and exits 0.
`;

/** How often a worker logs what it did (its own metrics: it serves no HTTP). */
const STATS_EVERY_MS = 60_000;

export interface WorkerProcess {
  workerId: string;
  /** Stops taking work, hands back what it holds, closes; resolves when done. */
  stop(reason?: string): Promise<void>;
}

export async function startWorker(config: Config): Promise<WorkerProcess> {
  if (!config.DATABASE_URL) {
    throw new ConfigError(
      'audio-extract worker needs DATABASE_URL: workers share the work through one PostgreSQL ' +
        '(for example DATABASE_URL=postgres://audio:secret@db.example.com:5432/audio_extract); ' +
        'with the embedded database use `audio-extract run` or `audio-extract serve`',
    );
  }
  const abort = new AbortController();
  setMaxListeners(1000, abort.signal);
  const composed = await compose(config, { signal: abort.signal });
  const { deps, store } = composed;
  const { logger } = deps;
  let queue: JobQueue | undefined;
  try {
    await checkSharedDataDir(store.db, config);
    queue = await startJobQueue(store, logger, { leaseMs: config.LEASE_SECONDS * 1000 });
    await workDays(queue, deps, undefined, true);
    const batches = await workBatches(queue, deps);
    const started = queue;
    const stats = setInterval(() => {
      const g = deps.genesys.stats();
      logger.info(
        {
          worker: deps.workerId,
          ...batches.runner.counts(),
          batchesRunning: batches.runner.active(),
          apiCalls: Object.values(g.calls).reduce((a, b) => a + b, 0),
          rateLimited: g.rateLimited,
          limiterWaitMs: g.limiterWaitMs,
        },
        'worker stats',
      );
    }, STATS_EVERY_MS);
    stats.unref();
    logger.info({ worker: deps.workerId, database: store.location }, 'worker started');
    let stopping: Promise<void> | undefined;
    return {
      workerId: deps.workerId,
      stop(reason = 'stop requested') {
        stopping ??= (async () => {
          logger.info({ reason }, 'worker stopping: taking nothing new, handing back the work in hand');
          clearInterval(stats);
          await started.boss.offWork(QUEUES.extractDay);
          abort.abort(new Error(reason));
          await batches.stop();
          await started
            .stop()
            .catch((e) => logger.warn({ err: errorMessage(e) }, 'error stopping the job queue'));
          await composed.close();
          logger.info('worker stopped');
        })();
        return stopping;
      },
    };
  } catch (e) {
    // A start that failed half-way (the day or batch workers) leaves no job queue running behind it.
    await queue?.stop().catch(() => {});
    await composed.close().catch(() => {});
    throw e;
  }
}

export async function workerCommand(argv: string[]): Promise<number> {
  // No flags but --help (answered by parseCommandArgs).
  if (!parseCommandArgs('worker', argv, {}, HELP)) return EXIT.ok;
  const worker = await startWorker(parseConfig(process.env));
  process.stdout.write(`audio-extract worker ${worker.workerId}: working queued days and batches\n`);
  await stopOnSignal('worker', (reason) => worker.stop(reason));
  return EXIT.ok;
}

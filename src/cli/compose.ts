// The composition root: parses nothing itself, but builds everything a command needs from the one
// parsed config (database, Genesys client, logger, clock) and knows how to tear it down.
import type { Logger } from 'pino';
import { type Config, genesysBaseUrls, requireGenesysCredentials } from '../config/schema.js';
import type { GenesysClient } from '../genesys/types.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import { prepareJobQueue } from '../scheduler/job-queue.js';
import { protectDataDir } from '../storage/index.js';
import { type DbHandle, openDb } from '../store/db.js';

export function loggerFor(config: Config, opts: { json?: boolean } = {}): Logger {
  // Logs go to stderr so stdout carries only the command's own output (and --json stays parseable).
  return createLogger({
    level: config.LOG_LEVEL,
    pretty: opts.json ? false : process.stderr.isTTY,
    destination: process.stderr,
    secrets: [config.GENESYS_CLOUD_CLIENT_SECRET, config.API_TOKEN, config.DATABASE_URL].filter(
      (s): s is string => Boolean(s),
    ),
  });
}

/**
 * The database, set up completely: our migrations (openDb) and the job queue's schema and day queue
 * (prepareJobQueue), so a database created by `status` or `doctor` is the one every later run opens.
 */
export async function openStore(config: Config, logger?: Logger): Promise<DbHandle> {
  // Before anything is created under DATA_DIR: owner-only modes (DATA_GROUP_READ: group may read audio).
  const warning = await protectDataDir(config.DATA_DIR, config.DATA_GROUP_READ);
  if (warning) logger?.warn(warning);
  return openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    setUp: (store) => prepareJobQueue(store, logger),
  });
}

/**
 * The Genesys client. Its module (with the official SDK, ~0.6 s to load) is imported here, on first
 * use, so a command can open the database while it loads.
 */
export async function genesysFor(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<GenesysClient> {
  const { clientId, clientSecret } = requireGenesysCredentials(config);
  const { createGenesysClient } = await import('../genesys/client.js');
  return createGenesysClient({
    clientId,
    clientSecret,
    ...genesysBaseUrls(config),
    region: config.GENESYS_CLOUD_BASE_URL ? undefined : config.GENESYS_CLOUD_REGION,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    ratePerMinute: config.GENESYS_RATE_LIMIT_PER_MINUTE,
    maxSockets: Math.max(4, config.CONCURRENCY * 2),
    clock,
    logger,
  });
}

export interface Composed {
  deps: PipelineDeps;
  store: DbHandle;
  close(): Promise<void>;
}

/** Everything the pipeline needs. The caller must `close()` it (also on error). */
export async function compose(
  config: Config,
  opts: { logger?: Logger; signal?: AbortSignal; clock?: Clock; json?: boolean } = {},
): Promise<Composed> {
  const logger = opts.logger ?? loggerFor(config, { json: opts.json });
  const clock = opts.clock ?? systemClock;
  requireGenesysCredentials(config); // a configuration error comes before any database is touched
  // The database opens while the Genesys client's modules load: PGlite compiles its WebAssembly off
  // the main thread, which would otherwise sit idle.
  const opening = openStore(config, logger);
  opening.catch(() => {}); // its error is thrown below, once awaited; until then it is not unhandled
  let genesys: GenesysClient;
  try {
    genesys = await genesysFor(config, logger, clock);
  } catch (e) {
    await opening.then((s) => s.close()).catch(() => {});
    throw e;
  }
  let store: DbHandle;
  try {
    store = await opening;
  } catch (e) {
    await genesys.close();
    throw e;
  }
  return {
    deps: { config, db: store.db, genesys, logger, clock, signal: opts.signal },
    store,
    close: async () => {
      await genesys.close();
      await store.close();
    },
  };
}

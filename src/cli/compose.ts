// The composition root: parses nothing itself, but builds everything a command needs from the one
// parsed config (database, storage, Genesys client, logger, clock) and knows how to tear it down.
import type { Logger } from 'pino';
import { type Config, genesysBaseUrls, requireGenesysCredentials } from '../config/schema.js';
import { bucketFor, createSharedLimiter } from '../genesys/shared-limiter.js';
import type { GenesysClient, RateLimiter } from '../genesys/types.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { newWorkerId } from '../lib/worker-id.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import { prepareJobQueue } from '../scheduler/job-queue.js';
import { type AudioStorage, openStorage, protectDataDir } from '../storage/index.js';
import { type DbHandle, openDb } from '../store/db.js';
import { blockBudget, takeFromBudget } from '../store/rate-budget.js';
import { startStatusSnapshots } from './status-snapshot.js';

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

/** Owner-only modes for everything created under DATA_DIR from now on (DATA_GROUP_READ: group reads audio). */
async function protectData(config: Config, logger?: Logger): Promise<void> {
  const warning = await protectDataDir(config.DATA_DIR, config.DATA_GROUP_READ);
  if (warning) logger?.warn(warning);
}

/**
 * The database, set up completely: our migrations (openDb) and the job queue's schema and day queue
 * (prepareJobQueue), so a database created by `status` or `doctor` is the one every later run opens.
 */
export async function openStore(config: Config, logger?: Logger): Promise<DbHandle> {
  // Before anything is created under DATA_DIR.
  await protectData(config, logger);
  return openDatabase(config, logger);
}

function openDatabase(config: Config, logger?: Logger): Promise<DbHandle> {
  return openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    setUp: (store) => prepareJobQueue(store, logger),
    // One line when an outage starts and one every 10 tries, not one per statement.
    onRetry: ({ attempt, error, delayMs }) => {
      if (attempt === 1 || attempt % 10 === 0)
        logger?.warn({ attempt, delayMs, err: errorMessage(error) }, 'database unreachable; trying again');
    },
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
  limiter?: RateLimiter,
): Promise<GenesysClient> {
  const { clientId, clientSecret } = requireGenesysCredentials(config);
  const { createGenesysClient } = await import('../genesys/client.js');
  return createGenesysClient({
    clientId,
    clientSecret,
    limiter,
    ...genesysBaseUrls(config),
    region: config.GENESYS_CLOUD_BASE_URL ? undefined : config.GENESYS_CLOUD_REGION,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    ratePerMinute: config.GENESYS_RATE_LIMIT_PER_MINUTE,
    maxSockets: Math.max(4, config.CONCURRENCY * 2),
    clock,
    logger,
  });
}

/**
 * The storage STORAGE_URL names, proven writable: a wrong bucket, credentials or region, or an unwritable
 * directory, ends the command with one clear error before any Genesys call.
 */
async function openCheckedStorage(config: Config): Promise<AudioStorage> {
  const storage = await openStorage(config);
  try {
    await storage.checkWritable();
    return storage;
  } catch (e) {
    await storage.close();
    throw e;
  }
}

/**
 * On PostgreSQL, one rate budget for every process of the OAuth client, kept in the database (ADR
 * 0017); the embedded database is one process, whose client keeps its in-process limiter.
 */
function sharedLimiter(
  config: Config,
  opening: Promise<DbHandle>,
  logger: Logger,
  clock: Clock,
  owner: string,
): RateLimiter | undefined {
  if (!config.DATABASE_URL) return undefined;
  const { clientId } = requireGenesysCredentials(config);
  const clientKey = `${new URL(genesysBaseUrls(config).apiBaseUrl).host}/${clientId}`;
  const shape = bucketFor(config.GENESYS_RATE_LIMIT_PER_MINUTE);
  // The budget's row is made by the first take that finds none (takeFromBudget).
  const db = async () => (await opening).db;
  return createSharedLimiter({
    budget: {
      // Another process' requests may be in flight for up to an HTTP timeout after it last asked.
      take: async (windowSend) =>
        takeFromBudget(await db(), clientKey, shape, {
          owner,
          windowSend,
          aloneAfterMs: config.HTTP_TIMEOUT_MS,
        }),
      block: async (ms) => blockBudget(await db(), clientKey, ms),
    },
    ratePerMinute: config.GENESYS_RATE_LIMIT_PER_MINUTE,
    clock,
    onError: (e) => logger.warn({ err: errorMessage(e) }, 'could not pause the shared rate budget'),
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
  opts: {
    logger?: Logger;
    signal?: AbortSignal;
    clock?: Clock;
    json?: boolean;
    /** the command holding the embedded database, named in the live view `status` shows meanwhile */
    statusSnapshot?: string;
  } = {},
): Promise<Composed> {
  const logger = opts.logger ?? loggerFor(config, { json: opts.json });
  const clock = opts.clock ?? systemClock;
  requireGenesysCredentials(config); // a configuration error comes before any database is touched
  // The database opens and the storage is checked while the Genesys client's modules load: PGlite
  // compiles its WebAssembly off the main thread, which would otherwise sit idle. Both come after the
  // modes of DATA_DIR are set, since either may create something there.
  const guarded = protectData(config, logger);
  const opening = guarded.then(() => openDatabase(config, logger));
  const storing = guarded.then(() => openCheckedStorage(config));
  // Their errors are thrown below, once awaited; until then they are not unhandled.
  opening.catch(() => {});
  storing.catch(() => {});
  const closeOpened = async () => {
    await opening.then((s) => s.close()).catch(() => {});
    await storing.then((s) => s.close()).catch(() => {});
  };
  const workerId = newWorkerId();
  let genesys: GenesysClient;
  try {
    genesys = await genesysFor(
      config,
      logger,
      clock,
      sharedLimiter(config, opening, logger, clock, workerId),
    );
  } catch (e) {
    await closeOpened();
    throw e;
  }
  let store: DbHandle;
  let storage: AudioStorage;
  try {
    // The storage's error first: a wrong bucket is a configuration error (exit 2).
    [storage, store] = await Promise.all([storing, opening.finally(() => storing)]);
  } catch (e) {
    await closeOpened();
    await genesys.close();
    throw e;
  }
  // PostgreSQL is shared: `status` reads it directly. The embedded database needs the snapshot.
  const snapshots =
    opts.statusSnapshot && store.kind === 'pglite'
      ? startStatusSnapshots({ db: store.db, dataDir: config.DATA_DIR, command: opts.statusSnapshot, logger })
      : undefined;
  return {
    deps: {
      config,
      db: store.db,
      genesys,
      storage,
      logger,
      clock,
      workerId,
      signal: opts.signal,
    },
    store,
    close: async () => {
      await snapshots?.stop();
      await genesys.close();
      await storage.close();
      await store.close();
    },
  };
}

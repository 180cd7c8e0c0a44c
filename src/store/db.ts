// Opens the database: embedded PGlite under DATA_DIR/db by default, PostgreSQL when DATABASE_URL is set.
// Both run the same schema and the same forward-only migrations (./drizzle). See docs/decisions/0002.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { EnvironmentError, errorMessage } from '../lib/errors.js';
import { DATABASE_MODES, restrictTree } from '../lib/file-modes.js';
import { redactText } from '../lib/redact.js';
import { installedImageDir, unpackDatabaseImage, usableImage } from './db-image.js';
import { acquireLock } from './dir-lock.js';
import { ResilientPool, type RetryNotice, retryConnectionErrors } from './pg-pool.js';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The rows of a raw `db.execute(sql…)` (the same shape from PGlite and node-postgres). */
export const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/** Raw SQL for the job queue (pg-boss) on the same database. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface DbHandle {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** where the data lives, without credentials */
  location: string;
  sql: SqlExecutor;
  close(): Promise<void>;
}

/** More set-up, run once the migrations are done, before the handle is returned. */
export type SetUp = (store: DbHandle) => Promise<void>;

export const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
const MIGRATION_LOCK_KEY = 727_001;

/** DATA_DIR unusable for the database (a parent is a file, no permission, read-only, full): say so. */
function unusableDir(e: unknown, dir: string): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EnvironmentError(
      'DISK_FULL',
      `disk full creating the embedded database in ${dir}: free space and run again (${code})`,
      { cause: e },
    );
  }
  if (code && ['ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS'].includes(code)) {
    return new EnvironmentError(
      'DATA_DIR_NOT_WRITABLE',
      `cannot create the embedded database in ${dir} (${code}): DATA_DIR must be a writable directory; ` +
        'fix its permissions or set DATA_DIR to another path (example: DATA_DIR=./data)',
      { cause: e },
    );
  }
  return e;
}

/**
 * PGlite has no cross-process lock: a second process opening the same directory silently loses writes
 * or corrupts it (stack notes P1). A lock file (dir-lock.ts) turns that into a clear DB_IN_USE error.
 */
export async function lockDataDir(dir: string): Promise<() => void> {
  try {
    mkdirSync(dir, { recursive: true, mode: DATABASE_MODES.dir });
    chmodSync(dir, DATABASE_MODES.dir);
  } catch (e) {
    throw unusableDir(e, dir);
  }
  try {
    return await acquireLock(join(dir, 'audio-extract.lock'), dir);
  } catch (e) {
    throw unusableDir(e, dir);
  }
}

/**
 * PGlite's initdb chmods the files it creates to 0666 (the umask does not apply to chmod): make them
 * owner-only again. The directory was 0700 from the start (lockDataDir), so nobody else could reach them
 * meanwhile. PG_VERSION, one of initdb's files, is fixed last: owner-only, it says there is nothing to do
 * (a walk of the ~1,000 files took 55-100 ms here, on every open otherwise).
 */
async function restrictDatabaseFiles(dir: string, always = false): Promise<void> {
  const marker = join(dir, 'PG_VERSION');
  const mode = await stat(marker).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  );
  if (mode === DATABASE_MODES.file && !always) return;
  await restrictTree(dir, DATABASE_MODES, mode === undefined ? undefined : marker);
}

/**
 * PGlite's default start parameters, plus a smaller buffer pool. initdb writes shared_buffers = 128MB and
 * max_connections = 100 into postgresql.conf; PGlite runs one backend in single-user mode, and clearing
 * 128 MB of WebAssembly memory at every start took about 0.6 s of the ~1.4 s an open took here
 * (docs/performance.md). Pages beyond 16 MB are read back through the OS page cache.
 */
const PGLITE_START_PARAMS = [
  ...PGlite.defaultStartParams,
  ...['-c', 'shared_buffers=16MB', '-c', 'max_connections=10'],
];

/**
 * A new database starts as a copy of the image built at install time (db-image.ts, ADR 0014) instead of
 * PGlite's initdb (7-10 s and ~800 MB of memory here); without a usable image, initdb runs as before.
 * An unpack that fails is cleared, so initdb finds the directory as it was.
 */
async function startFromImage(dir: string, imageDir: string | false): Promise<boolean> {
  if (imageDir === false || existsSync(join(dir, 'PG_VERSION'))) return false;
  const image = usableImage(imageDir, MIGRATIONS);
  if (!image.file) return false;
  try {
    return await unpackDatabaseImage(dir, image.file);
  } catch (e) {
    // A full disk or a read-only DATA_DIR would stop initdb too: say so now. A bad image is not fatal.
    const environment = unusableDir(e, dir);
    if (environment !== e) throw environment;
    return false;
  }
}

async function openPglite(
  dir: string,
  setUp?: SetUp,
  imageDir: string | false = installedImageDir(),
): Promise<DbHandle> {
  const unlock = await lockDataDir(dir);
  try {
    const unpacked = await startFromImage(dir, imageDir);
    const client = new PGlite(dir, { startParams: PGLITE_START_PARAMS });
    await client.waitReady;
    // The first start of an unpacked image writes files of its own (pg_internal.init) with PGlite's modes.
    await restrictDatabaseFiles(dir, unpacked);
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
    const sql: SqlExecutor = {
      async executeSql(text, values) {
        // pg-boss sends multi-statement DDL without parameters; PGlite's query() takes one statement.
        if (!values || values.length === 0) {
          const res = await client.exec(text);
          return { rows: res.at(-1)?.rows ?? [] };
        }
        return client.query(text, values);
      },
    };
    const handle: DbHandle = {
      db,
      kind: 'pglite',
      location: dir,
      sql,
      close: async () => {
        try {
          await client.close();
        } finally {
          unlock();
        }
      },
    };
    try {
      await setUp?.(handle);
    } catch (e) {
      await client.close().catch(() => {});
      throw e;
    }
    return handle;
  } catch (e) {
    unlock();
    throw e;
  }
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'postgres://(unparseable)';
  }
}

async function openPostgres(
  url: string,
  setUp?: SetUp,
  onRetry?: (n: RetryNotice) => void,
): Promise<DbHandle> {
  // int8 and count(*) come back as strings from node-postgres; make them numbers like PGlite (P8).
  const pool = new ResilientPool(
    {
      connectionString: url,
      max: 10,
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === 20 ? Number : pg.types.getTypeParser(oid, format as never)) as never,
      },
    },
    onRetry,
  );
  let client: pg.PoolClient;
  try {
    // Not retried: a server that cannot be reached at start-up is a configuration problem to report.
    client = await (pg.Pool.prototype.connect as () => Promise<pg.PoolClient>).call(pool);
  } catch (e) {
    await pool.end().catch(() => {});
    throw new EnvironmentError(
      'DB_UNREACHABLE',
      `Cannot connect to PostgreSQL at ${describeUrl(url)}: ${redactText(errorMessage(e), [url])}. ` +
        'Check DATABASE_URL and that the server is running.',
    );
  }
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  // A transaction broken by a restart is rolled back by the server: run it again whole (pg-pool.ts).
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn, config) =>
    retryConnectionErrors(() => transaction(fn, config), {
      stop: () => (pool as unknown as { ending: boolean }).ending,
      onRetry,
    })) as typeof db.transaction;
  const handle: DbHandle = {
    db,
    kind: 'postgres',
    location: describeUrl(url),
    sql: { executeSql: async (text, values) => pool.query(text, values as unknown[]) },
    close: () => pool.end(),
  };
  let ready = false;
  try {
    // drizzle's migrator takes no lock: serialise concurrent worker start-ups (P9). The rest of the
    // set-up (the job queue's schema) runs under the same lock: pg-boss' own lock does not stop two
    // workers creating its schema at once on a new database (a unique violation on pg_namespace).
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS });
    await setUp?.(handle);
    ready = true;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    client.release();
    if (!ready) await pool.end().catch(() => {});
  }
  return handle;
}

/**
 * Opens (creating and migrating if needed) the database. `setUp` runs after the migrations, under the
 * same lock on PostgreSQL, for the rest of the schema (the job queue's, src/scheduler/job-queue.ts).
 */
export async function openDb(opts: {
  databaseUrl?: string;
  dataDir: string;
  setUp?: SetUp;
  /** embedded only: where the image of a new database is (default: the installed one); false = initdb */
  imageDir?: string | false;
  /** PostgreSQL: a statement is sent again after a broken connection (pg-pool.ts) */
  onRetry?: (n: RetryNotice) => void;
}): Promise<DbHandle> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.setUp, opts.onRetry);
  return openPglite(join(opts.dataDir, 'db'), opts.setUp, opts.imageDir);
}

// PostgreSQL for tests. CI (.ci/run) starts a throwaway server with scripts/pg-test-server.sh and exports
// TEST_DATABASE_URL; locally the variable is optional and PostgreSQL tests skip without it. Each test
// file gets its own database so files running in parallel never see each other's rows.
//
//   const pgUrl = requirePostgres();
//   describe.skipIf(!pgUrl)('store on PostgreSQL', () => {
//     let db: TestDatabase;
//     beforeAll(async () => { db = await createTestDatabase('store'); });
//     afterAll(() => db?.drop());
//   });
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests may use, e.g. `postgres://postgres@127.0.0.1:54329/audio_extract_test`. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL?.trim();
  return url ? url : undefined;
}

function isCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/**
 * The TEST_DATABASE_URL, or undefined to mean "skip the PostgreSQL tests". In CI a missing URL is a
 * broken pipeline, not a reason to skip, so this throws and the test file fails loudly.
 */
export function requirePostgres(): string | undefined {
  const url = testDatabaseUrl();
  if (!url && isCi()) {
    throw new Error(
      'TEST_DATABASE_URL is not set but CI is: PostgreSQL tests must not be skipped in CI. ' +
        '.ci/run starts a server with `scripts/pg-test-server.sh start <dir>` and exports the URL it prints.',
    );
  }
  return url;
}

export interface TestDatabase {
  /** Database name, e.g. `store_4242_1a2b3c4d`. */
  readonly name: string;
  /** URL of the new database on the TEST_DATABASE_URL server. */
  readonly url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = requirePostgres();
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set; guard the test with describe.skipIf(!requirePostgres())');
  return url;
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function databaseName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'test';
  // 63 bytes is PostgreSQL's identifier limit; pid + random keeps parallel workers apart.
  return `${clean.slice(0, 40)}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

function urlFor(database: string): string {
  const u = new URL(serverUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabaseOptions {
  /**
   * An ICU locale for the database's default collation (e.g. `en-US`), as many production servers have,
   * instead of the test server's C.UTF-8: text then sorts linguistically, not byte by byte.
   */
  icuLocale?: string;
}

/** Creates an empty, uniquely named database on the test server. */
export async function createTestDatabase(
  prefix = 'test',
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const name = databaseName(prefix);
  const locale = options.icuLocale;
  if (locale !== undefined && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$/.test(locale))
    throw new Error(`not an ICU locale: ${locale}`);
  await withAdminClient((c) =>
    c.query(
      locale
        ? `create database "${name}" template template0 locale_provider icu icu_locale '${locale}' locale 'C.UTF-8'`
        : `create database "${name}"`,
    ),
  );
  let dropped = false;
  return {
    name,
    url: urlFor(name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await dropTestDatabase(name);
    },
  };
}

/** Creates a fresh database and returns only its URL; pair with dropTestDatabase(url). */
export async function freshSchemaUrl(prefix = 'test'): Promise<string> {
  return (await createTestDatabase(prefix)).url;
}

/** Drops a database made by createTestDatabase/freshSchemaUrl, given its name or URL. */
export async function dropTestDatabase(nameOrUrl: string): Promise<void> {
  const name = nameOrUrl.includes('://')
    ? decodeURIComponent(new URL(nameOrUrl).pathname.slice(1))
    : nameOrUrl;
  const serverDb = new URL(serverUrl()).pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(name) || name === serverDb || name === 'postgres') {
    throw new Error(`refusing to drop database "${name}": not one made by createTestDatabase`);
  }
  // WITH (FORCE) (PostgreSQL 13+) ends pools a failed test left open.
  await withAdminClient((c) => c.query(`drop database if exists "${name}" with (force)`));
}

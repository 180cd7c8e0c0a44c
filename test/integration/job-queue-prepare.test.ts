// openStore sets a database up completely: our tables and the job queue's schema and day queue, so
// the first run does not create them, and the run that follows finds them and enqueues at once. On
// PostgreSQL, two processes preparing the same new database at once must both succeed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/cli/compose.js';
import { parseConfig } from '../../src/config/schema.js';
import { prepareJobQueue, QUEUES, startJobQueue } from '../../src/scheduler/job-queue.js';
import type { DbHandle } from '../../src/store/db.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';

const silent = pino({ level: 'silent' });
const pgUrl = requirePostgres();

async function queueState(store: DbHandle) {
  const { rows } = await store.sql.executeSql(
    `select to_regclass('pgboss.version') is not null as installed,
            (select count(*) from pgboss.queue where name = $1)::int as queues`,
    [QUEUES.extractDay],
  );
  return rows[0] as { installed: boolean; queues: number };
}

describe('openStore prepares the job queue (PGlite)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('a new embedded database has the job queue schema and the day queue, and a run can enqueue at once', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ae-prep-'));
    dirs.push(dataDir);
    const config = parseConfig({ DATA_DIR: dataDir });
    const store = await openStore(config, silent);
    try {
      expect(await queueState(store)).toEqual({ installed: true, queues: 1 });
      // Again on an installed database: nothing to do, nothing duplicated.
      await prepareJobQueue(store, silent);
      expect(await queueState(store)).toEqual({ installed: true, queues: 1 });
      const queue = await startJobQueue(store, silent);
      try {
        const id = await queue.enqueueDay({ processDate: '2026-11-20', queueIds: ['q'] });
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
      } finally {
        await queue.stop();
      }
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(!pgUrl)('openStore prepares the job queue (PostgreSQL)', () => {
  let testDb: TestDatabase | undefined;
  afterAll(async () => {
    await testDb?.drop();
  });

  it('two processes opening a new database at once both get a complete one', async () => {
    testDb = await createTestDatabase('job_queue_prepare');
    const config = parseConfig({ DATABASE_URL: testDb.url });
    const stores = await Promise.all([openStore(config, silent), openStore(config, silent)]);
    try {
      for (const store of stores) expect(await queueState(store)).toEqual({ installed: true, queues: 1 });
    } finally {
      for (const store of stores) await store.close();
    }
  });
});

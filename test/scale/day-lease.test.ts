// No second run of a date while one is alive anywhere (ADR 0016), with the lease shortened to 2 s so
// that it is renewed about twenty times during the day. Mid-day, the day's pg-boss job is failed the way
// pg-boss' expiry fails a job that ran too long, and a second `run` of the same date starts, next to a
// worker whose reaper fails jobs whose lease has ended. Before leases, that second run started at
// once: both took the same batches, deleted each other's `.part` files and could e-mail twice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { type DbHandle, openDb } from '../../src/store/db.js';
import { type CliExit, type CliProcess, type LogRecord, spawnCli } from '../support/cli.js';
import { batchSubmissions, pastWeekday } from '../support/expected.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import { scaleOutEnv } from '../support/scale-out.js';

const pgUrl = requirePostgres();
const DATE = pastWeekday(5);

const until = async (records: LogRecord[], msg: string, ms = 120_000) => {
  const started = Date.now();
  while (!records.some((r) => r.msg === msg)) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for "${msg}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.skipIf(!pgUrl)('a day whose job pg-boss let go of, started again while it runs', () => {
  let emu: Emulator;
  let testDb: TestDatabase;
  let store: DbHandle;
  let dataDir: string;
  let worker: CliProcess;
  let first: CliExit;
  let second: CliExit;
  let workerExit: CliExit;

  beforeAll(async () => {
    // About 230 lookups at 900/min: a day of ~16 s, eight lease periods and more.
    emu = await buildEmulator({ seed: 'lease', conversationsPerDay: 300, ratePerMinute: 900 });
    testDb = await createTestDatabase('day_lease');
    store = await openDb({ databaseUrl: testDb.url, dataDir: '/nonexistent' });
    dataDir = await mkdtemp(path.join(tmpdir(), 'ae-lease-'));
    const env = scaleOutEnv({
      emu,
      date: DATE,
      lookup: 'metadata',
      databaseUrl: testDb.url,
      dataDir,
      workers: 1,
      ratePerMinute: 900,
      batchSize: 25,
      leaseSeconds: 2,
    });
    worker = spawnCli(['worker'], env);
    await until(worker.records, 'worker started');
    const a = spawnCli(['run', '--date', DATE], env);
    await until(a.records, 'discovery done');
    // What pg-boss' expiry does to a job that has been active too long (failJobsByTimeout).
    const failed = await store.sql.executeSql(
      `update pgboss.job set state = 'failed', completed_on = now(), output = '{"message":"expired"}'
       where name = 'extract-day' and singleton_key = $1 and state = 'active' returning id`,
      [DATE],
    );
    expect(failed.rows).toHaveLength(1);
    const b = spawnCli(['run', '--date', DATE], env);
    [first, second] = await Promise.all([a.done, b.done]);
    worker.child.kill('SIGTERM');
    workerExit = await worker.done;
  }, 5 * 60_000);

  afterAll(async () => {
    if (worker?.child.exitCode === null) worker.kill();
    await store?.close();
    await emu?.close();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('both runs end well, and the second waited for the first', () => {
    for (const r of [first, second]) {
      expect(r.stderrText).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${DATE}  SUCCESS`);
    }
    expect(workerExit.code).toBe(0);
    const waited = [...second.records, ...workerExit.records].filter(
      (r) => r.msg === 'another process is working this day: waiting for it to finish',
    );
    expect(waited.length).toBeGreaterThan(0);
  });

  it('no two processes worked the day at the same time', () => {
    // Each process' run of the day: from its first stage to its end.
    const spans = [first, second, workerExit]
      .map((p) => {
        const starts = p.records.filter((r) => r.msg === 'querying conversation details').map((r) => r.at);
        const ends = p.records.filter((r) => r.msg === 'day done' || r.msg === 'day failed').map((r) => r.at);
        return starts.length
          ? { from: Math.min(...starts), to: Math.max(...ends, Math.min(...starts)) }
          : undefined;
      })
      .filter((s) => s !== undefined)
      .sort((x, y) => x.from - y.from);
    expect(spans.length).toBe(2);
    expect(spans[1]!.from).toBeGreaterThanOrEqual(spans[0]!.to);
    for (const p of [first, second])
      expect(p.records.some((r) => r.msg?.startsWith('lease lost'))).toBe(false);
  });

  it('submitted every item once and e-mailed once', async () => {
    const keys = batchSubmissions(emu).flatMap((s) => s.keys);
    expect(keys.length).toBeGreaterThan(100);
    expect(new Set(keys).size).toBe(keys.length);
    expect(emu.notifications()).toHaveLength(1);
    const runs = await store.sql.executeSql('select distinct attempts from runs where process_date = $1', [
      DATE,
    ]);
    expect(runs.rows).toEqual([{ attempts: 2 }]);
  });
});

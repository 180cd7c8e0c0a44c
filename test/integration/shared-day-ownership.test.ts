// Owning a day on a shared PostgreSQL (ADR 0016). What an operator would notice if these failed: `run`
// taking a day that `serve` or the API queued (and failing it on exit), a day whose worker died staying
// blocked for hours, or a process working on after another took its lease.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMetrics } from '../../src/metrics/index.js';
import { dayLeaseKey, jobLeaseKey, QUEUES, startJobQueue } from '../../src/scheduler/job-queue.js';
import { tryLease } from '../../src/scheduler/leases.js';
import { checkSharedDataDir } from '../../src/scheduler/shared-data-dir.js';
import { dataDirMark } from '../../src/storage/data-dir-mark.js';
import { type DbHandle, openDb } from '../../src/store/db.js';
import { acquireLease, leaseHolders, releaseLease } from '../../src/store/leases.js';
import { emulatorEnv, runCli } from '../support/cli.js';
import { pastWeekday } from '../support/expected.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';

const pgUrl = requirePostgres();
const silent = pino({ level: 'silent' });

describe.skipIf(!pgUrl)('owning a day on a shared PostgreSQL', () => {
  let testDb: TestDatabase;
  let store: DbHandle;
  let emu: Emulator;
  let dataDir: string;
  const jobs = async (date: string) =>
    (
      await store.sql.executeSql(
        `select id::text, state::text, output from pgboss.job where name = $1 and singleton_key = $2
         order by created_on`,
        [QUEUES.extractDay, date],
      )
    ).rows as { id: string; state: string; output: Record<string, unknown> | null }[];

  beforeAll(async () => {
    testDb = await createTestDatabase('day_ownership');
    store = await openDb({ databaseUrl: testDb.url, dataDir: '/nonexistent' });
    emu = await buildEmulator({ seed: 5, conversationsPerDay: 40, ratePerMinute: 6000 });
    dataDir = await mkdtemp(join(tmpdir(), 'ae-own-'));
  });

  afterAll(async () => {
    await store?.close();
    await emu?.close();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('run works the day it queued and leaves a day another process queued alone', async () => {
    const mine = pastWeekday(4);
    const theirs = pastWeekday(9);
    // `serve` or the API queued another date just before (its job is the oldest in the queue).
    const queue = await startJobQueue(store, silent);
    const theirJob = await queue.enqueueDay({ processDate: theirs, queueIds: [emu.queueIds[0]!] });
    await queue.stop();

    const env = emulatorEnv(emu, dataDir, { DATABASE_URL: testDb.url });
    const r = await runCli(['run', '--date', mine], env);
    expect(r.stderrText).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${mine}  SUCCESS`);

    expect((await jobs(mine)).map((j) => j.state)).toEqual(['completed']);
    // Before: run's worker took this older job first, and failed it on exit if it was still running.
    expect(await jobs(theirs)).toEqual([{ id: theirJob, state: 'created', output: null }]);
    const runs = await store.sql.executeSql('select process_date from runs order by 1', []);
    expect(runs.rows).toEqual([{ process_date: mine }]);
    // /metrics shows the day waiting for a worker.
    const metrics = createMetrics({ db: store.db, processMetrics: false });
    const text = await metrics.registry.metrics();
    expect(text).toContain('audio_extract_jobs{queue="extract-day",state="created"} 1');
    expect(text).toContain('audio_extract_jobs{queue="extract-batch",state="active"} 0');
  });

  it('with a worker present that takes no batch, run takes its own batches after a head start', async () => {
    const date = pastWeekday(11);
    // A live worker as far as the database can tell (its presence lease), busy elsewhere.
    expect(await acquireLease(store.db, 'worker:busy/1/000001', 'busy/1/000001', 120_000)).toBe(true);
    const env = emulatorEnv(emu, dataDir, { DATABASE_URL: testDb.url, BATCH_SIZE: '10', LOG_LEVEL: 'info' });
    const r = await runCli(['run', '--date', date], env);
    expect(r.stderrText).toBe('');
    expect(r.code).toBe(0);
    expect(r.records.find((x) => x.msg === 'workers on the database')).toMatchObject({ workers: 1 });
    // Its batches were jobs, and run ran them itself.
    const batchJobs = await store.sql.executeSql(
      `select state::text as state from pgboss.job where name = 'extract-batch' and data->>'processDate' = $1`,
      [date],
    );
    expect(batchJobs.rows.length).toBeGreaterThan(1);
    expect(new Set(batchJobs.rows.map((j) => (j as { state: string }).state))).toEqual(
      new Set(['completed']),
    );
    expect(r.records.filter((x) => x.msg === 'batch downloaded').length).toBe(batchJobs.rows.length);
    await releaseLease(store.db, 'worker:busy/1/000001', 'busy/1/000001');
  });

  it('a day job whose process died is failed and queued again within about two lease periods', async () => {
    const date = pastWeekday(12);
    const queue = await startJobQueue(store, silent, { leaseMs: 2_000 });
    try {
      const id = await queue.enqueueDay({ processDate: date, queueIds: ['q'] });
      // A process took the job and its lease, then died (its lease is left to expire).
      expect(await queue.claim(QUEUES.extractDay, id)).toBe(true);
      expect(await acquireLease(store.db, jobLeaseKey(id), 'dead/1/aaaaaa', 2_000)).toBe(true);
      expect(await acquireLease(store.db, dayLeaseKey(date), 'dead/1/aaaaaa', 2_000)).toBe(true);
      const started = Date.now();
      let rows = await jobs(date);
      while (rows[0]!.state === 'active' && Date.now() - started < 15_000) {
        await new Promise((r) => setTimeout(r, 200));
        rows = await jobs(date);
      }
      const waited = Date.now() - started;
      expect(rows.map((j) => j.state)).toEqual(['failed', 'created']);
      expect(rows[0]!.output).toMatchObject({ resumedAs: rows[1]!.id });
      // The lease ends after 2 s and the reaper looks every second; the job must have been active 2 s.
      expect(waited).toBeGreaterThanOrEqual(1_500);
      expect(waited).toBeLessThan(6_000);
    } finally {
      await queue.stop();
    }
  });

  it("refuses a worker whose DATA_DIR is not the others' (a machine's own disk)", async () => {
    const config = (dir: string) => ({ DATABASE_URL: testDb.url, DATA_DIR: dir, STORAGE_URL: undefined });
    // The run above made the database's mark from dataDir: the shared directory passes again.
    await checkSharedDataDir(store.db, config(dataDir));
    // Two processes making the mark of a new directory at once agree on one.
    const fresh = await mkdtemp(join(tmpdir(), 'ae-mark-'));
    const marks = await Promise.all([dataDirMark(fresh), dataDirMark(fresh), dataDirMark(fresh)]);
    expect(new Set(marks).size).toBe(1);
    // Another machine's disk: refused, naming both marks and the fix.
    const other = await mkdtemp(join(tmpdir(), 'ae-other-'));
    const refused = await checkSharedDataDir(store.db, config(other)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'DATA_DIR_NOT_SHARED' });
    expect(String((refused as Error).message)).toMatch(/shared\s+filesystem .*STORAGE_URL=s3/s);
    // The worker command stops at start with that message (exit 1), before taking any work.
    const w = await runCli(['worker'], emulatorEnv(emu, other, { DATABASE_URL: testDb.url }), 60_000);
    expect(w.code).toBe(1);
    expect(w.stderrText).toContain('is not the directory the other processes on this database use');
    // The directory copied whole (mark included) is the same directory as far as the check goes.
    await mkdir(join(other, 'audio'), { recursive: true });
    await cp(join(dataDir, 'audio', '.audio-extract-mark'), join(other, 'audio', '.audio-extract-mark'));
    await checkSharedDataDir(store.db, config(other));
    await rm(fresh, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  });

  it('a holder keeps its lease by renewing it, and stops at once when another takes it over', async () => {
    const deps = (owner: string) => ({
      db: store.db,
      owner,
      ttlMs: 1_200,
      clock: systemClock,
      logger: silent,
    });
    const held = await tryLease(deps('a/1/000001'), 'batch:77');
    expect(held).toBeDefined();
    // Three periods later it is still a's: renewed every 400 ms.
    await new Promise((r) => setTimeout(r, 3_600));
    expect(held!.lost.aborted).toBe(false);
    expect(await tryLease(deps('b/2/000002'), 'batch:77')).toBeUndefined();
    // Taken over behind a's back (as after a long pause): a finds out at its next renewal.
    await store.sql.executeSql(`update leases set owner = 'b/2/000002' where key = 'batch:77'`, []);
    await new Promise((r) => setTimeout(r, 600));
    expect(held!.lost.aborted).toBe(true);
    await held!.release();
    expect((await leaseHolders(store.db, ['batch:77'])).get('batch:77')?.owner).toBe('b/2/000002');
  });
});

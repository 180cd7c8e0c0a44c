import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobQueue } from '../../src/scheduler/job-queue.js';
import { type CliExit, spawnCli } from '../support/cli.js';
import { snapshotOutput } from '../support/data-dirs.js';
import { batchSubmissions, expectedRecordings, pastWeekday } from '../support/expected.js';
import { requirePostgres } from '../support/postgres.js';
import { type SharedDayFixture, sharedDayFixture, untilLogged } from '../support/scale-out.js';

const pgUrl = requirePostgres();
const DATE = pastWeekday(7);

describe.skipIf(!pgUrl)('a worker stopped while it coordinates a day', () => {
  let fx: SharedDayFixture;
  let first: CliExit;
  let second: CliExit;

  beforeAll(async () => {
    fx = await sharedDayFixture({
      name: 'handover',
      date: DATE,
      conversations: 300,
      rate: 900,
      leaseSeconds: 5,
    });
    const { env, emu, store } = fx;
    const a = spawnCli(['worker'], env);
    await untilLogged(a.records, 'worker started');
    // Queued as the schedule or POST /api/runs would: no process of its own coordinates it.
    const queue = await startJobQueue(store, pino({ level: 'silent' }));
    await queue.enqueueDay({ processDate: DATE, queueIds: emu.queueIds.slice(0, 2) });
    await queue.stop();
    await untilLogged(a.records, 'discovery done');
    a.child.kill('SIGTERM');
    first = await a.done;
    const b = spawnCli(['worker'], env);
    await untilLogged(b.records, 'day done');
    await untilLogged(b.records, 'notification sent');
    b.child.kill('SIGTERM');
    second = await b.done;
  }, 5 * 60_000);

  afterAll(async () => {
    await fx?.dispose();
  });

  it('the stopped worker gave the day back and exited 0', () => {
    expect(first.code).toBe(0);
    expect(first.stderrText).toBe('');
    expect(first.records.some((r) => r.msg === 'day given back: queued again')).toBe(true);
    expect(first.records.some((r) => r.msg === 'day done')).toBe(false);
  });

  it('the next worker finished it: every file, one e-mail, nothing submitted twice', async () => {
    expect(second.code).toBe(0);
    expect(second.stderrText).toBe('');
    const { emu, store } = fx;
    const expected = expectedRecordings(emu, DATE, emu.queueIds.slice(0, 2));
    const out = await snapshotOutput(fx.dataDir, DATE);
    expect(expected.downloadable.size).toBeGreaterThan(100);
    for (const r of expected.downloadable.values()) {
      const name = [...out.files.keys()].find((f) => f.startsWith(`${r.conversationId}_${r.recordingId}.`));
      expect(name && out.files.get(name)).toBe(r.sha256);
    }
    expect(out.leftovers).toEqual([]);
    expect(emu.notifications()).toHaveLength(1);
    const keys = batchSubmissions(emu).flatMap((s) => s.keys);
    expect(keys.length).toBeGreaterThan(100);
    expect(new Set(keys).size).toBe(keys.length);
    const jobs = await store.sql.executeSql(
      `select state::text as state, output ? 'resumedAs' as resumed from pgboss.job
       where name = 'extract-day' order by created_on`,
      [],
    );
    expect(jobs.rows).toEqual([
      { state: 'failed', resumed: true },
      { state: 'completed', resumed: false },
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliExit, type CliProcess, spawnCli } from '../support/cli.js';
import { batchSubmissions, pastWeekday } from '../support/expected.js';
import { requirePostgres } from '../support/postgres.js';
import { type SharedDayFixture, sharedDayFixture, untilLogged } from '../support/scale-out.js';

const pgUrl = requirePostgres();
const DATE = pastWeekday(5);

describe.skipIf(!pgUrl)('a day whose job pg-boss let go of, started again while it runs', () => {
  let fx: SharedDayFixture;
  let worker: CliProcess;
  let first: CliExit;
  let second: CliExit;
  let workerExit: CliExit;

  beforeAll(async () => {
    // About 230 lookups at 900/min: a day of ~16 s, eight lease periods and more.
    fx = await sharedDayFixture({
      name: 'day_lease',
      date: DATE,
      conversations: 300,
      rate: 900,
      leaseSeconds: 2,
    });
    const { env, store } = fx;
    worker = spawnCli(['worker'], env);
    await untilLogged(worker.records, 'worker started');
    const a = spawnCli(['run', '--date', DATE], env);
    await untilLogged(a.records, 'discovery done');
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
    await fx?.dispose();
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
    const t0 = spans[0]?.from ?? 0;
    process.stdout.write(
      `day lease: the day was worked ${spans.map((x) => `${x.from - t0}–${x.to - t0} ms`).join(', then ')}\n`,
    );
    expect(spans.length).toBe(2);
    expect(spans[1]!.from).toBeGreaterThanOrEqual(spans[0]!.to);
    for (const p of [first, second])
      expect(p.records.some((r) => r.msg?.startsWith('lease lost'))).toBe(false);
  });

  it('submitted every item once and e-mailed once', async () => {
    const keys = batchSubmissions(fx.emu).flatMap((s) => s.keys);
    expect(keys.length).toBeGreaterThan(100);
    expect(new Set(keys).size).toBe(keys.length);
    expect(fx.emu.notifications()).toHaveLength(1);
    const runs = await fx.store.sql.executeSql('select distinct attempts from runs where process_date = $1', [
      DATE,
    ]);
    expect(runs.rows).toEqual([{ attempts: 2 }]);
  });
});

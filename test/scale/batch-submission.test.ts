// test/integration/batch-submission.test.ts on PostgreSQL, with a worker: the submission fails in the
// process that works the batch job (the worker, usually), the coordinator (`run`) reads that from the
// job's answer and sets the batch aside; after SUBMISSIONS_PER_RUN failures its recordings fail with the reason and the next run gets them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBMISSIONS_PER_RUN } from '../../src/pipeline/batches.js';
import { batchesOf } from '../../src/store/batches.js';
import { type CliExit, type CliProcess, runCli, spawnCli } from '../support/cli.js';
import { snapshotOutput } from '../support/data-dirs.js';
import { pastWeekday } from '../support/expected.js';
import { requirePostgres } from '../support/postgres.js';
import { type SharedDayFixture, sharedDayFixture, untilLogged } from '../support/scale-out.js';

const pgUrl = requirePostgres();
const DATE = pastWeekday(6);
const SUBMIT = { method: 'POST', path: '/api/v2/recording/batchrequests' };

describe.skipIf(!pgUrl)('a batch Genesys never accepts, with a worker on PostgreSQL', () => {
  let fx: SharedDayFixture;
  let worker: CliProcess;
  let env: Record<string, string>;
  let first: CliExit;
  let firstLines: Record<string, unknown>[];
  let second: CliExit;

  beforeAll(async () => {
    fx = await sharedDayFixture({
      name: 'submission',
      date: DATE,
      conversations: 30,
      rate: 3000,
      leaseSeconds: 10,
    });
    // one batch for the day
    env = { ...fx.env, BATCH_SIZE: '100' };
    worker = spawnCli(['worker'], env);
    await untilLogged(worker.records, 'worker started');
    fx.emu.faults.add({ match: SUBMIT, times: SUBMISSIONS_PER_RUN, reset: true });
    first = await runCli(['run', '--date', DATE], env);
    firstLines = (await snapshotOutput(fx.dataDir, DATE)).lines;
    second = await runCli(['run', '--date', DATE], env);
  }, 5 * 60_000);

  afterAll(async () => {
    if (worker) {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
    await fx?.dispose();
  });

  it(`submits it ${SUBMISSIONS_PER_RUN} times, then fails its recordings with the reason and exits 1`, async () => {
    expect(first.stderrText).toBe('');
    expect(first.code).toBe(1);
    const failed = firstLines.filter((l) => l.status === 'failed');
    expect(failed.length).toBeGreaterThan(10);
    for (const l of failed) expect(l.reason).toMatch(/^batch submission failed 3 times \(last: POST /);
    expect(firstLines.filter((l) => l.status === 'pending' || l.status === 'downloaded')).toEqual([]);
    const [batch] = await batchesOf(fx.store.db, DATE);
    expect(batch).toMatchObject({ status: 'abandoned', jobId: null });
  });

  it('the next run downloads exactly those recordings', async () => {
    expect(second.stderrText).toBe('');
    expect(second.code).toBe(0);
    const out = await snapshotOutput(fx.dataDir, DATE);
    const downloaded = out.lines.filter((l) => l.status === 'downloaded');
    expect(downloaded.map((l) => l.recordingId).sort()).toEqual(
      firstLines
        .filter((l) => l.status === 'failed')
        .map((l) => l.recordingId)
        .sort(),
    );
    expect(out.files.size).toBe(downloaded.length);
    expect(out.lines.filter((l) => l.status === 'failed' || l.status === 'pending')).toEqual([]);
  });
});

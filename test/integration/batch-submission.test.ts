// A batch submission that Genesys may or may not have taken (the connection reset after the POST was
// sent) is not retried blindly: the batch is set aside, submitted again after the others, up to
// SUBMISSIONS_PER_RUN times in a run. Past that its recordings are `failed` with the reason (the run
// exits 1 and says why), never left silently in a batch nobody submits; the next run gets them.
// Pipeline in-process, emulator over a socket, embedded database.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Composed, compose } from '../../src/cli/compose.js';
import { parseConfig } from '../../src/config/schema.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { SUBMISSIONS_PER_RUN } from '../../src/pipeline/batches.js';
import { runDay } from '../../src/pipeline/run.js';
import { batches } from '../../src/store/schema.js';
import { emulatorEnv } from '../support/cli.js';
import { snapshotOutput } from '../support/data-dirs.js';

const DAY = DateTime.now().setZone('America/Lima').minus({ days: 2 }).toISODate()!;
const SUBMIT = { method: 'POST', path: '/api/v2/recording/batchrequests' };
let emu: Emulator;
const dirs: string[] = [];

beforeAll(async () => {
  emu = await buildEmulator({ seed: 'batch-submission', conversationsPerDay: 30, ratePerMinute: 6000 });
});

afterEach(() => {
  emu.faults.clear();
  emu.journal.clear();
});

afterAll(async () => {
  await emu?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function composeIn(dir: string): Promise<Composed> {
  const env = emulatorEnv(emu, dir, {
    GENESYS_QUEUE_IDS: emu.queueIds.join(','),
    // one batch for the whole day
    BATCH_SIZE: '100',
    NOTIFY_URL: `${emu.url}/notify`,
    EMAILS: 'ops@example.com',
    LOG_LEVEL: 'silent',
  });
  return compose(parseConfig(env));
}

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-submission-'));
  dirs.push(dir);
  return dir;
}

async function runOnce(dir: string) {
  const app = await composeIn(dir);
  try {
    const outcome = await runDay(app.deps, { processDate: DAY, queueIds: emu.queueIds });
    const rows = await app.deps.db.select().from(batches).where(eq(batches.processDate, DAY));
    return { outcome, batches: rows };
  } finally {
    await app.close();
  }
}

const submissions = () =>
  emu.journal.entries().filter((e) => e.method === SUBMIT.method && e.path === SUBMIT.path);

describe('a batch submission reset after it was sent', () => {
  it(`is submitted again in the same run, up to ${SUBMISSIONS_PER_RUN} times, and the day is whole`, async () => {
    emu.faults.add({ match: SUBMIT, times: SUBMISSIONS_PER_RUN - 1, reset: true });
    const dir = await newDataDir();
    const { outcome, batches: rows } = await runOnce(dir);

    expect(outcome.status).toBe('SUCCESS');
    expect(outcome.retryable).toBe(0);
    // counted once, when it was worked, not once per submission
    expect(outcome.transfer).toMatchObject({ batches: 1, failed: 0 });
    const posts = submissions();
    expect(posts.filter((e) => e.fault === 'reset')).toHaveLength(SUBMISSIONS_PER_RUN - 1);
    expect(posts).toHaveLength(SUBMISSIONS_PER_RUN);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('completed');
    const out = await snapshotOutput(dir, DAY);
    const downloaded = out.lines.filter((l) => l.status === 'downloaded');
    expect(downloaded.length).toBeGreaterThan(10);
    expect(out.files.size).toBe(downloaded.length);
    expect(out.lines.filter((l) => l.status === 'pending' || l.status === 'failed')).toEqual([]);
  }, 60_000);

  it('fails its recordings with the reason once every submission of the run failed; the next run gets them', async () => {
    emu.faults.add({ match: SUBMIT, times: SUBMISSIONS_PER_RUN, reset: true });
    const dir = await newDataDir();
    const first = await runOnce(dir);

    expect(submissions()).toHaveLength(SUBMISSIONS_PER_RUN);
    // The run says so: its recordings count as failed (exit 1), the batch is closed without a job.
    expect(first.outcome.status).toBe('SUCCESS');
    expect(first.batches).toHaveLength(1);
    expect(first.batches[0]!.status).toBe('abandoned');
    expect(first.batches[0]!.jobId).toBeNull();
    const failedFirst = (await snapshotOutput(dir, DAY)).lines.filter((l) => l.status === 'failed');
    expect(failedFirst.length).toBeGreaterThan(10);
    expect(first.outcome.retryable).toBe(failedFirst.length);
    expect(first.outcome.transfer).toMatchObject({ batches: 0, submitted: 0, failed: failedFirst.length });
    for (const l of failedFirst) {
      expect(l.reason).toMatch(
        new RegExp(
          `^batch submission failed ${SUBMISSIONS_PER_RUN} times \\(last: POST /api/v2/recording/batchrequests → network error`,
        ),
      );
      expect(l.reason).toMatch(/the next run \(or the dashboard's Retry\) submits it again$/);
    }
    expect((await snapshotOutput(dir, DAY)).lines.filter((l) => l.status === 'pending')).toEqual([]);

    // Genesys takes submissions again: the next run downloads exactly those recordings.
    emu.journal.clear();
    const second = await runOnce(dir);
    expect(second.outcome.retryable).toBe(0);
    const out = await snapshotOutput(dir, DAY);
    expect(out.lines.filter((l) => l.status === 'failed' || l.status === 'pending')).toEqual([]);
    const downloaded = out.lines.filter((l) => l.status === 'downloaded');
    expect(downloaded.map((l) => l.recordingId).sort()).toEqual(failedFirst.map((l) => l.recordingId).sort());
    expect(out.files.size).toBe(downloaded.length);
    expect(submissions()).toHaveLength(1);
  }, 60_000);
});

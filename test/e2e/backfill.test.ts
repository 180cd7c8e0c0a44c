// A backfill: `run --from D1 --to D2` over days older than the synchronous details query's look-back
// (the production profile enforces 35 days) goes through the asynchronous details jobs, and gives the
// same manifests, byte for byte, as the synchronous query gives for the same data (a second emulator
// with the same seed and no look-back, and GENESYS_DETAILS_LOOKBACK_DAYS raised so the CLI queries).
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEmulator,
  type Emulator,
  type EmulatorOptions,
  type JournalEntry,
} from '../../src/emulator/index.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import { localDayInterval } from '../../src/lib/dates.js';
import { type CliExit, emulatorEnv, runCli } from '../support/cli.js';
import { dataDirTemplate, freshDataDir } from '../support/data-dirs.js';

const ZONE = 'America/Lima';
const D1 = DateTime.now().setZone(ZONE).minus({ days: 41 }).toISODate()!;
const D2 = DateTime.now().setZone(ZONE).minus({ days: 40 }).toISODate()!;

const OPTIONS: EmulatorOptions = {
  seed: 'backfill',
  profile: 'production',
  conversationsPerDay: 150,
  ratePerMinute: 100_000,
  batchJobDurationMs: { min: 100, max: 400 },
  detailsJobDurationMs: { min: 300, max: 800 },
};

describe('run --from --to over days older than the look-back', () => {
  const emus: Emulator[] = [];
  const dirs: string[] = [];
  const runs: Record<'jobs' | 'query', { exit: CliExit; journal: JournalEntry[]; dir: string }> = {} as never;

  beforeAll(async () => {
    const template = await dataDirTemplate();
    dirs.push(template);
    for (const [name, options, extra] of [
      ['jobs', {}, {}],
      ['query', { lookBackDays: 0 }, { GENESYS_DETAILS_LOOKBACK_DAYS: '3650' }],
    ] as const) {
      const emu = await buildEmulator({ ...OPTIONS, ...options });
      emus.push(emu);
      const dir = await freshDataDir(`ae-backfill-${name}-`, template);
      dirs.push(dir);
      const exit = await runCli(
        ['run', '--from', D1, '--to', D2],
        emulatorEnv(emu, dir, {
          GENESYS_QUEUE_IDS: emu.queueIds.slice(0, 2).join(','),
          BATCH_COMPLETED_GRACE_SECONDS: '2',
          ...extra,
        }),
      );
      runs[name] = { exit, journal: emu.journal.entries(), dir };
    }
  }, 5 * 60_000);

  afterAll(async () => {
    await Promise.all(emus.map((e) => e.close()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('the emulator refuses those days to the synchronous query (the look-back is on)', async () => {
    const client = createGenesysClient({
      clientId: 'emulator',
      clientSecret: 'emulator',
      loginBaseUrl: emus[0]!.url,
      apiBaseUrl: emus[0]!.url,
      timeoutMs: 10_000,
      ratePerMinute: 100_000,
    });
    try {
      const query = client.conversationDetails({ ...localDayInterval(D1, ZONE), queueIds: [] });
      const err = await (async () => {
        for await (const _ of query) return undefined;
      })().catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 400 });
      expect((err as Error).message).toMatch(/older than the 35 days/);
    } finally {
      await client.close();
    }
  });

  it('both runs succeed', () => {
    for (const name of ['jobs', 'query'] as const)
      expect(runs[name].exit.code, `${name}: ${runs[name].exit.stderrText}`).toBe(0);
  });

  it('the backfill read each day through one details job, paging its results, and never the query', () => {
    const journal = runs.jobs.journal;
    expect(journal.filter((e) => e.path.endsWith('/details/query'))).toEqual([]);
    const submitted = journal.filter((e) => e.method === 'POST' && e.path.endsWith('/details/jobs'));
    expect(submitted).toHaveLength(2);
    for (const e of submitted) expect(e.status).toBe(202);
    expect(
      journal.filter((e) => e.path.endsWith('/results') && e.status === 200).length,
    ).toBeGreaterThanOrEqual(2);
    // the synchronous run really used the query
    expect(runs.query.journal.filter((e) => e.path.endsWith('/details/jobs'))).toEqual([]);
    expect(runs.query.journal.some((e) => e.path.endsWith('/details/query'))).toBe(true);
  });

  it.each([D1, D2])('the manifest of %s is the same through the jobs as through the query', async (date) => {
    const read = (dir: string) => readFile(join(dir, 'audio', date, 'manifest.jsonl'), 'utf8');
    const [byJob, byQuery] = await Promise.all([read(runs.jobs.dir), read(runs.query.dir)]);
    const lines = byJob.trim().split('\n');
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.filter((l) => l.includes('"status":"downloaded"')).length).toBeGreaterThan(50);
    expect(byJob).toBe(byQuery);
  });
});

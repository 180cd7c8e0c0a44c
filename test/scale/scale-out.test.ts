// A day of about 1,000 conversations worked by three `worker` processes on one PostgreSQL, triggered and
// coordinated by `run` (issue 19; harness in test/support/scale-out.ts), in both lookup modes, and
// again with one worker SIGKILLed while it downloads. What an operator would notice if these failed:
// 429s (the workers together over the client's budget), a budget left unused, recordings submitted or
// downloaded twice, a worker left idle, files or a manifest that differ from a single-process run, two
// e-mails, or a day that never completes after a worker died.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { openDb } from '../../src/store/db.js';
import { pastWeekday } from '../support/expected.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import {
  type LookupMode,
  runScaleOut,
  type ScaleOutOptions,
  type ScaleOutReport,
  singleProcessManifest,
} from '../support/scale-out.js';

const pgUrl = requirePostgres();
const CONVERSATIONS = 1000;
const RATE = 1200;
const WORKERS = 3;
const SEED = 'scale-out';
const DATE = pastWeekday(4);

interface Scenario {
  emu: Emulator;
  testDb: TestDatabase;
  dirs: string[];
  report: ScaleOutReport;
  reference: string;
}

async function scenario(lookup: LookupMode, extra: Partial<ScaleOutOptions> = {}): Promise<Scenario> {
  const options = { seed: SEED, conversationsPerDay: CONVERSATIONS };
  // The reference: the same day (same seed) extracted by one process on the embedded database, on an
  // emulator of its own so that its requests count in no window of the scale-out run.
  const refEmu = await buildEmulator({ ...options, ratePerMinute: 1_000_000 });
  const refDir = await mkdtemp(path.join(tmpdir(), 'ae-scale-ref-'));
  let reference: string;
  try {
    reference = await singleProcessManifest(refEmu, DATE, lookup, refDir);
  } finally {
    await refEmu.close();
  }
  const emu = await buildEmulator({ ...options, ratePerMinute: RATE });
  const testDb = await createTestDatabase(`scale_${lookup}`);
  await (await openDb({ databaseUrl: testDb.url, dataDir: '/nonexistent' })).close();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ae-scale-'));
  const report = await runScaleOut({
    emu,
    date: DATE,
    lookup,
    databaseUrl: testDb.url,
    dataDir,
    workers: WORKERS,
    ratePerMinute: RATE,
    ...extra,
  });
  const summary = {
    lookup,
    wallMs: report.wallMs,
    batchesByWorker: report.batchesByWorker,
    batchesByCoordinator: report.batchesByCoordinator,
    lookupBudgetUse: report.lookupBudgetUse,
    windows: report.windows.map((w) => `${w.counted}/${w.limit}${w.limited ? ` (${w.limited} × 429)` : ''}`),
    duplicateItems: report.duplicateItems.length,
    duplicateFetches: report.duplicateFetches.length,
    killedBatches: report.killed?.batchIds,
  };
  process.stdout.write(`scale-out: ${JSON.stringify(summary)}\n`);
  return { emu, testDb, dirs: [refDir, dataDir], report, reference };
}

async function dispose(s: Scenario | undefined) {
  if (!s) return;
  await s.emu.close();
  await s.testDb.drop();
  for (const d of s.dirs) await rm(d, { recursive: true, force: true });
}

function expectTheDayDone(s: Scenario) {
  const { report } = s;
  expect(report.coordinator.stderrText).toBe('');
  expect(report.coordinator.code).toBe(0);
  expect(report.fileProblems).toEqual([]);
  expect(report.downloadable).toBeGreaterThan(500);
  expect(report.output.leftovers).toEqual([]);
  // Byte for byte what one process makes of the same day.
  expect(report.output.manifest).toBe(s.reference);
  expect(report.notifications).toBe(1);
}

for (const lookup of ['metadata', 'conversation'] as const) {
  describe.skipIf(!pgUrl)(
    `a day of ${CONVERSATIONS} conversations worked by ${WORKERS} workers (${lookup} lookups)`,
    () => {
      let s: Scenario;
      beforeAll(async () => {
        s = await scenario(lookup);
      }, 10 * 60_000);
      afterAll(() => dispose(s));

      it('completes with every file, the manifest of a single-process run, and one e-mail', () => {
        expectTheDayDone(s);
        // Every worker stopped cleanly on SIGTERM.
        for (const w of s.report.workers) {
          expect(w.code).toBe(0);
          expect(w.stderrText).toBe('');
        }
      });

      it("stays within the client's rate limit in every 60-second window", () => {
        expect(s.report.windows.length).toBeGreaterThan(0);
        for (const w of s.report.windows) {
          expect(w.limited).toBe(0);
          expect(w.counted).toBeLessThanOrEqual(w.limit);
        }
      });

      it('uses at least 90% of the budget while lookups are pending', () => {
        if (lookup === 'conversation') {
          // Only the conversations whose sessions carry no recording flag are looked up in this mode
          // (a handful, in a moment): nothing for the budget to pace.
          expect(s.report.lookupBudgetUse?.requests ?? 0).toBeLessThan(CONVERSATIONS / 10);
          return;
        }
        expect(s.report.lookupBudgetUse!.seconds).toBeGreaterThan(20);
        expect(s.report.lookupBudgetUse!.share).toBeGreaterThanOrEqual(0.9);
      });

      it("records on the day's runs every Genesys API call, the workers' included (the dashboard's chart)", () => {
        expect(s.report.runApiCalls.length).toBeGreaterThan(0);
        for (const calls of s.report.runApiCalls) expect(calls).toBe(s.report.apiRequests);
      });

      it('submits every item once and fetches every result URL once', () => {
        expect(s.report.duplicateItems).toEqual([]);
        expect(s.report.duplicateFetches).toEqual([]);
        expect(s.report.failedFetches).toBe(0);
      });

      it('spreads the batches over at least two workers', () => {
        expect(s.report.batchesByWorker.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
      });
    },
  );
}

describe.skipIf(!pgUrl)(`the same day with one of ${WORKERS} workers SIGKILLed while it downloads`, () => {
  let s: Scenario;
  beforeAll(async () => {
    // A short lease, so that the dead worker's batches are taken over within seconds.
    s = await scenario('conversation', { killWorker: true, leaseSeconds: 3 });
  }, 10 * 60_000);
  afterAll(() => dispose(s));

  it('completes all the same, with every file, the manifest of a single-process run, and one e-mail', () => {
    expect(s.report.workers[0]!.signal).toBe('SIGKILL');
    expectTheDayDone(s);
  });

  it("submits or fetches twice only within the killed worker's batches", () => {
    const killed = s.report.killed!;
    expect(killed.batchIds.length).toBeGreaterThan(0);
    expect(s.report.duplicateItems.filter((k) => !killed.items.has(k))).toEqual([]);
    expect(s.report.duplicateFetches.filter((r) => !killed.recordings.has(r))).toEqual([]);
  });

  it('the other workers finished the batches', () => {
    expect(s.report.batchesByWorker.slice(1).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});

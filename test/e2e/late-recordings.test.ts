// Late and missing recordings: conversations still in wrap-up and recordings still UPLOADING when the
// nightly run happens are not lost. The emulator's clock is set to one hour after the process day ended
// (wrap-ups and uploads resolve hours later); `control.settleAll()` is "later that morning".
import { rm } from 'node:fs/promises';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { JournalEntry } from '../../src/emulator/index.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { type CliExit, cliEnv, runCli } from '../support/cli.js';
import { dataDirTemplate, freshDataDir, type OutputSnapshot, snapshotOutput } from '../support/data-dirs.js';
import { type Expected, expectedRecordings, pastWeekday } from '../support/expected.js';

const ZONE = 'America/Lima';
const DATE = pastWeekday(2, ZONE); // a finished weekday; the day after it is not a Sunday
const NEXT = DateTime.fromISO(DATE).plus({ days: 1 }).toISODate()!;
const AS_OF = DateTime.fromISO(DATE).plus({ days: 2 }).toISODate()!;
const DAY_END = DateTime.fromISO(DATE, { zone: ZONE }).plus({ days: 1 }).toMillis();
const dayStart = DateTime.fromISO(DATE, { zone: ZONE }).toUTC().toISO()!;

const metadataCalls = (entries: JournalEntry[]) =>
  entries
    .filter((e) => e.path.endsWith('/recordingmetadata') && e.status === 200)
    .map((e) => e.path.split('/')[4]!);
const submittedItems = (entries: JournalEntry[]) =>
  entries
    .filter((e) => e.method === 'POST' && e.path === '/api/v2/recording/batchrequests' && e.status === 200)
    .flatMap(
      (e) =>
        (e.body as { batchDownloadRequestList: { conversationId: string; recordingId: string }[] })
          .batchDownloadRequestList,
    )
    .map((i) => `${i.conversationId}/${i.recordingId}`);
const queriedIntervals = (entries: JournalEntry[]) =>
  entries
    .filter((e) => e.path === '/api/v2/analytics/conversations/details/query')
    .map((e) => (e.body as { interval: string }).interval);
const pendingLines = (out: OutputSnapshot) => out.lines.filter((l) => l.status === 'pending');

describe('recordings that were not ready at night', () => {
  let emu: Emulator;
  let template: string;
  let dirDate: string;
  let dirDefault: string;
  let env: (dir: string, extra?: Record<string, string>) => Record<string, string>;
  let queues: string[];
  let before: Expected;
  let after: Expected;
  let uploading: string[];
  const runs: Record<string, CliExit> = {};
  const journals: Record<string, JournalEntry[]> = {};
  const outputs: Record<string, OutputSnapshot> = {};

  const step = async (name: string, dir: string, args: string[], extra?: Record<string, string>) => {
    emu.journal.clear();
    runs[name] = await runCli(args, env(dir, extra));
    journals[name] = emu.journal.entries();
    outputs[name] = await snapshotOutput(dir, DATE);
  };

  beforeAll(async () => {
    // One hour after the local day ended, and moving on in real time from there.
    const offset = DAY_END + 3_600_000 - Date.now();
    emu = await buildEmulator({
      seed: 23,
      conversationsPerDay: 200,
      ratePerMinute: 100_000,
      batchJobDurationMs: { min: 100, max: 600 },
      now: () => Date.now() + offset,
    });
    queues = emu.queueIds.slice(0, 2);
    template = await dataDirTemplate();
    [dirDate, dirDefault] = await Promise.all([
      freshDataDir('ae-late-date-', template),
      freshDataDir('ae-late-default-', template),
    ]);
    env = (dir, extra = {}) => cliEnv(emu, dir, { BATCH_SIZE: '20', LOG_LEVEL: 'warn', ...extra });
    before = expectedRecordings(emu, DATE, queues);
    uploading = [...before.notDownloadable].filter(([, s]) => s === 'UPLOADING').map(([k]) => k);

    // The night: both data dirs extract the day while some of it is not ready.
    await step('night', dirDate, ['run', '--date', DATE]);
    const night2 = await runCli(['run', '--date', DATE], env(dirDefault));
    expect(night2.code, night2.stderrText).toBe(0);

    emu.control.settleAll();
    after = expectedRecordings(emu, DATE, queues);

    await step('again', dirDate, ['run', '--date', DATE]);
    await step('defaultNoReconcile', dirDefault, ['run', '--as-of', AS_OF], { RECONCILE_DAYS: '0' });
    await step('defaultReconcile', dirDefault, ['run', '--as-of', AS_OF], { RECONCILE_DAYS: '2' });
  }, 15 * 60_000);

  afterAll(async () => {
    await emu?.close();
    await Promise.all(
      [template, dirDate, dirDefault].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })),
    );
  });

  it('the day has conversations in wrap-up and recordings still uploading at night', () => {
    expect(before.notReady.size).toBeGreaterThan(0);
    expect(uploading.length).toBeGreaterThan(0);
    expect(after.notReady.size).toBe(0);
    expect(after.downloadable.size).toBeGreaterThan(before.downloadable.size);
  });

  it('the night run succeeds and its manifest says what is missing and why', () => {
    expect(runs.night!.code, runs.night!.stderrText).toBe(0);
    const pending = pendingLines(outputs.night!);
    for (const c of before.notReady) {
      const line = pending.find((l) => l.conversationId === c);
      expect(line, c).toBeDefined();
      expect(line!.recordingId).toBeNull();
      expect(line!.reason).toMatch(/wrap-up/);
    }
    for (const key of uploading) {
      const line = pending.find((l) => `${l.conversationId}/${l.recordingId}` === key);
      expect(line, key).toBeDefined();
      expect(line!.reason).toMatch(/upload/i);
    }
    expect(outputs.night!.files.size).toBe(before.downloadable.size);
  });

  it('running the date again after they settle downloads exactly what became available', async () => {
    expect(runs.again!.code, runs.again!.stderrText).toBe(0);
    const late = [...after.downloadable.keys()].filter((k) => !before.downloadable.has(k)).sort();
    expect(late.length).toBeGreaterThan(0);
    expect(submittedItems(journals.again!).sort()).toEqual(late);
    // Metadata is asked again only for the conversations that were not finished at night.
    const lateConversations = new Set([...before.notReady, ...uploading.map((k) => k.split('/')[0]!)]);
    const asked = metadataCalls(journals.again!);
    expect(asked.length).toBeGreaterThan(0);
    for (const c of asked) expect(lateConversations).toContain(c);
    for (const k of late) expect(asked).toContain(k.split('/')[0]);
    expect(outputs.again!.files.size).toBe(after.downloadable.size);
    expect(pendingLines(outputs.again!)).toEqual([]);
  });

  it('the default run with RECONCILE_DAYS=0 leaves the earlier day alone', () => {
    expect(runs.defaultNoReconcile!.code, runs.defaultNoReconcile!.stderrText).toBe(0);
    expect(runs.defaultNoReconcile!.stdout).toMatch(new RegExp(`^${NEXT} {2}SUCCESS`));
    expect(runs.defaultNoReconcile!.stdout).not.toContain(DATE);
    const ofDate = new Set(emu.dataset.conversationsOnLocalDay(DATE).map((c) => c.conversationId));
    expect(metadataCalls(journals.defaultNoReconcile!).filter((c) => ofDate.has(c))).toEqual([]);
    expect(queriedIntervals(journals.defaultNoReconcile!).some((i) => i.startsWith(dayStart))).toBe(false);
    expect(pendingLines(outputs.defaultNoReconcile!).length).toBeGreaterThan(0);
  });

  it('the default run revisits the previous days that still had unfinished work (RECONCILE_DAYS)', () => {
    const r = runs.defaultReconcile!;
    expect(r.code, r.stderrText).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${DATE} {2}SUCCESS`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^${NEXT} {2}SUCCESS`, 'm'));
    expect(queriedIntervals(journals.defaultReconcile!).some((i) => i.startsWith(dayStart))).toBe(true);
    const late = [...after.downloadable.keys()].filter((k) => !before.downloadable.has(k)).sort();
    expect(submittedItems(journals.defaultReconcile!).sort()).toEqual(late);
    expect(outputs.defaultReconcile!.files.size).toBe(after.downloadable.size);
    expect(pendingLines(outputs.defaultReconcile!)).toEqual([]);
  });
});

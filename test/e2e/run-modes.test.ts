// The two alternatives to the default path: a converted AUDIO_FORMAT (full recordings endpoint, no
// batches) and RECORDING_LOOKUP=conversation (no metadata calls, conversation-wide batch items).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation } from '../../src/contracts/genesys.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { type CliExit, emulatorEnv, runCli, sha256 } from '../support/cli.js';

const DATE = '2026-11-24';

async function manifest(dataDir: string) {
  return (await readFile(join(dataDir, 'audio', DATE, 'manifest.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function expectFilesMatchEmulator(emu: Emulator, dataDir: string) {
  const downloaded = (await manifest(dataDir)).filter((l) => l.status === 'downloaded');
  expect(downloaded.length).toBeGreaterThan(0);
  for (const l of downloaded) {
    const bytes = await readFile(join(dataDir, 'audio', DATE, l.file));
    expect(sha256(bytes)).toBe(sha256(emu.dataset.audioOf(l.recordingId).bytes));
  }
  return downloaded;
}

describe.each([
  ['AUDIO_FORMAT=wav', { AUDIO_FORMAT: 'wav' }],
  ['RECORDING_LOOKUP=conversation', { RECORDING_LOOKUP: 'conversation' }],
])('run with %s', (mode, extra) => {
  let emu: Emulator;
  let dataDir: string;
  let res: CliExit;

  beforeAll(async () => {
    emu = await buildEmulator({ seed: 11, conversationsPerDay: 60, ratePerMinute: 6000 });
    dataDir = await mkdtemp(join(tmpdir(), 'ae-mode-'));
    res = await runCli(['run', '--date', DATE], emulatorEnv(emu, dataDir, extra));
  }, 180_000);

  afterAll(async () => {
    await emu?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('succeeds and stores exactly the bytes Genesys served', async () => {
    expect(res.code, res.stderr).toBe(0);
    await expectFilesMatchEmulator(emu, dataDir);
  });

  it.runIf(mode === 'AUDIO_FORMAT=wav')(
    'asks the recordings endpoint for WAV and makes no batch request',
    () => {
      const journal = emu.journal.entries();
      const recordingsCalls = journal.filter((e) => e.path.endsWith('/recordings'));
      expect(recordingsCalls.length).toBeGreaterThan(0);
      for (const c of recordingsCalls) expect(c.query.formatId).toBe('WAV');
      expect(journal.filter((e) => e.path.includes('batchrequests'))).toEqual([]);
    },
  );

  it.runIf(mode === 'RECORDING_LOOKUP=conversation')(
    'makes no metadata call for a recorded conversation, submits conversation-wide items, and drops screen recordings',
    async () => {
      const journal = emu.journal.entries();
      // Only conversations whose sessions carry no recording flag are looked up (spec §15): as batch
      // items they would take a slot and get an error when, as usual, they were not recorded.
      const flagged = (id: string) =>
        (emu.dataset.conversationsOnLocalDay(DATE) as AnalyticsConversation[])
          .find((c) => c.conversationId === id)
          ?.participants?.some((p) => p.sessions?.some((s) => s.recording === true));
      const lookedUp = journal
        .filter((e) => e.path.endsWith('/recordingmetadata'))
        .map((e) => e.path.split('/')[4]!);
      for (const id of lookedUp) expect(flagged(id), id).toBe(false);
      const items = journal
        .filter((e) => e.method === 'POST' && e.path === '/api/v2/recording/batchrequests')
        .flatMap(
          (e) =>
            (e.body as { batchDownloadRequestList: { recordingId?: string }[] }).batchDownloadRequestList,
        );
      expect(items.length).toBeGreaterThan(0);
      for (const i of items) expect(i.recordingId).toBeUndefined();
      const batched = new Set(items.map((i) => (i as { conversationId: string }).conversationId));
      for (const id of batched) expect(flagged(id), id).toBe(true);
      const lines = await manifest(dataDir);
      for (const l of lines.filter((x) => x.status === 'downloaded'))
        expect(l.contentType).toMatch(/^audio\//);
      // every available audio recording of the requested conversations is on disk
      const requested = new Set(items.map((i) => (i as { conversationId: string }).conversationId));
      const expected = [...requested].flatMap((c) =>
        emu.dataset.recordingsOf(c).filter((r) => r.media === 'audio' && r.fileState === 'AVAILABLE'),
      );
      const downloaded = new Set(lines.filter((l) => l.status === 'downloaded').map((l) => l.recordingId));
      expect(expected.length).toBeGreaterThan(0);
      for (const r of expected) expect(downloaded.has(r.id)).toBe(true);
    },
  );
});

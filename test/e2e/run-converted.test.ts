// AUDIO_FORMAT other than `original`: the full recordings endpoint transcodes and its media URIs are
// downloaded; no batch request is made.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';

const DATE = '2026-11-24';

describe('run with AUDIO_FORMAT=wav', () => {
  let emu: Emulator;
  let dataDir: string;
  let code = 0;
  let stderr = '';

  beforeAll(async () => {
    emu = await buildEmulator({ seed: 11, conversationsPerDay: 40, ratePerMinute: 6000 });
    dataDir = await mkdtemp(join(tmpdir(), 'ae-conv-'));
    const env = {
      PATH: process.env.PATH ?? '',
      GENESYS_CLOUD_BASE_URL: emu.url,
      GENESYS_CLOUD_CLIENT_ID: 'emulator',
      GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
      GENESYS_QUEUE_IDS: emu.queueIds[0]!,
      GENESYS_RATE_LIMIT_PER_MINUTE: '6000',
      AUDIO_FORMAT: 'wav',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    try {
      ({ stderr } = await promisify(execFile)(
        process.execPath,
        ['bin/audio-extract.js', 'run', '--date', DATE],
        {
          env,
          timeout: 170_000,
        },
      ));
    } catch (e) {
      code = (e as { code?: number }).code ?? 1;
      stderr = (e as { stderr?: string }).stderr ?? '';
    }
  }, 180_000);

  afterAll(async () => {
    await emu?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('asks the recordings endpoint for WAV, makes no batch request, and stores the bytes Genesys served', async () => {
    expect(code, stderr).toBe(0);
    const journal = emu.journal.entries();
    const recordingsCalls = journal.filter((e) => e.path.endsWith('/recordings'));
    expect(recordingsCalls.length).toBeGreaterThan(0);
    for (const c of recordingsCalls) expect(c.query.formatId).toBe('WAV');
    expect(journal.filter((e) => e.path.includes('batchrequests'))).toEqual([]);
    const lines = (await readFile(join(dataDir, 'audio', DATE, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const downloaded = lines.filter((l) => l.status === 'downloaded');
    expect(downloaded.length).toBeGreaterThan(0);
    for (const l of downloaded) {
      const bytes = await readFile(join(dataDir, 'audio', DATE, l.file));
      const expected = emu.dataset.audioOf(l.recordingId).bytes;
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(
        createHash('sha256').update(expected).digest('hex'),
      );
    }
  });
});

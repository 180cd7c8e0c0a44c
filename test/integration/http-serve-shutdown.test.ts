// SIGTERM while `serve` is in the middle of a run: it exits 0 promptly, the run is recorded as
// interrupted, and every audio file left on disk is a verified, recorded download (no half-written
// file is ever final). Slow downloads from the emulator keep the run busy when the signal arrives.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { openDb } from '../../src/store/db.js';
import { dayRows } from '../../src/store/recordings.js';
import { listRuns } from '../../src/store/runs.js';
import { isAudioFile } from '../support/data-dirs.js';

const DAY = DateTime.now().setZone('America/Lima').minus({ days: 3 }).toISODate()!;
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 9,
    conversationsPerDay: 30,
    ratePerMinute: 6000,
    batchJobDurationMs: { min: 50, max: 100 },
    faults: [{ match: { method: 'GET', path: '/s3/*' }, delayMs: 1500 }],
  });
  dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-shutdown-'));
});
afterAll(async () => {
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serve on SIGTERM during a run', () => {
  it('aborts the run, exits 0, and leaves only verified files', async () => {
    const child = spawn(process.execPath, ['bin/audio-extract.js', 'serve', '--no-schedule'], {
      env: {
        PATH: process.env.PATH ?? '',
        GENESYS_CLOUD_BASE_URL: emu.url,
        GENESYS_CLOUD_CLIENT_ID: 'emulator',
        GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
        GENESYS_QUEUE_IDS: emu.queueIds.slice(0, 2).join(','),
        GENESYS_RATE_LIMIT_PER_MINUTE: '6000',
        DATA_DIR: dir,
        PORT: '0',
        LOG_LEVEL: 'warn',
        NOTIFY_URL: `${emu.url}/notify`,
        EMAILS: 'ops@example.com',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; !/listening on (http:\/\/\S+)/.test(output); i++) {
      if (child.exitCode !== null || i > 1800) throw new Error(`serve did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const address = /listening on (http:\/\/\S+)/.exec(output)![1]!;
    const res = await fetch(`${address}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ processDate: DAY }),
    });
    expect(res.status).toBe(202);
    // Wait until downloads are under way (a batch exists and the first slow download was requested).
    for (let i = 0; !emu.journal.entries().some((e) => e.path.startsWith('/s3/')); i++) {
      if (i > 600) throw new Error(`no download started:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const signalled = Date.now();
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(20_000);

    const store = await openDb({ dataDir: dir });
    try {
      const runs = await listRuns(store.db, { from: DAY, to: DAY });
      expect(runs.map((r) => r.status)).toEqual(['FAILED', 'FAILED']);
      expect(runs[0]!.error).toMatch(/interrupt|SIGTERM|abort/i);
      // Stopping the service is not a failed day: nobody gets a failure e-mail.
      expect(emu.notifications()).toEqual([]);
      const rows = [];
      for await (const r of dayRows(store.db, DAY)) rows.push(r);
      const downloaded = new Map(rows.filter((r) => r.state === 'downloaded').map((r) => [r.file, r.bytes]));
      const notDone = rows.filter(
        (r) => r.recordingId && r.state !== 'downloaded' && r.state !== 'unavailable',
      );
      expect(notDone.length, 'the run should have been cut short').toBeGreaterThan(0);
      const audio = path.join(dir, 'audio', DAY);
      const files = await readdir(audio).catch(() => [] as string[]);
      for (const f of files.filter(isAudioFile)) {
        const recorded = [...downloaded.entries()].find(([file]) => file && path.basename(file) === f);
        expect(recorded, `${f} is on disk but not recorded as downloaded`).toBeDefined();
        expect((await stat(path.join(audio, f))).size).toBe(recorded![1]);
      }
    } finally {
      await store.close();
    }
  }, 300_000);
});

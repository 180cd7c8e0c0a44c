// Security item 2 (issue 14): what a run writes is not readable by other local users. A real `run` (the
// CLI against the emulator, into a DATA_DIR that does not exist yet, under the common umask 022) and
// then the mode of every file and directory it created, the embedded database's included.
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { protectDataDir } from '../../src/storage/index.js';
import { cliEnv, runCli } from '../support/cli.js';
import { pastWeekday } from '../support/expected.js';

const DATE = pastWeekday(3, 'America/Lima');
let emu: Emulator;
let root: string;
let previousUmask: number;

beforeAll(async () => {
  // The run inherits this: the umask most systems give a login shell.
  previousUmask = process.umask(0o022);
  root = await mkdtemp(path.join(tmpdir(), 'ae-modes-'));
  emu = await buildEmulator({
    seed: 22,
    conversationsPerDay: 12,
    ratePerMinute: 100_000,
    batchJobDurationMs: { min: 100, max: 300 },
  });
});
afterAll(async () => {
  process.umask(previousUmask);
  await emu?.close();
  await rm(root, { recursive: true, force: true });
});

interface Entry {
  rel: string;
  kind: 'dir' | 'file';
  mode: number;
}

/** DATA_DIR itself and everything below it, with permission bits. */
async function walk(dataDir: string): Promise<Entry[]> {
  const out: Entry[] = [{ rel: '.', kind: 'dir', mode: (await lstat(dataDir)).mode & 0o7777 }];
  for (const rel of await readdir(dataDir, { recursive: true })) {
    const st = await lstat(path.join(dataDir, rel));
    out.push({ rel, kind: st.isDirectory() ? 'dir' : 'file', mode: st.mode & 0o7777 });
  }
  return out;
}

const octal = (e: Entry) => `${e.rel} ${e.kind} ${e.mode.toString(8)}`;

async function runInto(name: string, extra: Record<string, string> = {}) {
  // A DATA_DIR below a directory that does not exist yet: the run creates all of it.
  const dataDir = path.join(root, name, 'data');
  const res = await runCli(['run', '--date', DATE], cliEnv(emu, dataDir, { LOG_LEVEL: 'warn', ...extra }));
  expect(res.code, res.stderrText).toBe(0);
  const entries = await walk(dataDir);
  expect(entries.filter((e) => e.rel.startsWith('audio/') && e.rel.endsWith('.wav')).length).toBeGreaterThan(
    0,
  );
  expect(entries.some((e) => e.rel.startsWith('db/'))).toBe(true);
  expect(entries.some((e) => e.rel.endsWith('manifest.jsonl'))).toBe(true);
  return entries;
}

describe('item 2: everything a run creates under DATA_DIR is owner-only', () => {
  it('files 0600 and directories 0700, database, audio and manifest alike', async () => {
    const entries = await runInto('private');
    const wrong = entries.filter((e) => e.mode !== (e.kind === 'dir' ? 0o700 : 0o600)).map(octal);
    expect(wrong).toEqual([]);
  }, 600_000);

  it('DATA_GROUP_READ=true: the group may read the audio and manifests, never the database', async () => {
    const entries = await runInto('group', { DATA_GROUP_READ: 'true' });
    const wrong: string[] = [];
    for (const e of entries) {
      if (e.rel === 'db' || e.rel.startsWith('db/')) {
        // The database directory is closed to the group; nothing inside is open to others either way.
        if (e.rel === 'db' ? e.mode !== 0o700 : (e.mode & 0o027) !== 0) wrong.push(octal(e));
      } else if (e.mode !== (e.kind === 'dir' ? 0o750 : 0o640)) {
        wrong.push(octal(e));
      }
    }
    expect(wrong).toEqual([]);
  }, 600_000);
});

describe('item 2: a DATA_DIR written by an earlier version is closed at the next start', () => {
  it('DATA_DIR itself becomes 0700, so files left 0644 inside are out of reach', async () => {
    const dataDir = path.join(root, 'earlier');
    await mkdir(path.join(dataDir, 'audio', DATE), { recursive: true, mode: 0o755 });
    await chmod(dataDir, 0o755);
    await writeFile(path.join(dataDir, 'audio', DATE, 'old.wav'), 'RIFF', { mode: 0o644 });
    const umask = process.umask();
    try {
      expect(await protectDataDir(dataDir, false)).toBeUndefined();
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      await writeFile(path.join(dataDir, 'new.txt'), 'x');
      expect((await stat(path.join(dataDir, 'new.txt'))).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });
});

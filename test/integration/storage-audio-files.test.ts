import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../src/lib/errors.js';
import {
  checkWritable,
  removeStaleTemps,
  verifyFile,
  writeAudioFile,
} from '../../src/storage/audio-files.js';
import { dayFolder } from '../../src/storage/day.js';
import { hostTag, type StaleRule } from '../../src/storage/temp-names.js';

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'audio-extract-storage-'));
  dir = dayFolder(path.join(root, 'audio'), '2024-01-31');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A body that yields `chunks` and then fails, like a socket reset mid-download. */
function brokenBody(chunks: Buffer[], error = new Error('socket hang up')): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < chunks.length) this.push(chunks[i++]);
      else this.destroy(error);
    },
  });
}

async function listing(d: string): Promise<string[]> {
  return existsSync(d) ? (await readdir(d)).sort() : [];
}

describe('writeAudioFile', () => {
  it('writes the file and reports its size and the real SHA-256', async () => {
    const data = randomBytes(300_000);
    const chunks = [data.subarray(0, 65536), data.subarray(65536, 200_000), data.subarray(200_000)];
    const out = await writeAudioFile({
      dir,
      fileName: 'c1_r1.ogg',
      body: Readable.from(chunks),
      expectedBytes: data.length,
    });
    expect(out).toEqual({ file: path.join(dir, 'c1_r1.ogg'), bytes: data.length, sha256: sha(data) });
    expect(path.isAbsolute(out.file)).toBe(true);
    expect((await readFile(out.file)).equals(data)).toBe(true);
    expect(await listing(dir)).toEqual(['c1_r1.ogg']);
  });

  it('leaves neither a .part nor a final file when the stream dies mid-way', async () => {
    const err = await writeAudioFile({
      dir,
      fileName: 'c1_r1.wav',
      body: brokenBody([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]),
      expectedBytes: 10_000,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
    expect((err as Error).message).toMatch(/c1_r1\.wav.*socket hang up/);
    expect(await listing(dir)).toEqual([]);
  });

  it('treats a premature close (destroyed without error) as truncated', async () => {
    let sent = false;
    const body = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(Buffer.alloc(10));
        } else this.destroy();
      },
    });
    const err = await writeAudioFile({ dir, fileName: 'c_r.wav', body }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
    expect(await listing(dir)).toEqual([]);
  });

  it('detects a body shorter or longer than Content-Length', async () => {
    for (const expectedBytes of [101, 99]) {
      const err = await writeAudioFile({
        dir,
        fileName: 'c_r.mp3',
        body: Readable.from([Buffer.alloc(100)]),
        expectedBytes,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
      expect((err as Error).message).toContain(`received 100 bytes, Content-Length said ${expectedBytes}`);
      expect(await listing(dir)).toEqual([]);
    }
  });

  it('is idempotent: rewriting identical content keeps the existing file untouched', async () => {
    const data = Buffer.from('same audio');
    const first = await writeAudioFile({ dir, fileName: 'c_r.ogg', body: Readable.from([data]) });
    const before = await stat(first.file);
    const second = await writeAudioFile({ dir, fileName: 'c_r.ogg', body: Readable.from([data]) });
    expect(second).toEqual(first);
    expect((await stat(first.file)).ino).toBe(before.ino);
    expect(await listing(dir)).toEqual(['c_r.ogg']);
  });

  it('replaces a different (e.g. corrupted) final file with the new content', async () => {
    await writeAudioFile({ dir, fileName: 'c_r.ogg', body: Readable.from([Buffer.from('old!')]) });
    const out = await writeAudioFile({ dir, fileName: 'c_r.ogg', body: Readable.from([Buffer.from('new')]) });
    expect(await readFile(out.file, 'utf8')).toBe('new');
  });

  it('two writers of the same file at once each write a .part of their own, and the file ends whole', async () => {
    await writeAudioFile({ dir, fileName: 'seed.bin', body: Readable.from([Buffer.from('x')]) });
    const data = randomBytes(512 * 1024);
    /** The recording in 16 KiB chunks, one every millisecond: both writers are in flight together. */
    const slow = () =>
      Readable.from(
        (async function* () {
          for (let i = 0; i < data.length; i += 16 * 1024) {
            await new Promise((r) => setTimeout(r, 1));
            yield data.subarray(i, i + 16 * 1024);
          }
        })(),
      );
    const writing = [slow(), slow()].map((body) => writeAudioFile({ dir, fileName: 'c_r.ogg', body }));
    await new Promise((r) => setTimeout(r, 20));
    const parts = (await listing(dir)).filter((f) => f.endsWith('.part'));
    expect(parts).toHaveLength(2);
    for (const p of parts)
      expect(p).toMatch(new RegExp(`^c_r\\.ogg\\.${hostTag()}-${process.pid}-[0-9a-f]{8}\\.part$`));
    const [a, b] = await Promise.all(writing);
    expect(a!.sha256).toBe(sha(data));
    expect(b!.sha256).toBe(sha(data));
    expect(await readFile(path.join(dir, 'c_r.ogg'))).toEqual(data);
    expect(await listing(dir)).toEqual(['c_r.ogg', 'seed.bin']);
  });

  it.each([['../x'], ['a/b'], ['']])('rejects the unsafe file name %j before touching disk', async (name) => {
    const err = await writeAudioFile({ dir, fileName: name, body: Readable.from([]) }).catch((e) => e);
    expect(err).toMatchObject({ code: 'UNSAFE_PATH' });
    expect(existsSync(dir)).toBe(false);
  });

  it('stops and cleans up when the caller aborts', async () => {
    const ac = new AbortController();
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(10));
    const pending = writeAudioFile({ dir, fileName: 'c_r.ogg', body, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('shutting down')), 20);
    await expect(pending).rejects.toThrow('shutting down');
    expect(await listing(dir)).toEqual([]);
  });

  it('reports DATA_DIR_NOT_WRITABLE when DATA_DIR sits under a regular file', async () => {
    const file = path.join(root, 'file.txt');
    await writeFile(file, 'not a directory');
    const err = await writeAudioFile({
      dir: dayFolder(path.join(file, 'sub', 'audio'), '2024-01-31'),
      fileName: 'c_r.ogg',
      body: Readable.from([Buffer.from('x')]),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err).toMatchObject({ code: 'DATA_DIR_NOT_WRITABLE' });
    expect((err as Error).message).toContain('DATA_DIR');
  });
});

describe('verifyFile', () => {
  it('trusts a file only with the same size and hash', async () => {
    const data = Buffer.from('recording');
    const { file, bytes, sha256 } = await writeAudioFile({
      dir,
      fileName: 'c_r.ogg',
      body: Readable.from([data]),
    });
    expect(await verifyFile(file, { bytes, sha256 })).toBe(true);
    expect(await verifyFile(file, { bytes: bytes + 1, sha256 })).toBe(false);
    expect(await verifyFile(file, { bytes, sha256: sha(Buffer.from('recordinG')) })).toBe(false);
    expect(await verifyFile(path.join(dir, 'missing.ogg'), { bytes, sha256 })).toBe(false);
  });
});

describe('removeStaleTemps', () => {
  // This machine is "aaaaaaaa", where only pid 111 runs; a file idle for over a minute is stale.
  const rule: StaleRule = { host: 'aaaaaaaa', alive: (pid) => pid === 111, idleMs: 60_000 };
  const OLD = (Date.now() - 120_000) / 1000;

  it('removes the temporary files of writers that are gone, and nothing a live writer or a reader needs', async () => {
    await writeAudioFile({ dir, fileName: 'keep.ogg', body: Readable.from([Buffer.from('k')]) });
    const files: [name: string, old: boolean, removed: boolean][] = [
      ['a.ogg.aaaaaaaa-222-0123abcd.part', false, true], // its writer here is gone
      ['b.ogg.aaaaaaaa-111-0123abcd.part', false, false], // its writer here runs
      ['c.ogg.aaaaaaaa-111-0123abcd.part', true, true], // runs, but idle too long (a reused pid)
      ['d.ogg.bbbbbbbb-222-0123abcd.part', false, false], // another machine's, still changing
      ['e.ogg.bbbbbbbb-222-0123abcd.part', true, true], // another machine's, idle too long
      ['f.wav.part', false, false], // no tag (an earlier version): only its age tells
      ['g.wav.part', true, true],
      ['manifest.jsonl.aaaaaaaa-222-0123abcd.tmp', false, true],
      ['manifest.csv.bbbbbbbb-222-0123abcd.tmp', false, false],
    ];
    for (const [name, old] of files) {
      await writeFile(path.join(dir, name), 'x');
      if (old) await utimes(path.join(dir, name), OLD, OLD);
    }
    await writeFile(path.join(dir, 'manifest.jsonl'), '');
    expect(await removeStaleTemps(dir, rule)).toEqual({ removed: 5, kept: 4 });
    const left = files.filter(([, , removed]) => !removed).map(([name]) => name);
    expect(await listing(dir)).toEqual(['keep.ogg', 'manifest.jsonl', ...left].sort());
  });
  it('counts nothing for a day directory that does not exist yet', async () => {
    expect(await removeStaleTemps(path.join(root, 'nope'), rule)).toEqual({ removed: 0, kept: 0 });
  });
});

describe('checkWritable', () => {
  it('creates DATA_DIR and leaves no probe behind', async () => {
    const dataDir = path.join(root, 'new', 'data');
    await checkWritable(dataDir);
    expect(await readdir(dataDir)).toEqual([]);
  });
  it('fails with a clear DATA_DIR_NOT_WRITABLE error when DATA_DIR cannot be a directory', async () => {
    const file = path.join(root, 'file.txt');
    await writeFile(file, 'x');
    const err = await checkWritable(path.join(file, 'sub')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err).toMatchObject({ code: 'DATA_DIR_NOT_WRITABLE' });
    expect((err as Error).message).toMatch(/DATA_DIR/);
    expect((err as Error).message).toContain(path.join(file, 'sub'));
  });
});

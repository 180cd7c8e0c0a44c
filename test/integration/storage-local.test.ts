// The local store through the storage interface (the file functions under it have their own tests in
// storage-audio-files, the day files in storage-day-files), and a disk that fills up mid-download on a
// real 1 MiB tmpfs.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import { EnvironmentError } from '../../src/lib/errors.js';
import { LocalStorage } from '../../src/storage/local.js';
import type { ManifestLine } from '../../src/storage/manifest.js';
import { openStorage } from '../../src/storage/storage.js';
import { hostTag } from '../../src/storage/temp-names.js';
import { deadPid } from '../support/processes.js';

const run = promisify(execFile);
const DAY = '2024-01-31';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ae-local-storage-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const listing = async (d: string) => (existsSync(d) ? (await readdir(d)).sort() : []);

describe('local store', () => {
  it('is the default: DATA_DIR/audio, one folder per day', async () => {
    const storage = await openStorage(parseConfig({ DATA_DIR: root }));
    expect(storage.kind).toBe('file');
    expect(storage.dayLocation(DAY)).toBe(path.join(root, 'audio', DAY));
    const other = await openStorage(parseConfig({ DATA_DIR: root, STORAGE_URL: `file://${root}/elsewhere` }));
    expect(other.dayLocation(DAY)).toBe(path.join(root, 'elsewhere', DAY));
    expect(other.url).toBe(`file://${root}/elsewhere`);
  });

  it('writes a recording, reports it, and does not rewrite an identical one', async () => {
    const storage = new LocalStorage(path.join(root, 'audio'));
    const data = randomBytes(100_000);
    const first = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c1_r1.ogg',
      body: Readable.from([data]),
    });
    const file = path.join(root, 'audio', DAY, 'c1_r1.ogg');
    expect(first).toEqual({
      fileName: 'c1_r1.ogg',
      bytes: data.length,
      sha256: sha(data),
      location: file,
      written: true,
    });
    const again = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c1_r1.ogg',
      body: Readable.from([data]),
    });
    expect(again.written).toBe(false);
    const changed = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c1_r1.ogg',
      body: Readable.from([Buffer.from('other')]),
    });
    expect(changed.written).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('other');
    expect(await storage.isComplete(DAY, 'c1_r1.ogg', { bytes: 5, sha256: sha(Buffer.from('other')) })).toBe(
      true,
    );
    expect(await storage.isComplete(DAY, 'c1_r1.ogg', { bytes: data.length, sha256: sha(data) })).toBe(false);
    expect(await storage.isComplete(DAY, 'missing.ogg', { bytes: 1, sha256: sha(data) })).toBe(false);
  });

  it("cleanup removes a killed process's .part files and half-written manifest, not a live writer's", async () => {
    const storage = new LocalStorage(path.join(root, 'audio'));
    const dir = storage.dayLocation(DAY);
    await mkdir(dir, { recursive: true });
    const dead = `${hostTag()}-${await deadPid()}-0123abcd`;
    const live = `${hostTag()}-${process.pid}-0123abcd`;
    await writeFile(path.join(dir, 'c1_r1.ogg'), 'done');
    await writeFile(path.join(dir, `c1_r2.ogg.${dead}.part`), 'half');
    await writeFile(path.join(dir, `manifest.jsonl.${dead}.tmp`), '{"half":');
    await writeFile(path.join(dir, `c1_r3.ogg.${live}.part`), 'being written');
    expect(await storage.cleanupDay(DAY)).toEqual({ partFiles: 2, uploads: 0, kept: 1 });
    expect(await listing(dir)).toEqual(['c1_r1.ogg', `c1_r3.ogg.${live}.part`]);
    expect(await storage.cleanupDay('2023-01-01')).toEqual({ partFiles: 0, uploads: 0, kept: 0 });
  });

  it('writes, reads back and serves the day files', async () => {
    const storage = new LocalStorage(path.join(root, 'audio'));
    const line: ManifestLine = {
      conversationId: 'c1',
      recordingId: 'r1',
      queueId: 'q',
      queueIds: ['q'],
      agentUserIds: [],
      conversationStart: '2024-01-31T10:00:00.000Z',
      conversationEnd: null,
      durationMs: null,
      direction: null,
      contentType: 'audio/ogg',
      file: 'c1_r1.ogg',
      bytes: 4,
      sha256: 'b'.repeat(64),
      status: 'downloaded',
      reason: null,
    };
    expect(await storage.openDayFile(DAY, 'manifest.jsonl')).toBeUndefined();
    const published = await storage.publishDay(DAY, [line]);
    expect(published).toEqual({
      manifest: path.join(root, 'audio', DAY, 'manifest.jsonl'),
      csv: path.join(root, 'audio', DAY, 'manifest.csv'),
      marker: path.join(root, 'audio', DAY, '_SUCCESS'),
      changed: true,
      lines: 1,
    });
    expect(await storage.readManifest(DAY)).toEqual([line]);
    for (const name of ['manifest.jsonl', 'manifest.csv', '_SUCCESS'] as const) {
      const file = await storage.openDayFile(DAY, name);
      const bytes = Buffer.concat(await file!.body.toArray());
      expect(file!.bytes).toBe(bytes.length);
    }
  });

  it('doctor: a writable root with its free space, and an unwritable one as one failed line', async () => {
    const ok = await new LocalStorage(path.join(root, 'audio')).check();
    expect(ok).toEqual([
      { name: 'storage', ok: true, detail: expect.stringMatching(/is writable \(\d.* free\)$/) },
    ]);
    await writeFile(path.join(root, 'a-file'), 'x');
    const bad = await new LocalStorage(path.join(root, 'a-file', 'audio')).check();
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({
      name: 'storage',
      ok: false,
      fix: expect.stringMatching(/writable directory/),
    });
  });
});

describe('local store on a disk that fills up (1 MiB tmpfs)', () => {
  let mountPoint: string | undefined;
  let whyNot = '';

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ae-tmpfs-'));
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
      mountPoint = dir;
    } catch (e) {
      whyNot = `cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): ${(e as Error).message.split('\n')[0]}`;
      await rm(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    if (!mountPoint) return;
    await run('umount', [mountPoint]).catch(() => {});
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('ends with one message naming the directory and the space needed, and leaves nothing that looks complete', async (ctx) => {
    if (!mountPoint) return ctx.skip(whyNot);
    const storage = new LocalStorage(path.join(mountPoint, 'audio'));
    const dir = storage.dayLocation(DAY);
    const kept = randomBytes(300_000);
    await storage.writeAudio({ processDate: DAY, fileName: 'c1_r1.ogg', body: Readable.from([kept]) });

    const big = randomBytes(900_000);
    const chunks = [big.subarray(0, 300_000), big.subarray(300_000, 600_000), big.subarray(600_000)];
    const err = await storage
      .writeAudio({
        processDate: DAY,
        fileName: 'c1_r2.wav',
        body: Readable.from(chunks),
        expectedBytes: big.length,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err).toMatchObject({ code: 'DISK_FULL' });
    const message = (err as Error).message;
    expect(message).toContain(`disk full writing ${dir}`);
    expect(message).toMatch(/c1_r2\.wav needs 900\.0 kB, \d+(\.\d)? (bytes|kB) free/);
    expect(message).toMatch(/free space there .* run again; finished files are kept/);
    // Nothing half-written is left, and what was complete before still is.
    expect(await listing(dir)).toEqual(['c1_r1.ogg']);
    expect(await storage.isComplete(DAY, 'c1_r1.ogg', { bytes: kept.length, sha256: sha(kept) })).toBe(true);

    // Once space is freed, the same download goes through.
    await rm(path.join(dir, 'c1_r1.ogg'));
    const out = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c1_r2.wav',
      body: Readable.from(chunks),
      expectedBytes: big.length,
    });
    expect(out).toMatchObject({ bytes: big.length, sha256: sha(big), written: true });
    expect(await listing(dir)).toEqual(['c1_r2.wav']);
  });

  it('a manifest that does not fit leaves the previous one', async (ctx) => {
    if (!mountPoint) return ctx.skip(whyNot);
    const storage = new LocalStorage(path.join(mountPoint, 'audio2'));
    const line = (i: number): ManifestLine => ({
      conversationId: `conv-${String(i).padStart(6, '0')}`,
      recordingId: 'r',
      queueId: 'q',
      queueIds: ['q'],
      agentUserIds: ['a'.repeat(200)],
      conversationStart: '2024-01-31T10:00:00.000Z',
      conversationEnd: null,
      durationMs: null,
      direction: null,
      contentType: null,
      file: null,
      bytes: null,
      sha256: null,
      status: 'pending',
      reason: 'x'.repeat(200),
    });
    await storage.publishDay(DAY, [line(0)]);
    const err = await storage
      .publishDay(
        DAY,
        Array.from({ length: 4000 }, (_, i) => line(i)),
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DISK_FULL' });
    expect((err as Error).message).toContain(storage.dayLocation(DAY));
    expect(await storage.readManifest(DAY)).toEqual([line(0)]);
    expect(await listing(storage.dayLocation(DAY))).toEqual(['_SUCCESS', 'manifest.csv', 'manifest.jsonl']);
    expect((await storage.readMarker(DAY))?.lines).toBe(1);
  });
});

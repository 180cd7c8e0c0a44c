// The S3 store against a real S3 server (s3rver behind the fault proxy, test/support), through the
// official AWS SDK: what is stored is what was downloaded, nothing incomplete is ever visible or left
// behind, faults on parts are retried, and a wrong setup ends with one clear error.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import { storageLocation } from '../../src/config/storage-url.js';
import { ConfigError, EnvironmentError } from '../../src/lib/errors.js';
import type { ManifestLine } from '../../src/storage/manifest.js';
import { S3Storage } from '../../src/storage/s3/storage.js';
import { openStorage } from '../../src/storage/storage.js';
import { hostTag } from '../../src/storage/temp-names.js';
import { deadPid } from '../support/processes.js';
import { type LocalS3, startLocalS3 } from '../support/s3-server.js';

const MiB = 1024 * 1024;
const DAY = '2024-01-31';
const BUCKET = 'recordings';
/** A prefix of its own for each test, so tests never see each other's objects. */
let PREFIX = 'audio-extract/t0';
let testNumber = 0;
/** The smallest part S3 accepts, so multipart tests move as few bytes as possible. */
const TUNING = { partSize: 5 * MiB, queueSize: 2 };

let s3: LocalS3;
let raw: S3Client;

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: [BUCKET, 'other-bucket'], region: 'eu-west-1' });
  raw = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});
afterAll(async () => {
  raw?.destroy();
  await s3?.close();
});

function useEnv(env: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
}

beforeEach(() => {
  PREFIX = `audio-extract/t${++testNumber}`;
  useEnv(s3.env(BUCKET, PREFIX));
  s3.proxy.faults.length = 0;
  s3.proxy.maxFaultsPerRequest = Number.POSITIVE_INFINITY;
  s3.proxy.journal.length = 0;
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const opened: S3Storage[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

/** The store audio-extract would open for `env` (on top of the server's), with small parts. */
function storageFor(env: Record<string, string> = {}, idleMs?: number): S3Storage {
  const config = parseConfig({ ...s3.env(BUCKET, PREFIX), ...env });
  const location = storageLocation(config);
  if (location.kind !== 's3') throw new Error('expected an s3 location');
  const storage = new S3Storage({
    location,
    url: config.STORAGE_URL!,
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    timeoutMs: 10_000,
    tuning: TUNING,
    idleMs,
  });
  opened.push(storage);
  return storage;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const key = (file: string, day = DAY) => `${PREFIX}/${day}/${file}`;

/** `data` as a download would deliver it: 64 KiB socket chunks. */
function chunked(data: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 64 * 1024) chunks.push(data.subarray(i, i + 64 * 1024));
  return Readable.from(chunks);
}

/** A download that delivers `bytes` and then breaks, like a reset socket. */
function brokenAfter(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        this.destroy(new Error('socket hang up'));
        return;
      }
      const n = Math.min(256 * 1024, bytes - sent);
      sent += n;
      this.push(randomBytes(n));
    },
  });
}

async function objectBytes(k: string): Promise<Buffer | undefined> {
  try {
    const got = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: k }));
    return Buffer.from(await got.Body!.transformToByteArray());
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

async function incompleteUploads(prefix = `${PREFIX}/`): Promise<string[]> {
  const listed = await raw.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Uploads ?? []).map((u) => u.Key!);
}

/**
 * How `p` failed, exactly as it was rejected (`.catch((e) => e)` would unwrap a rejected thenable and
 * hide a store that throws a Promise instead of an error).
 */
async function settle(p: Promise<unknown>): Promise<{ error: unknown }> {
  return p.then(
    () => ({ error: undefined }),
    (error: unknown) => ({ error }),
  );
}

const operations = () => s3.proxy.journal.map((j) => j.operation);

describe('S3 store: writing a recording', () => {
  it('stores a recording of one part as one PutObject: same bytes, sha256 as metadata', async () => {
    const storage = storageFor();
    const data = randomBytes(1_200_000);
    const out = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c1_r1.ogg',
      body: chunked(data),
      expectedBytes: data.length,
      contentType: 'audio/ogg',
    });
    const ops = operations();
    expect(out).toEqual({
      fileName: 'c1_r1.ogg',
      bytes: data.length,
      sha256: sha(data),
      written: true,
      location: `s3://${BUCKET}/${key('c1_r1.ogg')}`,
    });
    expect(sha((await objectBytes(key('c1_r1.ogg')))!)).toBe(sha(data));
    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key('c1_r1.ogg') }));
    expect(head.Metadata).toEqual({ sha256: sha(data) });
    expect(head.ContentType).toBe('audio/ogg');
    expect(ops).toEqual(['HeadObject', 'PutObject']);
  });

  it('streams a long recording through a multipart upload, then makes it visible with its sha256', async () => {
    const storage = storageFor();
    const data = randomBytes(12 * MiB + 12345);
    const out = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c1_r2.wav',
      body: chunked(data),
      expectedBytes: data.length,
    });
    const ops = operations();
    expect(out).toMatchObject({ bytes: data.length, sha256: sha(data), written: true });
    expect(sha((await objectBytes(key('c1_r2.wav')))!)).toBe(sha(data));
    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key('c1_r2.wav') }));
    expect(head.Metadata).toEqual({ sha256: sha(data) });
    expect(ops.filter((o) => o === 'UploadPart')).toHaveLength(3);
    // The final key is written once, by the copy, after the whole upload was checked.
    expect(ops.slice(ops.indexOf('CompleteMultipartUpload'))).toEqual([
      'CompleteMultipartUpload',
      'HeadObject',
      'CopyObject',
      'DeleteObject',
    ]);
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([key('c1_r2.wav')]);
    expect(await incompleteUploads()).toEqual([]);
  });

  it('the store STORAGE_URL names is the S3 one (openStorage), and it says where a day is', async () => {
    const storage = await openStorage(parseConfig(s3.env(BUCKET, PREFIX)));
    try {
      expect(storage.kind).toBe('s3');
      expect(storage.url).toBe(`s3://${BUCKET}/${PREFIX}`);
      expect(storage.dayLocation(DAY)).toBe(`s3://${BUCKET}/${PREFIX}/${DAY}/`);
      await storage.checkWritable();
    } finally {
      await storage.close();
    }
  });
});

describe('S3 store: interrupted uploads leave nothing', () => {
  it('a download that breaks after some parts: the upload is aborted, no object, no incomplete upload', async () => {
    const storage = storageFor();
    const { error: err } = await settle(
      storage.writeAudio({
        processDate: DAY,
        fileName: 'c2_r1.wav',
        body: brokenAfter(11 * MiB),
        expectedBytes: 20 * MiB,
      }),
    );
    expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
    expect((err as Error).message).toMatch(/c2_r1\.wav.*socket hang up/);
    expect(operations()).toContain('UploadPart');
    expect(operations()).toContain('AbortMultipartUpload');
    expect(operations()).not.toContain('CompleteMultipartUpload');
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([]);
    expect(await incompleteUploads()).toEqual([]);
  });

  it('a download that breaks within the first part sends nothing at all', async () => {
    const storage = storageFor();
    const { error: err } = await settle(
      storage.writeAudio({
        processDate: DAY,
        fileName: 'c2_r2.ogg',
        body: brokenAfter(300_000),
        expectedBytes: 1_000_000,
      }),
    );
    expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
    expect(operations()).toEqual([]);
  });

  it('fewer bytes than Content-Length: truncated, and the multipart upload is aborted before it completes', async () => {
    const storage = storageFor();
    const data = randomBytes(11 * MiB);
    const { error: err } = await settle(
      storage.writeAudio({
        processDate: DAY,
        fileName: 'c2_r3.wav',
        body: chunked(data),
        expectedBytes: data.length + 1,
      }),
    );
    expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
    expect((err as Error).message).toMatch(/received 11534336 bytes, Content-Length said 11534337/);
    expect(operations()).not.toContain('CompleteMultipartUpload');
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([]);
    expect(await incompleteUploads()).toEqual([]);
  });

  it('an abort (SIGINT/SIGTERM) stops the upload and removes it', async () => {
    const storage = storageFor();
    const controller = new AbortController();
    let sent = 0;
    const body = new Readable({
      read() {
        sent += MiB;
        if (sent === 8 * MiB) setTimeout(() => controller.abort(new Error('interrupted')), 20);
        setTimeout(() => this.push(randomBytes(MiB)), 5);
      },
    });
    const { error: err } = await settle(
      storage.writeAudio({ processDate: DAY, fileName: 'c2_r4.wav', body, signal: controller.signal }),
    );
    expect((err as Error).message).toBe('interrupted');
    expect(body.destroyed).toBe(true);
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([]);
    expect(await incompleteUploads()).toEqual([]);
  });

  it("a writer's incomplete upload is left alone while it runs, and aborted by the next cleanup once it is killed", async () => {
    const storage = storageFor();
    // A finished recording of the day, and an incomplete upload of another day, must both survive.
    const kept = randomBytes(1000);
    await storage.writeAudio({ processDate: DAY, fileName: 'c3_r0.ogg', body: Readable.from([kept]) });
    const other = await raw.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key('c3_r9.ogg', '2024-01-30'), Body: Buffer.from('x') }),
    );
    expect(other.$metadata.httpStatusCode).toBe(200);
    await raw.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key('other-day.wav', '2024-01-30') }),
    );

    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/s3-write-child.ts'], {
      env: { ...process.env, ...s3.env(BUCKET, PREFIX), WRITE_DATE: DAY, WRITE_FILE: 'c3_r1.wav' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // Killed once two parts are stored: the upload is then neither complete nor aborted.
    const deadline = Date.now() + 30_000;
    while (
      s3.proxy.journal.filter(
        (j) => j.operation === 'UploadPart' && j.status === 200 && j.key.includes('c3_r1'),
      ).length < 2
    ) {
      if (Date.now() > deadline) throw new Error(`the child never uploaded two parts: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Its staging key names it: this machine, its pid, a nonce of its own.
    const staging = new RegExp(
      `^${PREFIX}/${DAY}/\\.incomplete/c3_r1\\.wav\\.${hostTag()}-${child.pid}-[0-9a-f]{8}$`,
    );
    expect(await incompleteUploads(`${PREFIX}/${DAY}/`)).toEqual([expect.stringMatching(staging)]);
    // Another run of the day starting now (a restarted coordinator) leaves a live writer's upload alone.
    expect(await storageFor().cleanupDay(DAY)).toEqual({ partFiles: 0, uploads: 0, kept: 1 });
    expect(await incompleteUploads(`${PREFIX}/${DAY}/`)).toHaveLength(1);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await incompleteUploads(`${PREFIX}/${DAY}/`)).toEqual([expect.stringMatching(staging)]);

    const cleaned = await storageFor().cleanupDay(DAY);
    expect(cleaned).toEqual({ partFiles: 0, uploads: 1, kept: 0 });
    expect(await incompleteUploads(`${PREFIX}/${DAY}/`)).toEqual([]);
    expect(await incompleteUploads(`${PREFIX}/2024-01-30/`)).toEqual([key('other-day.wav', '2024-01-30')]);
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([key('c3_r0.ogg')]);
    expect(await objectBytes(key('c3_r0.ogg'))).toEqual(kept);
  });

  it('cleanup removes a long recording a dead writer left between its upload and its copy, not the finished files', async () => {
    const storage = storageFor();
    const dead = `${hostTag()}-${await deadPid()}-0123abcd`;
    const elsewhere = 'bbbbbbbb-4242-0123abcd';
    for (const name of [`c4_r1.wav.${dead}`, `c4_r2.wav.${elsewhere}`, 'c4_r3.wav']) {
      await raw.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key(`.incomplete/${name}`), Body: Buffer.alloc(10) }),
      );
    }
    await storage.writeAudio({
      processDate: DAY,
      fileName: 'c4_r0.ogg',
      body: Readable.from([Buffer.from('a')]),
    });
    // Another machine's, and one without a tag (an earlier version), are fresh: only their age can tell.
    expect(await storage.cleanupDay(DAY)).toEqual({ partFiles: 1, uploads: 0, kept: 2 });
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([
      key(`.incomplete/c4_r2.wav.${elsewhere}`),
      key('.incomplete/c4_r3.wav'),
      key('c4_r0.ogg'),
    ]);
    await new Promise((r) => setTimeout(r, 1100)); // S3's LastModified has whole seconds
    expect(await storageFor({}, 1000).cleanupDay(DAY)).toEqual({ partFiles: 2, uploads: 0, kept: 0 });
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([key('c4_r0.ogg')]);
    expect(await storage.cleanupDay('2023-12-31')).toEqual({ partFiles: 0, uploads: 0, kept: 0 });
  });

  it("another machine's upload is kept while it keeps receiving parts, and aborted once idle too long", async () => {
    const staging = key('.incomplete/c5_r1.wav.bbbbbbbb-4242-0123abcd');
    const { UploadId } = await raw.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: staging }));
    await new Promise((r) => setTimeout(r, 2200));
    await raw.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: staging,
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(100),
      }),
    );
    // Started more than 2 s ago, but its last part is fresh: asked for (ListParts), and kept.
    s3.proxy.journal.length = 0;
    expect(await storageFor({}, 2000).cleanupDay(DAY)).toEqual({ partFiles: 0, uploads: 0, kept: 1 });
    expect(operations()).toContain('ListParts');
    await new Promise((r) => setTimeout(r, 2200));
    expect(await storageFor({}, 2000).cleanupDay(DAY)).toEqual({ partFiles: 0, uploads: 1, kept: 0 });
    expect(await incompleteUploads()).toEqual([]);
  });
});

describe('S3 store: faults on the way are retried', () => {
  it('500, SlowDown and a dropped connection on some parts: retried, every byte right', async () => {
    const storage = storageFor();
    // Each request fails at most twice, so the SDK's third attempt (its default) gets through.
    s3.proxy.faults.push(
      { operation: 'UploadPart', keyIncludes: 'c5_r0', partNumber: 1, fault: 'internal-error', nth: [1] },
      { operation: 'UploadPart', keyIncludes: 'c5_r0', partNumber: 2, fault: 'slow-down', nth: [1] },
      { operation: 'UploadPart', keyIncludes: 'c5_r2', partNumber: 2, fault: 'drop', nth: [1] },
      { operation: 'UploadPart', keyIncludes: 'c5_r2', partNumber: 3, fault: 'internal-error', nth: [1, 2] },
      { operation: 'PutObject', keyIncludes: 'c5_r1', fault: 'drop', nth: [1] },
      { operation: 'PutObject', keyIncludes: 'c5_r1', fault: 'slow-down', nth: [2] },
      { operation: 'CompleteMultipartUpload', keyIncludes: 'c5_r0', fault: 'internal-error', nth: [1] },
    );
    const files = [randomBytes(11 * MiB), randomBytes(2 * MiB), randomBytes(10 * MiB + 1)];
    const out = await Promise.all(
      files.map((data, i) =>
        storage.writeAudio({
          processDate: DAY,
          fileName: `c5_r${i}.wav`,
          body: chunked(data),
          expectedBytes: data.length,
        }),
      ),
    );
    for (const [i, data] of files.entries()) {
      expect(out[i]).toMatchObject({ bytes: data.length, sha256: sha(data) });
      expect(sha((await objectBytes(key(`c5_r${i}.wav`)))!)).toBe(sha(data));
    }
    const faults = s3.proxy.journal.filter((j) => j.fault).map((j) => `${j.operation} ${j.fault}`);
    expect(faults.sort()).toEqual(
      [
        'UploadPart internal-error',
        'UploadPart internal-error',
        'UploadPart internal-error',
        'UploadPart slow-down',
        'UploadPart drop',
        'PutObject drop',
        'PutObject slow-down',
        'CompleteMultipartUpload internal-error',
      ].sort(),
    );
    expect(await incompleteUploads()).toEqual([]);
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual(files.map((_, i) => key(`c5_r${i}.wav`)));
  });

  it('(the test proxy) a hit due on a request that had its faults goes to the next one', async () => {
    const storage = storageFor();
    s3.proxy.maxFaultsPerRequest = 2;
    s3.proxy.faults.push({ operation: 'PutObject', fault: 'internal-error', nth: [1, 2, 3] });
    const small = (i: number) => ({
      processDate: DAY,
      fileName: `c6_r${i}.wav`,
      body: chunked(randomBytes(1000)),
      expectedBytes: 1000,
    });
    await storage.writeAudio(small(0));
    await storage.writeAudio(small(1));
    const puts = s3.proxy.journal
      .filter((j) => j.operation === 'PutObject')
      .map((j) => `${j.key.split('/').pop()} ${j.fault ?? j.status}`);
    expect(puts).toEqual([
      'c6_r0.wav internal-error',
      'c6_r0.wav internal-error',
      'c6_r0.wav 200',
      'c6_r1.wav internal-error',
      'c6_r1.wav 200',
    ]);
  });

  it('a server that keeps failing ends in one clear error, and nothing incomplete stays', async () => {
    const storage = storageFor();
    s3.proxy.faults.push({ operation: 'UploadPart', fault: 'slow-down' });
    const { error: err } = await settle(
      storage.writeAudio({ processDate: DAY, fileName: 'c6_r1.wav', body: chunked(randomBytes(11 * MiB)) }),
    );
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/503 SlowDown after 3 attempts.*run again later/);
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([]);
    expect(await incompleteUploads()).toEqual([]);
  });
});

describe('S3 store: resume and idempotency', () => {
  it('a recording already complete with the right sha256 is not uploaded again', async () => {
    const storage = storageFor();
    const small = randomBytes(2000);
    const long = randomBytes(11 * MiB);
    await storage.writeAudio({ processDate: DAY, fileName: 'c7_r1.ogg', body: Readable.from([small]) });
    await storage.writeAudio({ processDate: DAY, fileName: 'c7_r2.wav', body: chunked(long) });
    s3.proxy.journal.length = 0;

    const again = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c7_r1.ogg',
      body: Readable.from([small]),
    });
    expect(again).toMatchObject({ written: false, sha256: sha(small) });
    expect(operations()).toEqual(['HeadObject']);

    s3.proxy.journal.length = 0;
    const againLong = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c7_r2.wav',
      body: chunked(long),
    });
    expect(againLong).toMatchObject({ written: false, sha256: sha(long) });
    expect(operations()).not.toContain('CopyObject');
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual([key('c7_r1.ogg'), key('c7_r2.wav')]);

    expect(await storage.isComplete(DAY, 'c7_r1.ogg', { bytes: small.length, sha256: sha(small) })).toBe(
      true,
    );
    expect(await storage.isComplete(DAY, 'c7_r2.wav', { bytes: long.length, sha256: sha(long) })).toBe(true);
    expect(await storage.isComplete(DAY, 'c7_r1.ogg', { bytes: small.length, sha256: sha(long) })).toBe(
      false,
    );
    expect(await storage.isComplete(DAY, 'c7_r1.ogg', { bytes: small.length + 1, sha256: sha(small) })).toBe(
      false,
    );
    expect(await storage.isComplete(DAY, 'missing.ogg', { bytes: 1, sha256: sha(small) })).toBe(false);
  });

  it('different bytes under the same name replace the object; one without our metadata is not trusted', async () => {
    const storage = storageFor();
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: key('c8_r1.ogg'), Body: Buffer.from('old') }));
    expect(await storage.isComplete(DAY, 'c8_r1.ogg', { bytes: 3, sha256: sha(Buffer.from('old')) })).toBe(
      false,
    );
    const data = Buffer.from('new bytes');
    const out = await storage.writeAudio({
      processDate: DAY,
      fileName: 'c8_r1.ogg',
      body: Readable.from([data]),
    });
    expect(out.written).toBe(true);
    expect(await objectBytes(key('c8_r1.ogg'))).toEqual(data);
  });
});

describe('S3 store: the manifest', () => {
  const line = (i: number, over: Partial<ManifestLine> = {}): ManifestLine => ({
    conversationId: `conv-${String(i).padStart(6, '0')}`,
    recordingId: `rec-${i}`,
    queueId: 'q1',
    queueIds: ['q1'],
    agentUserIds: ['agent-1'],
    conversationStart: `2024-01-31T10:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}:00.000Z`,
    conversationEnd: '2024-01-31T11:00:00.000Z',
    durationMs: 60_000,
    direction: 'inbound',
    contentType: 'audio/ogg',
    file: `conv-${i}_rec-${i}.ogg`,
    bytes: 1234,
    sha256: 'a'.repeat(64),
    status: 'downloaded',
    reason: null,
    ...over,
  });

  it('is written beside the audio, read back, and served as a stream with its size', async () => {
    const storage = storageFor();
    const lines = [
      line(1),
      line(2),
      line(3, { status: 'failed', file: null, bytes: null, sha256: null, reason: 'x' }),
    ];
    const published = await storage.publishDay(DAY, lines);
    expect(published).toMatchObject({
      manifest: `s3://${BUCKET}/${key('manifest.jsonl')}`,
      csv: `s3://${BUCKET}/${key('manifest.csv')}`,
      marker: `s3://${BUCKET}/${key('_SUCCESS')}`,
    });
    expect(await storage.readManifest(DAY)).toEqual(lines);
    const file = await storage.openDayFile(DAY, 'manifest.jsonl');
    const text = Buffer.concat(await file!.body.toArray()).toString('utf8');
    expect(file!.bytes).toBe(Buffer.byteLength(text));
    expect(text.trim().split('\n')).toHaveLength(3);
    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key('manifest.jsonl') }));
    expect(head.Metadata).toEqual({ sha256: sha(Buffer.from(text)) });
    expect(await storage.readManifest('2024-01-01')).toEqual([]);
    expect(await storage.openDayFile('2024-01-01', 'manifest.jsonl')).toBeUndefined();
  });

  it('is replaced atomically: a bad line half-way through a multipart manifest leaves the old one', async () => {
    const storage = storageFor();
    await storage.publishDay(DAY, [line(1)]);
    s3.proxy.journal.length = 0;
    // ~7 MB of lines: the first part is uploaded before the bad line comes.
    async function* lines(): AsyncGenerator<ManifestLine> {
      for (let i = 0; i < 20_000; i++) yield line(i);
      yield line(20_000, { status: 'bogus' as never });
    }
    const { error: err } = await settle(storage.publishDay(DAY, lines()));
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID' });
    expect(operations()).toContain('UploadPart');
    expect(operations()).toContain('AbortMultipartUpload');
    expect(await storage.readManifest(DAY)).toEqual([line(1)]);
    expect(await incompleteUploads()).toEqual([]);
    expect(await keysUnder(`${PREFIX}/${DAY}/`)).toEqual(
      ['_SUCCESS', 'manifest.csv', 'manifest.jsonl'].map((f) => key(f)),
    );

    async function* good(): AsyncGenerator<ManifestLine> {
      for (let i = 0; i < 20_000; i++) yield line(i);
    }
    await storage.publishDay(DAY, good());
    const back = await storage.readManifest(DAY);
    expect(back).toHaveLength(20_000);
    expect(back[19_999]).toEqual(line(19_999));
  });
});

describe('S3 store: a wrong setup ends with one clear error', () => {
  const secret = 'wrong-secret-never-printed-1234';

  async function failure(storage: S3Storage): Promise<Error[]> {
    const errors: Error[] = [];
    errors.push((await settle(storage.checkWritable())).error as Error);
    const write = storage.writeAudio({
      processDate: DAY,
      fileName: 'c9_r1.ogg',
      body: Readable.from([Buffer.from('x')]),
    });
    errors.push((await settle(write)).error as Error);
    return errors;
  }

  it('a wrong secret key: ConfigError naming AWS_SECRET_ACCESS_KEY, without the key or the secret', async () => {
    useEnv({ AWS_SECRET_ACCESS_KEY: secret });
    for (const err of await failure(storageFor())) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(/SignatureDoesNotMatch.*AWS_SECRET_ACCESS_KEY/);
      expect(err.message).not.toContain(secret);
      expect(err.message).not.toContain('S3RVER');
      expect(err.cause).toBeUndefined();
    }
  });

  it('an unknown access key: ConfigError naming AWS_ACCESS_KEY_ID', async () => {
    useEnv({ AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1' });
    for (const err of await failure(storageFor())) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(/InvalidAccessKeyId.*AWS_ACCESS_KEY_ID/);
      expect(err.message).not.toContain('AKIAWRONGWRONGWRONG1');
    }
  });

  it('no credentials at all: ConfigError naming the standard variables', async () => {
    useEnv({
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_PROFILE: 'none-such-profile',
    });
    for (const err of await failure(storageFor())) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(/no AWS credentials found.*AWS_ACCESS_KEY_ID.*AWS_PROFILE/);
    }
  });

  it('a missing bucket: ConfigError naming the bucket and STORAGE_URL', async () => {
    for (const err of await failure(storageFor({ STORAGE_URL: 's3://no-such-bucket/x' }))) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(
        /bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+.*STORAGE_URL/,
      );
    }
  });

  it('the wrong region: ConfigError naming the right S3_REGION', async () => {
    for (const err of await failure(storageFor({ S3_REGION: 'us-west-2' }))) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(/is in region eu-west-1.*set S3_REGION=eu-west-1/);
    }
  });

  it('an endpoint nobody listens on: EnvironmentError naming S3_ENDPOINT', async () => {
    useEnv({ AWS_MAX_ATTEMPTS: '1' });
    for (const err of await failure(storageFor({ S3_ENDPOINT: 'http://127.0.0.1:9' }))) {
      expect(err).toBeInstanceOf(EnvironmentError);
      expect(err).toMatchObject({ code: 'STORAGE_UNREACHABLE' });
      expect(err.message).toMatch(/cannot reach S3 at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED.*S3_ENDPOINT/);
    }
  });
});

describe('S3 store: doctor checks', () => {
  it('a good setup: bucket, region, write probe (deleted again) and cleanup permission', async () => {
    const checks = await storageFor().check();
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['storage', true],
      ['storage region', true],
      ['storage write', true],
      ['storage cleanup', true],
    ]);
    expect(operations()).toContain('DeleteObject');
    expect(await keysUnder(PREFIX)).not.toContainEqual(expect.stringContaining('probe'));
  });

  it('one line per failure: a missing bucket, a wrong region', async () => {
    const missing = await storageFor({ STORAGE_URL: 's3://no-such-bucket' }).check();
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ name: 'storage', ok: false });
    expect(missing[0]!.detail).toMatch(/bucket "no-such-bucket" does not exist/);
    const region = await storageFor({ S3_REGION: 'ap-south-1' }).check();
    expect(region).toHaveLength(1);
    expect(region[0]).toMatchObject({ name: 'storage region', ok: false });
    expect(region[0]!.detail).toMatch(/set S3_REGION=eu-west-1/);
  });
});

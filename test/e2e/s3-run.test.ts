// The daily run into S3 (STORAGE_URL=s3://…): the CLI as a subprocess, against the emulator and a local S3
// server (s3rver behind the fault proxy, test/support/s3-server.ts) over real sockets. What a user would
// notice if these failed: a recording missing from the bucket or with other bytes, a manifest that does
// not match the objects, a fault of the S3 server losing a recording, or a wrong bucket or credentials
// that leave the day half-recorded instead of one clear error.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics/index.js';
import { openStorage } from '../../src/storage/index.js';
import { openDb } from '../../src/store/db.js';
import { emulatorEnv, errorsLogged, runCli, sha256 } from '../support/cli.js';
import { dataDirTemplate, freshDataDir, snapshotDb } from '../support/data-dirs.js';
import { expectedRecordings, pastWeekday } from '../support/expected.js';
import { readManifestCsv } from '../support/manifest-csv.js';
import { type BucketReader, bucketReader } from '../support/s3-bucket.js';
import { type LocalS3, S3_SECRET_ACCESS_KEY, startLocalS3 } from '../support/s3-server.js';

const DATE = pastWeekday(4);
const BUCKET = 'recordings';
const MiB = 1024 * 1024;
/** A hang guard, not a time limit: a CLI start-up takes from 1 s to over a minute on a loaded machine. */
const SLOW = 10 * 60_000;

let emu: Emulator;
let s3: LocalS3;
let bucket: BucketReader;
let template: string;
const dirs: string[] = [];

beforeAll(async () => {
  // Recordings from 0.1 to 12 MiB: most go as one PutObject, the longer ones (over the 8 MiB part
  // size) through a multipart upload and a copy.
  emu = await buildEmulator({
    seed: 41,
    conversationsPerDay: 24,
    ratePerMinute: 100_000,
    batchJobDurationMs: { min: 100, max: 400 },
    audioBytes: { min: 100_000, max: 12 * MiB },
  });
  s3 = await startLocalS3({ buckets: [BUCKET] });
  bucket = bucketReader(s3, BUCKET);
  template = await dataDirTemplate();
}, 5 * 60_000);

afterAll(async () => {
  bucket?.close();
  await emu?.close();
  await s3?.close();
  await Promise.all([template, ...dirs].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

async function newDataDir(): Promise<string> {
  const d = await freshDataDir('ae-s3-run-', template);
  dirs.push(d);
  return d;
}

function env(dataDir: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return emulatorEnv(emu, dataDir, {
    GENESYS_QUEUE_IDS: emu.queueIds.slice(0, 2).join(','),
    BATCH_SIZE: '10',
    ...s3.env(BUCKET, prefix),
    ...extra,
  });
}

const objectBytes = (key: string) => bucket.bytes(key);

/** Every downloadable recording of the day is in the bucket once, right, and nothing is left half-done. */
async function expectDayInBucket(prefix: string): Promise<number> {
  const queues = emu.queueIds.slice(0, 2);
  expect(await bucket.dayProblems(emu, prefix, DATE, queues)).toEqual([]);
  return expectedRecordings(emu, DATE, queues).downloadable.size;
}

describe('run with STORAGE_URL=s3://…', () => {
  const prefix = 'full-run';
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await newDataDir();
    s3.proxy.journal.length = 0;
  });

  it(
    'puts every recording into the bucket with the emulator bytes, then the manifest, its CSV and _SUCCESS',
    async () => {
      const res = await runCli(['run', '--date', DATE], env(dataDir, prefix));
      expect(res.stderrText).toBe('');
      expect(res.code).toBe(0);
      const day = `${prefix}/${DATE}/`;
      expect(res.stdout).toContain(`manifest: s3://${BUCKET}/${day}manifest.jsonl`);
      const downloadable = await expectDayInBucket(prefix);
      expect(downloadable).toBeGreaterThan(10);
      // Some went through a multipart upload of a staging key and a copy, the rest as one PutObject.
      const journal = s3.proxy.journal;
      expect(journal.some((j) => j.operation === 'UploadPart' && j.key.includes('/.incomplete/'))).toBe(true);
      expect(journal.filter((j) => j.operation === 'CopyObject').length).toBeGreaterThan(0);
      // Nothing of the audio on local disk.
      expect(existsSync(path.join(dataDir, 'audio'))).toBe(false);

      // The day files: the manifest lists each object with its sha256; the CSV reads back to it; the marker
      // names both and was written after every other object of the day.
      const manifest = await objectBytes(`${day}manifest.jsonl`);
      const csv = await objectBytes(`${day}manifest.csv`);
      const lines = manifest
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const downloaded = lines.filter((l) => l.status === 'downloaded');
      expect(downloaded).toHaveLength(downloadable);
      for (const l of downloaded) expect(sha256(await objectBytes(`${day}${l.file}`))).toBe(l.sha256);
      expect(readManifestCsv(csv).lines).toEqual(lines);
      const marker = JSON.parse((await objectBytes(`${day}_SUCCESS`)).toString('utf8'));
      expect(marker.files).toEqual({
        'manifest.jsonl': { bytes: manifest.length, sha256: sha256(manifest) },
        'manifest.csv': { bytes: csv.length, sha256: sha256(csv) },
      });
      const writes = journal.filter(
        (j) =>
          j.key.startsWith(day) &&
          ['PutObject', 'CopyObject', 'CompleteMultipartUpload'].includes(j.operation),
      );
      expect(writes.at(-1)?.key).toBe(`${day}_SUCCESS`);
      const manifestAt = writes.findIndex((j) => j.key === `${day}manifest.jsonl`);
      const csvAt = writes.findIndex((j) => j.key === `${day}manifest.csv`);
      expect(manifestAt).toBeGreaterThan(-1);
      expect(csvAt).toBeGreaterThan(manifestAt);
      for (const j of writes.slice(manifestAt + 1)) expect(j.key).toMatch(/manifest\.csv$|_SUCCESS$/);
    },
    SLOW,
  );

  it(
    'status and the API say where the day is, and the API serves the manifest from the bucket',
    async () => {
      const status = await runCli(['status', '--date', DATE], env(dataDir, prefix));
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`${DATE} files: s3://${BUCKET}/${prefix}/${DATE}/`);
      const json = await runCli(['status', '--date', DATE, '--json'], env(dataDir, prefix));
      expect(JSON.parse(json.stdout).days).toEqual([
        { processDate: DATE, location: `s3://${BUCKET}/${prefix}/${DATE}/` },
      ]);

      const config = parseConfig(env(dataDir, prefix));
      // In this process the SDK reads the credentials from the environment, as it does in `serve`.
      for (const [k, v] of Object.entries(s3.env(BUCKET, prefix))) vi.stubEnv(k, v);
      const storage = await openStorage(config);
      const store = await openDb({ dataDir });
      const app = await buildApp({
        config,
        db: store.db,
        storage,
        ping: async () => {},
        startDays: async () => [],
        metrics: createMetrics({ db: store.db, processMetrics: false }),
        logger: pino({ level: 'silent' }),
      });
      try {
        const manifest = await app.inject(`/api/days/${DATE}/manifest`);
        expect(manifest.statusCode, manifest.body).toBe(200);
        expect(manifest.rawPayload.equals(await objectBytes(`${prefix}/${DATE}/manifest.jsonl`))).toBe(true);
        expect(Number(manifest.headers['content-length'])).toBe(manifest.rawPayload.length);
        const csv = await app.inject(`/api/days/${DATE}/manifest.csv`);
        expect(csv.rawPayload.equals(await objectBytes(`${prefix}/${DATE}/manifest.csv`))).toBe(true);
        const queue = emu.queueIds[0]!;
        const run = await app.inject(`/api/runs/${DATE}/${queue}`);
        expect(run.json().location).toBe(`s3://${BUCKET}/${prefix}/${DATE}/`);
        expect((await app.inject('/api/days/2020-01-01/manifest')).statusCode).toBe(404);
        // Credentials gone: 503 without the details, which go to the log.
        vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-the-secret-0123456789');
        const refused = await buildApp({
          config,
          db: store.db,
          storage: await openStorage(config),
          ping: async () => {},
          startDays: async () => [],
          metrics: createMetrics({ db: store.db, processMetrics: false }),
          logger: pino({ level: 'silent' }),
        });
        const failed = await refused.inject(`/api/days/${DATE}/manifest`);
        await refused.close();
        expect(failed.statusCode).toBe(503);
        expect(failed.json().error.code).toBe('STORAGE_UNAVAILABLE');
        expect(failed.body).not.toMatch(/AWS_|recordings|127\.0\.0\.1/);
      } finally {
        vi.unstubAllEnvs();
        await app.close();
        await storage.close();
        await store.close();
      }
    },
    SLOW,
  );

  it(
    'a re-run writes nothing to the bucket: no recording, no day file',
    async () => {
      s3.proxy.journal.length = 0;
      const again = await runCli(['run', '--date', DATE], env(dataDir, prefix));
      expect(again.code).toBe(0);
      const writes = s3.proxy.journal.filter((j) =>
        ['PutObject', 'CopyObject', 'CreateMultipartUpload', 'DeleteObject'].includes(j.operation),
      );
      // The write probe of the start-up checks (an object written and deleted), nothing else.
      expect(writes.every((j) => j.key.includes('.audio-extract-probe-'))).toBe(true);
    },
    SLOW,
  );
});

describe('the S3 server failing during a run', () => {
  it(
    '500, SlowDown and dropped connections on some parts and objects: retried, nothing lost',
    async () => {
      const prefix = 'faults';
      const dataDir = await newDataDir();
      s3.proxy.journal.length = 0;
      // A part of a multipart upload, single PutObjects, a copy, the day files; each request is hit at
      // most twice (the SDK tries 3 times), whatever order the concurrent uploads take.
      s3.proxy.maxFaultsPerRequest = 2;
      s3.proxy.faults.push(
        { operation: 'UploadPart', fault: 'internal-error', nth: [1, 2] },
        { operation: 'UploadPart', fault: 'slow-down', nth: [4] },
        { operation: 'UploadPart', fault: 'drop', nth: [6] },
        { operation: 'PutObject', fault: 'slow-down', nth: [3, 4] },
        { operation: 'PutObject', fault: 'drop', nth: [8] },
        { operation: 'PutObject', fault: 'internal-error', nth: [12] },
        { operation: 'CopyObject', fault: 'internal-error', nth: [1] },
        { operation: 'PutObject', fault: 'slow-down', nth: [1], keyIncludes: 'manifest.jsonl' },
      );
      try {
        const res = await runCli(['run', '--date', DATE], env(dataDir, prefix));
        expect(res.stderrText).toBe('');
        expect(res.code, `${res.stdout}\n${errorsLogged(res)}`).toBe(0);
      } finally {
        s3.proxy.faults.length = 0;
        s3.proxy.maxFaultsPerRequest = Number.POSITIVE_INFINITY;
      }
      const injected = s3.proxy.journal.filter((j) => j.fault).map((j) => `${j.operation} ${j.fault}`);
      expect(new Set(injected)).toEqual(
        new Set([
          'UploadPart internal-error',
          'UploadPart slow-down',
          'UploadPart drop',
          'PutObject slow-down',
          'PutObject drop',
          'PutObject internal-error',
          'CopyObject internal-error',
        ]),
      );
      await expectDayInBucket(prefix);
      const db = await snapshotDb(dataDir);
      const downloaded = db.recordings.filter((r) => r.state === 'downloaded');
      for (const r of downloaded)
        expect(sha256(await objectBytes(`${prefix}/${DATE}/${r.file}`))).toBe(r.sha256);
    },
    SLOW,
  );
});

describe('a wrong bucket or credentials at run', () => {
  it.each([
    [
      'a wrong secret key',
      { AWS_SECRET_ACCESS_KEY: 'not-the-secret-0123456789' },
      /SignatureDoesNotMatch.*AWS_SECRET_ACCESS_KEY/,
    ],
    [
      'an unknown access key',
      { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1' },
      /InvalidAccessKeyId.*AWS_ACCESS_KEY_ID/,
    ],
    [
      'a missing bucket',
      { STORAGE_URL: 's3://no-such-bucket/x' },
      /bucket "no-such-bucket" does not exist.*STORAGE_URL/,
    ],
  ])(
    '%s: exit 2 with one message naming the fix, no Genesys call, nothing recorded',
    async (_what, extra, message) => {
      const dataDir = await newDataDir();
      emu.journal.clear();
      const res = await runCli(['run', '--date', DATE], env(dataDir, 'wrong', extra));
      expect(res.code).toBe(2);
      const lines = res.stderrText.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^audio-extract: /);
      expect(lines[0]).toMatch(message);
      // Neither the keys given nor the real ones (s3rver's key id and secret are both "S3RVER").
      for (const value of Object.values(extra))
        if (!value.startsWith('s3:')) expect(res.stderr).not.toContain(value);
      expect(res.stderr).not.toContain(S3_SECRET_ACCESS_KEY);
      // Stopped before the day started: Genesys was not asked for anything, no row says downloaded.
      expect(emu.journal.entries()).toEqual([]);
      const db = await snapshotDb(dataDir);
      expect(db.recordings).toEqual([]);
      expect(db.runs).toEqual([]);
    },
    SLOW,
  );
});

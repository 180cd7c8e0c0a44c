// Killed while uploading into S3, run again: the same bucket as a run that was never interrupted. The CLI
// (STORAGE_URL=s3://…) is SIGKILLed in the middle of multipart uploads (long recordings), then once a
// copy into place has happened, and run again each time until it completes; an uninterrupted run of the
// same day (a second emulator with the same seed) goes into another prefix of the same local S3 server.
// What a user would notice if this failed: a recording twice or missing, an object with other bytes than
// Genesys', a staging object or an incomplete upload left in the bucket (paid for, for ever), or day
// files that differ from an uninterrupted run's.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { type CliExit, emulatorEnv, runCli, sha256, spawnCli } from '../support/cli.js';
import { dataDirTemplate, freshDataDir, snapshotDb } from '../support/data-dirs.js';
import { pastWeekday } from '../support/expected.js';
import { type BucketReader, bucketReader } from '../support/s3-bucket.js';
import type { S3Exchange } from '../support/s3-fault-proxy.js';
import { type LocalS3, startLocalS3 } from '../support/s3-server.js';

const DATE = pastWeekday(4);
const BUCKET = 'recordings';
const MiB = 1024 * 1024;
const DAY_FILES = ['manifest.jsonl', 'manifest.csv', '_SUCCESS'];

/** When to kill an attempt, from what the S3 server has seen of it so far. */
const KILLS: { what: string; when: (seen: S3Exchange[]) => boolean }[] = [
  { what: 'after the first part of an upload', when: (seen) => count(seen, 'UploadPart') >= 1 },
  { what: 'with several parts in flight', when: (seen) => count(seen, 'UploadPart') >= 4 },
  { what: 'right after a copy into place', when: (seen) => count(seen, 'CopyObject') >= 1 },
  { what: 'after more parts', when: (seen) => count(seen, 'UploadPart') >= 6 },
];

function count(seen: S3Exchange[], operation: S3Exchange['operation']): number {
  return seen.filter((j) => j.operation === operation && j.status === 200).length;
}

describe('SIGKILL during uploads into S3, then run again', () => {
  let s3: LocalS3;
  let bucket: BucketReader;
  let emuKilled: Emulator;
  let emuRef: Emulator;
  let template: string;
  const dirs: string[] = [];
  const incompleteAfterKill: number[] = [];
  const queues: string[] = [];
  let finished: CliExit;
  let reference: CliExit;
  let killedDir: string;

  beforeAll(async () => {
    // Every recording longer than the 8 MiB part size: each is a multipart upload of a staging key.
    const options: EmulatorOptions = {
      seed: 17,
      conversationsPerDay: 14,
      ratePerMinute: 100_000,
      batchJobDurationMs: { min: 100, max: 300 },
      audioBytes: { min: 9 * MiB, max: 13 * MiB },
    };
    [emuKilled, emuRef, s3, template] = await Promise.all([
      buildEmulator(options),
      buildEmulator(options),
      startLocalS3({ buckets: [BUCKET] }),
      dataDirTemplate(),
    ]);
    bucket = bucketReader(s3, BUCKET);
    queues.push(...emuKilled.queueIds.slice(0, 2));
    killedDir = await freshDataDir('ae-s3-killed-', template);
    const refDir = await freshDataDir('ae-s3-reference-', template);
    dirs.push(killedDir, refDir);
    const env = (emu: Emulator, dataDir: string, prefix: string) =>
      emulatorEnv(emu, dataDir, {
        GENESYS_QUEUE_IDS: queues.join(','),
        BATCH_SIZE: '4',
        LOG_LEVEL: 'info',
        ...s3.env(BUCKET, prefix),
      });

    reference = await runCli(['run', '--date', DATE], env(emuRef, refDir, 'reference'));

    for (const kill of KILLS) {
      const startedAt = s3.proxy.journal.length;
      const attempt = spawnCli(['run', '--date', DATE], env(emuKilled, killedDir, 'killed'));
      const watch = setInterval(() => {
        const seen = s3.proxy.journal.slice(startedAt).filter((j) => j.key.startsWith('killed/'));
        if (kill.when(seen)) {
          clearInterval(watch);
          attempt.kill();
        }
      }, 5);
      const exit = await attempt.done;
      clearInterval(watch);
      if (exit.signal !== 'SIGKILL') {
        // It finished before the moment came: nothing more to interrupt.
        finished = exit;
        break;
      }
      incompleteAfterKill.push((await bucket.incompleteUploads(`killed/${DATE}/`)).length);
    }
    finished ??= await runCli(['run', '--date', DATE], env(emuKilled, killedDir, 'killed'));
  }, 20 * 60_000);

  afterAll(async () => {
    bucket?.close();
    await Promise.all([emuKilled?.close(), emuRef?.close(), s3?.close()]);
    await Promise.all(
      [template, ...dirs].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })),
    );
  });

  it('was killed with uploads left incomplete, and then completed', () => {
    expect(reference.code, reference.stderrText).toBe(0);
    expect(incompleteAfterKill.length).toBeGreaterThanOrEqual(3);
    // The kills did leave unfinished multipart uploads behind for the next run to clean up.
    expect(Math.max(...incompleteAfterKill)).toBeGreaterThan(0);
    expect(finished.code, finished.stderrText).toBe(0);
  });

  it('leaves every recording once, with Genesys’ bytes, and no staging object or incomplete upload', async () => {
    expect(await bucket.dayProblems(emuKilled, 'killed', DATE, queues)).toEqual([]);
    expect(await bucket.dayProblems(emuRef, 'reference', DATE, queues)).toEqual([]);
    // Beyond the day too: nothing incomplete anywhere under the prefix.
    expect(await bucket.incompleteUploads('killed/')).toEqual([]);
  });

  it('ends with the same objects and day files as the uninterrupted run', async () => {
    const names = async (prefix: string) =>
      (await bucket.keysUnder(`${prefix}/${DATE}/`)).map((k) => k.slice(`${prefix}/${DATE}/`.length));
    const [killedNames, refNames] = await Promise.all([names('killed'), names('reference')]);
    expect(killedNames).toEqual(refNames);
    for (const f of DAY_FILES) {
      const [a, b] = await Promise.all([
        bucket.bytes(`killed/${DATE}/${f}`),
        bucket.bytes(`reference/${DATE}/${f}`),
      ]);
      expect(sha256(a), f).toBe(sha256(b));
    }
  });

  it('records as downloaded only recordings whose object is complete with the right sha256', async () => {
    const rows = (await snapshotDb(killedDir)).recordings.filter((r) => r.state === 'downloaded');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(await bucket.sha256Metadata(`killed/${DATE}/${r.file}`)).toBe(r.sha256);
    }
  });
});

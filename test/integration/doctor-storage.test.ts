// `doctor`'s storage lines through the storage interface: the local default, and an S3 bucket on the local
// S3 server (exists, region, a probe object written and deleted, incomplete uploads listable), with one
// line per failure naming the fix.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatCheck, runChecks } from '../../src/cli/commands/doctor.js';
import { type LocalS3, startLocalS3 } from '../support/s3-server.js';

describe('doctor: storage', () => {
  let s3: LocalS3;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    s3 = await startLocalS3({ buckets: ['recordings'], region: 'eu-west-1' });
    dir = await mkdtemp(join(tmpdir(), 'ae-doctor-storage-'));
    // A database nobody listens on fails fast; only the storage lines matter here.
    env = { DATA_DIR: join(dir, 'data'), DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' };
  });
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** The checks for `extra`, with the AWS SDK reading the same variables from the process, as it would. */
  async function storageLines(extra: Record<string, string>) {
    for (const [k, v] of Object.entries(extra)) vi.stubEnv(k, v);
    const checks = await runChecks({ ...env, ...extra });
    return checks.filter((c) => c.name.startsWith('storage'));
  }

  it('the local default: DATA_DIR/audio is writable, with its free space', async () => {
    const lines = await storageLines({});
    expect(lines).toEqual([
      {
        name: 'storage',
        status: 'ok',
        detail: expect.stringMatching(/data\/audio is writable \(.* free\)$/),
      },
    ]);
  });

  it('an S3 bucket that works: four ok lines, and the probe object is gone', async () => {
    s3.proxy.journal.length = 0;
    const lines = await storageLines(s3.env('recordings', 'ae'));
    expect(lines.map((c) => `${c.status} ${c.name}`)).toEqual([
      'ok storage',
      'ok storage region',
      'ok storage write',
      'ok storage cleanup',
    ]);
    const probes = s3.proxy.journal.filter((j) => j.key.includes('.audio-extract-probe-'));
    expect(probes.map((j) => j.operation)).toEqual(['PutObject', 'DeleteObject']);
  });

  it('a missing bucket, a wrong region, a wrong secret: one FAIL line each, naming the fix', async () => {
    const missing = await storageLines({ ...s3.env('recordings'), STORAGE_URL: 's3://no-such-bucket/ae' });
    expect(missing.map(formatCheck)).toEqual([
      expect.stringMatching(
        /^FAIL +storage +bucket "no-such-bucket" does not exist at .*fix the bucket name in STORAGE_URL$/,
      ),
    ]);
    const region = await storageLines({ ...s3.env('recordings'), S3_REGION: 'us-east-1' });
    expect(region.map(formatCheck)).toEqual([
      expect.stringMatching(
        /^FAIL +storage region +bucket "recordings" is in region eu-west-1.*set S3_REGION=eu-west-1$/,
      ),
    ]);
    const secret = 'not-the-secret-98765';
    const wrong = await storageLines({ ...s3.env('recordings'), AWS_SECRET_ACCESS_KEY: secret });
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/AWS_SECRET_ACCESS_KEY/),
    });
    expect(JSON.stringify(wrong)).not.toContain(secret);
  });
});

// The S3 store (STORAGE_URL=s3://bucket/prefix): same guarantees as the local one, see storage.ts.
// Works with AWS S3 and S3-compatible servers (S3_ENDPOINT, S3_FORCE_PATH_STYLE for MinIO/Ceph).
import {
  DeleteObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { StorageLocation } from '../../config/storage-url.js';
import { ConfigError, errorMessage } from '../../lib/errors.js';
import { safeSegment } from '../../lib/paths.js';
import { type DayFileName, type DayFileStore, DayFilesBacked } from '../day-files.js';
import {
  type AudioStorage,
  type CleanupResult,
  dayLocationOf,
  type OpenedFile,
  STALE_AFTER_MS,
  type StorageCheck,
  type StoredAudio,
  type WriteAudioRequest,
} from '../storage.js';
import { staleRule } from '../temp-names.js';
import { cleanupS3Day } from './cleanup.js';
import { createS3Client } from './client.js';
import { getObject, s3DayFiles } from './day-files.js';
import { bucketRegionOf, describeS3Error, isBodilessRefusal, type S3Context } from './errors.js';
import { audioKey, dayFileKey, probeKey, stagingKey } from './keys.js';
import { headAudio, putAudio, type UploadTuning } from './write.js';

/** Chosen and measured in ADR 0012 (8 uploads at once into a local S3 server). */
export const DEFAULT_TUNING: UploadTuning = { partSize: 8 * 1024 * 1024, queueSize: 2 };

export interface S3StorageOptions {
  location: Extract<StorageLocation, { kind: 's3' }>;
  /** `s3://bucket/prefix`, for people. */
  url: string;
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
  timeoutMs: number;
  tuning?: UploadTuning;
  /** See staleAfterMs (storage.ts); 15 minutes by default. */
  idleMs?: number;
}

export class S3Storage extends DayFilesBacked implements AudioStorage {
  readonly kind = 's3' as const;
  readonly url: string;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly endpoint: string;
  private readonly tuning: UploadTuning;
  private readonly idleMs: number;
  protected readonly dayFiles: DayFileStore;
  private region: string | undefined;

  constructor(options: S3StorageOptions) {
    super();
    this.url = options.url;
    this.bucket = options.location.bucket;
    this.prefix = options.location.prefix;
    this.endpoint = options.endpoint ?? 'AWS S3';
    this.region = options.region;
    this.tuning = options.tuning ?? DEFAULT_TUNING;
    this.idleMs = options.idleMs ?? STALE_AFTER_MS;
    this.client = createS3Client(options);
    this.dayFiles = s3DayFiles({
      client: this.client,
      bucket: this.bucket,
      prefix: this.prefix,
      tuning: this.tuning,
      call: (operation, key, fn) => this.call(operation, key, fn),
      describe: (e, operation, key) => this.describe(e, operation, key),
    });
  }

  private context(operation: string, key?: string): S3Context {
    return { operation, bucket: this.bucket, key, endpoint: this.endpoint, region: this.region };
  }

  /** Runs one SDK call; its failure becomes the operator-facing error (describeS3Error). */
  private async call<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw await this.describe(e, operation, key);
    }
  }

  private async describe(e: unknown, operation: string, key?: string): Promise<unknown> {
    // The region the SDK signs with, when it came from the chain (AWS_REGION, a profile) and not from us.
    if (this.region === undefined) this.region = await this.client.config.region().catch(() => undefined);
    if (isBodilessRefusal(e)) {
      // A refused HEAD has no body, so no error code: a wrong secret looks like a missing permission.
      // A listing answers with one; when it names a configuration problem, that is the cause.
      try {
        await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 }));
      } catch (diagnosis) {
        const found = describeS3Error(diagnosis, this.context('ListObjectsV2'));
        if (found instanceof ConfigError) return found;
      }
    }
    return describeS3Error(e, this.context(operation, key));
  }

  dayLocation(processDate: string): string {
    return dayLocationOf({ kind: 's3', bucket: this.bucket, prefix: this.prefix }, processDate);
  }

  async checkWritable(): Promise<void> {
    await this.call('HeadBucket', undefined, () =>
      this.client.send(new HeadBucketCommand({ Bucket: this.bucket })),
    );
    await this.writeProbe();
  }

  /** Writes and deletes a small object, proving s3:PutObject and s3:DeleteObject. */
  private async writeProbe(): Promise<string> {
    const key = probeKey(this.prefix, `${process.pid}-${Date.now()}`);
    await this.call('PutObject', key, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.from('ok') })),
    );
    await this.call('DeleteObject', key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
    return key;
  }

  async check(): Promise<StorageCheck[]> {
    const where = `${this.url} at ${this.endpoint}`;
    let bucketRegion: string | undefined;
    try {
      const head = await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      bucketRegion = head.BucketRegion;
    } catch (e) {
      const described = await this.describe(e, 'HeadBucket');
      const regionProblem = bucketRegionOf(e) !== undefined && bucketRegionOf(e) !== this.region;
      return [
        { name: regionProblem ? 'storage region' : 'storage', ok: false, detail: errorMessage(described) },
      ];
    }
    if (this.region === undefined) this.region = await this.client.config.region().catch(() => undefined);
    const checks: StorageCheck[] = [
      { name: 'storage', ok: true, detail: `bucket ${this.bucket} exists (${where})` },
    ];
    if (bucketRegion && this.region && bucketRegion !== this.region) {
      checks.push({
        name: 'storage region',
        ok: false,
        detail: `bucket ${this.bucket} is in region ${bucketRegion}, but requests are signed for ${this.region}`,
        fix: `set S3_REGION=${bucketRegion}`,
      });
    } else {
      checks.push({
        name: 'storage region',
        ok: true,
        detail: bucketRegion
          ? `bucket region ${bucketRegion} matches`
          : `the endpoint does not report the bucket's region; requests are signed for ${this.region ?? '(unset)'}`,
      });
    }
    try {
      await this.writeProbe();
      checks.push({
        name: 'storage write',
        ok: true,
        detail: `wrote and deleted a probe object in ${this.url}`,
      });
    } catch (e) {
      checks.push({ name: 'storage write', ok: false, detail: errorMessage(e) });
    }
    try {
      await this.call('ListMultipartUploads', undefined, () =>
        this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: this.prefix || undefined,
            MaxUploads: 1,
          }),
        ),
      );
      checks.push({
        name: 'storage cleanup',
        ok: true,
        detail: 'can list incomplete uploads (to clean up after a crash)',
      });
    } catch (e) {
      checks.push({ name: 'storage cleanup', ok: false, detail: errorMessage(e) });
    }
    return checks;
  }

  cleanupDay(processDate: string): Promise<CleanupResult> {
    return cleanupS3Day(
      {
        client: this.client,
        bucket: this.bucket,
        prefix: this.prefix,
        rule: staleRule(this.idleMs),
        call: (operation, key, fn) => this.call(operation, key, fn),
      },
      processDate,
    );
  }

  async writeAudio(request: WriteAudioRequest): Promise<StoredAudio> {
    const fileName = safeSegment('file name', request.fileName);
    const key = audioKey(this.prefix, request.processDate, fileName);
    const out = await putAudio({
      client: this.client,
      bucket: this.bucket,
      key,
      stagingKey: stagingKey(this.prefix, request.processDate, fileName),
      fileName,
      body: request.body,
      expectedBytes: request.expectedBytes,
      contentType: request.contentType,
      signal: request.signal,
      tuning: this.tuning,
      describe: (e, operation, k) => this.describe(e, operation, k),
    });
    return { fileName, ...out, location: `s3://${this.bucket}/${key}` };
  }

  async isComplete(
    processDate: string,
    fileName: string,
    expected: { bytes: number; sha256: string },
  ): Promise<boolean> {
    const key = audioKey(this.prefix, processDate, fileName);
    const found = await this.call('HeadObject', key, () => headAudio(this.client, this.bucket, key));
    return found?.bytes === expected.bytes && found.sha256 === expected.sha256.toLowerCase();
  }

  openDayFile(processDate: string, name: DayFileName): Promise<OpenedFile | undefined> {
    return getObject(this.objects(), dayFileKey(this.prefix, processDate, name));
  }

  private objects() {
    return {
      client: this.client,
      bucket: this.bucket,
      describe: (e: unknown, operation: string, key: string) => this.describe(e, operation, key),
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

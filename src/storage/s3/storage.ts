// The S3 store (STORAGE_URL=s3://bucket/prefix): same guarantees as the local one, see storage.ts.
// Works with AWS S3 and S3-compatible servers (S3_ENDPOINT, S3_FORCE_PATH_STYLE for MinIO/Ceph).
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { StorageLocation } from '../../config/storage-url.js';
import { AppError, ConfigError, errorMessage } from '../../lib/errors.js';
import { safeSegment } from '../../lib/paths.js';
import { type ManifestLine, manifestChunks, parseManifest } from '../manifest.js';
import type {
  AudioStorage,
  CleanupResult,
  ManifestFile,
  StorageCheck,
  StoredAudio,
  WriteAudioRequest,
} from '../storage.js';
import { createS3Client } from './client.js';
import { bucketRegionOf, describeS3Error, isBodilessRefusal, type S3Context } from './errors.js';
import { audioKey, dayPrefix, incompletePrefix, manifestKey, probeKey, stagingKey } from './keys.js';
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
}

export class S3Storage implements AudioStorage {
  readonly kind = 's3' as const;
  readonly url: string;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly endpoint: string;
  private readonly tuning: UploadTuning;
  private region: string | undefined;

  constructor(options: S3StorageOptions) {
    this.url = options.url;
    this.bucket = options.location.bucket;
    this.prefix = options.location.prefix;
    this.endpoint = options.endpoint ?? 'AWS S3';
    this.region = options.region;
    this.tuning = options.tuning ?? DEFAULT_TUNING;
    this.client = createS3Client(options);
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
    return `s3://${this.bucket}/${dayPrefix(this.prefix, processDate)}`;
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

  async cleanupDay(processDate: string): Promise<CleanupResult> {
    const prefix = dayPrefix(this.prefix, processDate);
    let uploads = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.call('ListMultipartUploads', prefix, () =>
        this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        ),
      );
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        await this.call('AbortMultipartUpload', u.Key, () =>
          this.client.send(
            new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }),
          ),
        );
        uploads++;
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    // Long recordings killed between their upload and their copy left a complete object here.
    const staging = incompletePrefix(this.prefix, processDate);
    let partFiles = 0;
    let token: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', staging, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: staging, ContinuationToken: token }),
        ),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        await this.call('DeleteObject', o.Key, () =>
          this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: o.Key })),
        );
        partFiles++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { partFiles, uploads };
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

  async writeManifest(
    processDate: string,
    lines: Iterable<ManifestLine> | AsyncIterable<ManifestLine>,
  ): Promise<string> {
    const key = manifestKey(this.prefix, processDate);
    const where = `s3://${this.bucket}/${key}`;
    let sourceError: unknown;
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        yield* manifestChunks(where, lines);
      } catch (e) {
        sourceError = e;
        throw e;
      }
    }
    // One PutObject or one multipart upload: either way S3 replaces the old manifest only when the new
    // one is complete, and lib-storage aborts the upload when the lines fail.
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: Readable.from(chunks(), { objectMode: false }),
        ContentType: 'application/x-ndjson; charset=utf-8',
      },
      partSize: this.tuning.partSize,
      queueSize: this.tuning.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      if (sourceError !== undefined) throw sourceError;
      throw await this.describe(e, 'MultipartUpload', key);
    }
    return where;
  }

  async readManifest(processDate: string): Promise<ManifestLine[]> {
    const file = await this.openManifest(processDate);
    if (!file) return [];
    const text = await streamText(file.body);
    return parseManifest(text, `s3://${this.bucket}/${manifestKey(this.prefix, processDate)}`);
  }

  async openManifest(processDate: string): Promise<ManifestFile | undefined> {
    const key = manifestKey(this.prefix, processDate);
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!(got.Body instanceof Readable)) {
        throw new AppError('STORAGE_FAILED', `S3 GetObject of s3://${this.bucket}/${key} returned no stream`);
      }
      return { body: got.Body, bytes: got.ContentLength ?? 0 };
    } catch (e) {
      if ((e as { name?: unknown }).name === 'NoSuchKey') return undefined;
      if (e instanceof AppError) throw e;
      throw await this.describe(e, 'GetObject', key);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

async function streamText(body: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of body)
    parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

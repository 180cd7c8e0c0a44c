// One object into S3 (a recording, or one of the day files), streamed: hashed and counted on the way,
// never held whole in memory, never on local disk, and visible under its final key only when complete,
// with its SHA-256 as object metadata (ADR 0012).
//
// S3 fixes an object's metadata when the upload starts, before the hash is known, so writing is in two
// steps, staging then commit:
// - an object up to one part long (most recordings) is read into memory and hashed; its commit is one
//   PutObject carrying the sha256 metadata and the same value as x-amz-checksum-sha256, which S3 (and
//   MinIO, Ceph) check against the bytes they received;
// - a longer one streams into a multipart upload of its staging key (`.incomplete/<name>.<writer tag>`,
//   this writer's own: ADR 0015); its commit is one server-side CopyObject to the final key that sets
//   the metadata, after which the staging object is deleted.
// Either way only whole Buffers reach the SDK, which it can retry and checksum (CRC32 per part).
import { createHash } from 'node:crypto';
import { addAbortSignal, Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AppError, errorMessage } from '../../lib/errors.js';

export interface UploadTuning {
  /** Bytes per multipart part, and the most a recording sent as one PutObject can have (≥ 5 MiB). */
  partSize: number;
  /** Parts of one recording uploaded at once. */
  queueSize: number;
}

/** The most S3 copies in one CopyObject (5 GiB); a longer recording would need UploadPartCopy. */
export const MAX_COPY_BYTES = 5 * 1024 ** 3;

export const SHA256_METADATA = 'sha256';

export interface StageInput {
  client: S3Client;
  bucket: string;
  /** The final key. */
  key: string;
  /** Where a multipart upload goes before it is complete and checked (stagingKey: this writer's own). */
  stagingKey: string;
  /** The name in messages (`<conversationId>_<recordingId>.<ext>`, `manifest.jsonl`). */
  fileName: string;
  body: Readable;
  expectedBytes?: number;
  contentType?: string | null;
  signal?: AbortSignal;
  tuning: UploadTuning;
  /** Turns an SDK error during `operation` into the operator-facing one (describeS3Error). */
  describe: (e: unknown, operation: string, key: string) => Promise<unknown>;
  /**
   * The body is made here (the day files from the database), not downloaded: its errors are thrown as
   * they are instead of as an incomplete download.
   */
  generated?: boolean;
}

/** An object read and hashed, not yet under its final key. */
export interface StagedObject {
  bytes: number;
  sha256: string;
  /** Its bytes, read back (from memory, or from the staging object). */
  read(): Readable;
  /** Puts it under its final key with its sha256 metadata (PutObject, or CopyObject and DeleteObject). */
  commit(): Promise<void>;
  /** Drops it (deletes the staging object); nothing to do once committed. */
  discard(): Promise<void>;
}

export interface PutAudioResult {
  bytes: number;
  sha256: string;
  /** False when an object with the same size and sha256 was already there (left untouched). */
  written: boolean;
}

function truncated(fileName: string, detail: string, cause?: unknown): AppError {
  return new AppError('DOWNLOAD_TRUNCATED', `download of ${fileName} was incomplete: ${detail}`, { cause });
}

/** Keys of ours use only characters that are safe in a URL path; each segment is encoded all the same. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Size and sha256 metadata of the object at `key`, or undefined when there is none. */
export async function headAudio(
  client: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<{ bytes: number; sha256: string | undefined } | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: signal,
    });
    return { bytes: head.ContentLength ?? -1, sha256: head.Metadata?.[SHA256_METADATA] };
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return undefined;
    throw e;
  }
}

/**
 * Reads `body` to its end into staging: its first part into memory, the rest (if any) into a multipart
 * upload of the staging key. A body that breaks, ends short of Content-Length or is aborted aborts the
 * upload (nothing left to pay for) and throws; nothing is visible under the final key either way.
 */
export async function stageObject(input: StageInput): Promise<StagedObject> {
  const { client, bucket, key, body, expectedBytes, signal, tuning, fileName } = input;
  if (expectedBytes !== undefined && expectedBytes > MAX_COPY_BYTES) {
    body.destroy();
    throw new AppError(
      'RECORDING_TOO_LARGE',
      `${fileName} is ${expectedBytes} bytes; S3 storage takes recordings up to 5 GiB (one CopyObject)`,
    );
  }
  if (signal) addAbortSignal(signal, body);
  const hash = createHash('sha256');
  let bytes = 0;
  /** Set when the source itself failed (as opposed to S3). */
  let sourceError: unknown;
  const source = body[Symbol.asyncIterator]();

  const next = async (): Promise<Buffer | undefined> => {
    let r: IteratorResult<unknown>;
    try {
      r = await source.next();
    } catch (e) {
      sourceError = e;
      throw e;
    }
    if (r.done) {
      if (expectedBytes !== undefined && bytes !== expectedBytes) {
        sourceError = truncated(fileName, `received ${bytes} bytes, Content-Length said ${expectedBytes}`);
        throw sourceError;
      }
      return undefined;
    }
    const buf = typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    hash.update(buf);
    bytes += buf.length;
    if (bytes > MAX_COPY_BYTES) {
      sourceError = new AppError(
        'RECORDING_TOO_LARGE',
        `${fileName} is over 5 GiB; S3 storage takes up to 5 GiB`,
      );
      throw sourceError;
    }
    return buf;
  };

  const failed = async (e: unknown, operation: string, failedKey: string): Promise<unknown> => {
    if (!body.destroyed) body.destroy();
    if (signal?.aborted) return signal.reason;
    if (sourceError !== undefined) {
      if (sourceError instanceof AppError || input.generated) return sourceError;
      return truncated(
        fileName,
        `stream failed after ${bytes} bytes (${errorMessage(sourceError)})`,
        sourceError,
      );
    }
    return input.describe(e, operation, failedKey);
  };

  // The first part decides: an object that ends within it is committed as one PutObject.
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  try {
    while (headBytes < tuning.partSize) {
      const buf = await next();
      if (buf === undefined) {
        ended = true;
        break;
      }
      head.push(buf);
      headBytes += buf.length;
    }
  } catch (e) {
    throw await failed(e, 'GetObject', key);
  }

  if (ended) {
    const sha256 = hash.digest('hex');
    let whole: Buffer | undefined = head.length === 1 ? head[0]! : Buffer.concat(head, headBytes);
    return {
      bytes,
      sha256,
      read: () => Readable.from(whole ? [whole] : []),
      async commit() {
        try {
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: whole,
              ContentLength: bytes,
              ContentType: input.contentType ?? undefined,
              Metadata: { [SHA256_METADATA]: sha256 },
              ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
            }),
            { abortSignal: signal },
          );
        } catch (e) {
          throw await failed(e, 'PutObject', key);
        }
      },
      async discard() {
        whole = undefined;
      },
    };
  }

  async function* rest(): AsyncGenerator<Buffer> {
    // Handed over one by one and dropped, so the first part is not held twice.
    while (head.length > 0) yield head.shift()!;
    for (let buf = await next(); buf !== undefined; buf = await next()) yield buf;
  }
  const upload = new Upload({
    client,
    params: {
      Bucket: bucket,
      Key: input.stagingKey,
      Body: Readable.from(rest(), { objectMode: false }),
      ContentType: input.contentType ?? undefined,
    },
    partSize: tuning.partSize,
    queueSize: tuning.queueSize,
    // lib-storage aborts the multipart upload when the body or a part fails: nothing is left to pay for.
    leavePartsOnError: false,
  });
  try {
    await upload.done();
  } catch (e) {
    throw await failed(e, 'MultipartUpload', input.stagingKey);
  }
  const sha256 = hash.digest('hex');
  let staged = true;
  const dropStaging = async () => {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: input.stagingKey }));
    staged = false;
  };
  return {
    bytes,
    sha256,
    read: () =>
      Readable.from(
        (async function* () {
          const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: input.stagingKey }));
          yield* got.Body as Readable;
        })(),
      ),
    async commit() {
      try {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: key,
            CopySource: copySource(bucket, input.stagingKey),
            MetadataDirective: 'REPLACE',
            Metadata: { [SHA256_METADATA]: sha256 },
            ContentType: input.contentType ?? undefined,
          }),
          { abortSignal: signal },
        );
      } catch (e) {
        await dropStaging().catch(() => {});
        throw await failed(e, 'CopyObject', key);
      }
      try {
        await dropStaging();
      } catch (e) {
        throw await failed(e, 'DeleteObject', input.stagingKey);
      }
    },
    async discard() {
      if (staged) await dropStaging();
    },
  };
}

/**
 * One recording: staged, then committed unless an object with the same size and sha256 is already
 * under its key (a re-run: `written: false`, and a one-part recording is not uploaded at all).
 */
export async function putAudio(input: StageInput): Promise<PutAudioResult> {
  const staged = await stageObject(input);
  try {
    let existing: Awaited<ReturnType<typeof headAudio>>;
    try {
      existing = await headAudio(input.client, input.bucket, input.key, input.signal);
    } catch (e) {
      if (input.signal?.aborted) throw input.signal.reason;
      throw await input.describe(e, 'HeadObject', input.key);
    }
    const { bytes, sha256 } = staged;
    if (existing?.bytes === bytes && existing.sha256 === sha256) return { bytes, sha256, written: false };
    await staged.commit();
    return { bytes, sha256, written: true };
  } finally {
    await staged.discard().catch(() => {});
  }
}

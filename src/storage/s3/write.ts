// One recording into S3, streamed from the download: hashed and counted on the way, never held whole
// in memory, never on local disk, and visible under its final key only when complete, with its SHA-256
// as object metadata (ADR 0012).
//
// S3 fixes an object's metadata when the upload starts, before the hash is known, so:
// - a recording up to one part long (most of them) is read into memory, hashed, and sent as one
//   PutObject carrying the sha256 metadata and the same value as x-amz-checksum-sha256, which S3
//   (and MinIO, Ceph) check against the bytes they received;
// - a longer one streams into a multipart upload of `<key>.part`, which becomes visible under the final
//   key by one server-side CopyObject that sets the metadata; the `.part` object is then deleted.
// Either way only whole Buffers reach the SDK, which it can retry and checksum (CRC32 per part).
import { createHash } from 'node:crypto';
import { addAbortSignal, Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
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

export interface PutAudioInput {
  client: S3Client;
  bucket: string;
  key: string;
  /** Where a multipart upload goes before it is complete and checked (`<key>.part`). */
  stagingKey: string;
  fileName: string;
  body: Readable;
  expectedBytes?: number;
  contentType?: string | null;
  signal?: AbortSignal;
  tuning: UploadTuning;
  /** Turns an SDK error during `operation` into the operator-facing one (describeS3Error). */
  describe: (e: unknown, operation: string, key: string) => Promise<unknown>;
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

export async function putAudio(input: PutAudioInput): Promise<PutAudioResult> {
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
  /** Set when the download itself failed (as opposed to S3). */
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
      if (sourceError instanceof AppError) return sourceError;
      return truncated(
        fileName,
        `stream failed after ${bytes} bytes (${errorMessage(sourceError)})`,
        sourceError,
      );
    }
    return input.describe(e, operation, failedKey);
  };

  // The first part decides: a recording that ends within it goes as one PutObject.
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
    try {
      const existing = await headAudio(client, bucket, key, signal);
      if (existing?.bytes === bytes && existing.sha256 === sha256) return { bytes, sha256, written: false };
    } catch (e) {
      throw await failed(e, 'HeadObject', key);
    }
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: head.length === 1 ? head[0] : Buffer.concat(head, headBytes),
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
    return { bytes, sha256, written: true };
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
  let written = false;
  try {
    const existing = await headAudio(client, bucket, key, signal);
    if (existing?.bytes !== bytes || existing.sha256 !== sha256) {
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
      written = true;
    }
  } catch (e) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: input.stagingKey })).catch(() => {});
    throw await failed(e, 'CopyObject', key);
  }
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: input.stagingKey }));
  } catch (e) {
    throw await failed(e, 'DeleteObject', input.stagingKey);
  }
  return { bytes, sha256, written };
}

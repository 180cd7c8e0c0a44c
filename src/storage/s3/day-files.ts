// The day files (day-files.ts) in the bucket, beside the day's audio: staged like a recording
// (write.ts: in memory up to one part, else a staging upload of this writer's own) and committed with
// one PutObject or CopyObject, which S3 makes visible only when complete.
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DAY_FILE_TYPES, type DayFileStore } from '../day-files.js';
import { dayFileKey, stagingKey } from './keys.js';
import { headAudio, stageObject, type UploadTuning } from './write.js';

export interface S3DayFilesContext {
  client: S3Client;
  bucket: string;
  prefix: string;
  tuning: UploadTuning;
  call<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T>;
  describe(e: unknown, operation: string, key: string): Promise<unknown>;
}

/** The object's stream, or undefined when there is none. */
export async function getObject(
  ctx: Pick<S3DayFilesContext, 'client' | 'bucket' | 'describe'>,
  key: string,
): Promise<{ body: Readable; bytes: number } | undefined> {
  try {
    const got = await ctx.client.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key }));
    return { body: got.Body as Readable, bytes: got.ContentLength ?? 0 };
  } catch (e) {
    if ((e as { name?: unknown }).name === 'NoSuchKey') return undefined;
    throw await ctx.describe(e, 'GetObject', key);
  }
}

async function streamBytes(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts);
}

export function s3DayFiles(ctx: S3DayFilesContext): DayFileStore {
  const keyOf = (processDate: string, name: Parameters<typeof dayFileKey>[2]) =>
    dayFileKey(ctx.prefix, processDate, name);
  return {
    location: (processDate, name) => `s3://${ctx.bucket}/${keyOf(processDate, name)}`,

    stage: (processDate, name, chunks) =>
      stageObject({
        client: ctx.client,
        bucket: ctx.bucket,
        key: keyOf(processDate, name),
        stagingKey: stagingKey(ctx.prefix, processDate, name),
        fileName: name,
        body: Readable.from(chunks, { objectMode: false }),
        contentType: DAY_FILE_TYPES[name],
        tuning: ctx.tuning,
        describe: ctx.describe,
        generated: true,
      }),

    async read(processDate, name) {
      const got = await getObject(ctx, keyOf(processDate, name));
      return got && streamBytes(got.body);
    },

    async matches(processDate, name, digest) {
      const key = keyOf(processDate, name);
      const found = await ctx.call('HeadObject', key, () => headAudio(ctx.client, ctx.bucket, key));
      return found?.bytes === digest.bytes && found.sha256 === digest.sha256;
    },

    async remove(processDate, name) {
      const key = keyOf(processDate, name);
      await ctx.call('DeleteObject', key, () =>
        ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key })),
      );
    },
  };
}

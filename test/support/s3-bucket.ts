// What is in a bucket of the local S3 server, read through the official SDK with s3rver's credentials:
// for tests that check what a run left there.
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Emulator } from '../../src/emulator/index.js';
import { sha256 } from './cli.js';
import { expectedRecordings } from './expected.js';
import { type LocalS3, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from './s3-server.js';

const DAY_FILES = ['manifest.jsonl', 'manifest.csv', '_SUCCESS'];

export interface BucketReader {
  keysUnder(prefix: string): Promise<string[]>;
  /** Every object under `prefix` with its size, in key order. */
  objectsUnder(prefix: string): Promise<{ key: string; bytes: number }[]>;
  bytes(key: string): Promise<Buffer>;
  /** The sha256 the object carries as metadata. */
  sha256Metadata(key: string): Promise<string | undefined>;
  incompleteUploads(prefix: string): Promise<string[]>;
  /**
   * Problems with a day a run put under `<prefix>/<date>/`: a downloadable recording missing, there
   * twice or with other bytes (or other sha256 metadata) than the emulator's, an object that is not one
   * of them nor a day file, a staging object or an incomplete upload left. Empty when the day is right.
   */
  dayProblems(emu: Emulator, prefix: string, date: string, queues: readonly string[]): Promise<string[]>;
  close(): void;
}

export function bucketReader(s3: LocalS3, bucket: string): BucketReader {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
  });
  const reader: BucketReader = {
    async keysUnder(prefix) {
      return (await reader.objectsUnder(prefix)).map((o) => o.key);
    },
    async objectsUnder(prefix) {
      const out: { key: string; bytes: number }[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        out.push(...(page.Contents ?? []).map((o) => ({ key: o.Key!, bytes: o.Size ?? 0 })));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async bytes(key) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await got.Body!.transformToByteArray());
    },
    async sha256Metadata(key) {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return head.Metadata?.sha256;
    },
    async incompleteUploads(prefix) {
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
      return (listed.Uploads ?? []).map((u) => u.Key!);
    },
    async dayProblems(emu, prefix, date, queues) {
      const problems: string[] = [];
      const day = `${prefix}/${date}/`;
      const keys = await reader.keysUnder(day);
      const expected = expectedRecordings(emu, date, queues);
      for (const k of keys.filter((k) => k.includes('/.incomplete/')))
        problems.push(`staging object left: ${k}`);
      for (const k of await reader.incompleteUploads(day)) problems.push(`incomplete upload left: ${k}`);
      const audio = keys.filter(
        (k) => !k.includes('/.incomplete/') && !DAY_FILES.includes(k.slice(day.length)),
      );
      for (const e of expected.downloadable.values()) {
        const found = audio.filter((k) => k.startsWith(`${day}${e.conversationId}_${e.recordingId}.`));
        if (found.length !== 1) {
          problems.push(`${e.conversationId}/${e.recordingId}: ${found.length} objects`);
          continue;
        }
        if (sha256(await reader.bytes(found[0]!)) !== e.sha256) problems.push(`wrong bytes in ${found[0]}`);
        if ((await reader.sha256Metadata(found[0]!)) !== e.sha256)
          problems.push(`wrong sha256 metadata on ${found[0]}`);
      }
      if (audio.length !== expected.downloadable.size)
        problems.push(`${audio.length} audio objects, ${expected.downloadable.size} expected`);
      return problems;
    },
    close: () => client.destroy(),
  };
  return reader;
}

// The S3 side of a day's cleanup: incomplete multipart uploads and staging objects that writers which
// are gone left under the day's prefix. What a live writer owns is left alone (ADR 0015): a staging
// key names its writer (`.incomplete/<file>.<host>-<pid>-<nonce>`), and its last activity is the
// staging object's LastModified, or the upload's newest part (its start when it has none).
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CleanupResult } from '../storage.js';
import { isStale, parseTempName, type StaleRule, type TempName } from '../temp-names.js';
import { dayPrefix, incompletePrefix } from './keys.js';

export interface CleanupContext {
  client: S3Client;
  bucket: string;
  prefix: string;
  rule: StaleRule;
  /** Runs one SDK call; its failure becomes the operator-facing error. */
  call<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T>;
  now?: number;
}

/** Who wrote `key`: a staging key names its writer; any other key of the day has no known writer. */
function tempOf(key: string, staging: string): TempName {
  if (key.startsWith(staging)) {
    const parsed = parseTempName(key.slice(staging.length), '');
    if (parsed) return parsed;
  }
  return { finalName: key };
}

/** When the upload last received a part (its start when it has none). */
async function lastActivity(ctx: CleanupContext, key: string, uploadId: string, initiated: number) {
  let latest = initiated;
  let marker: string | undefined;
  for (;;) {
    const page = await ctx.call('ListParts', key, () =>
      ctx.client.send(
        new ListPartsCommand({ Bucket: ctx.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
      ),
    );
    for (const p of page.Parts ?? []) latest = Math.max(latest, p.LastModified?.getTime() ?? 0);
    if (!page.IsTruncated || !page.NextPartNumberMarker) return latest;
    marker = page.NextPartNumberMarker;
  }
}

export async function cleanupS3Day(ctx: CleanupContext, processDate: string): Promise<CleanupResult> {
  const now = ctx.now ?? Date.now();
  const prefix = dayPrefix(ctx.prefix, processDate);
  const staging = incompletePrefix(ctx.prefix, processDate);
  const out: CleanupResult = { partFiles: 0, uploads: 0, kept: 0 };
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await ctx.call('ListMultipartUploads', prefix, () =>
      ctx.client.send(
        new ListMultipartUploadsCommand({
          Bucket: ctx.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      ),
    );
    for (const u of page.Uploads ?? []) {
      if (!u.Key || !u.UploadId) continue;
      const temp = tempOf(u.Key, staging);
      const initiated = u.Initiated?.getTime() ?? 0;
      // Its writer gone from this machine settles it; otherwise its idle time does, and the newest
      // part is asked for only when the upload started longer ago than a live writer stays idle.
      let stale = isStale(temp, 0, ctx.rule);
      if (!stale && now - initiated > ctx.rule.idleMs) {
        const active = await lastActivity(ctx, u.Key, u.UploadId, initiated);
        stale = isStale(temp, now - active, ctx.rule);
      }
      if (!stale) {
        out.kept++;
        continue;
      }
      await ctx.call('AbortMultipartUpload', u.Key, () =>
        ctx.client.send(
          new AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: u.Key, UploadId: u.UploadId }),
        ),
      );
      out.uploads++;
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
  // Objects longer than a part killed between their upload and their copy left a complete object here.
  let token: string | undefined;
  do {
    const page = await ctx.call('ListObjectsV2', staging, () =>
      ctx.client.send(
        new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: staging, ContinuationToken: token }),
      ),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key) continue;
      const modified = o.LastModified?.getTime() ?? 0;
      if (!isStale(tempOf(o.Key, staging), now - modified, ctx.rule)) {
        out.kept++;
        continue;
      }
      await ctx.call('DeleteObject', o.Key, () =>
        ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: o.Key })),
      );
      out.partFiles++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

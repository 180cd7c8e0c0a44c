// Where a day's audio and manifest live: a local directory (the default) or an S3 bucket, chosen by
// STORAGE_URL (ADR 0012). The pipeline, the HTTP API, `status` and `doctor` see only this interface;
// both implementations give the same guarantees: a file is visible under its final name only once it
// is complete and its size and SHA-256 are known, a re-run does not rewrite what is already there, and
// what a killed process left behind is removed by the next run of that day, and nothing a live writer
// is still writing (ADR 0015).
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { describeLocation, type StorageLocation, storageLocation } from '../config/storage-url.js';
import { dayFolder } from './day.js';
import type { DayFileName, DayMarker, PublishedDay } from './day-files.js';
import type { ManifestLine } from './manifest.js';
import { dayPrefix } from './s3/keys.js';

export interface WriteAudioRequest {
  /** `YYYY-MM-DD`; the file goes to that day's folder (or key prefix). */
  processDate: string;
  /** `<conversationId>_<recordingId>.<ext>` (fileNameFor); validated again here. */
  fileName: string;
  body: Readable;
  /** Content-Length announced by the server; a different byte count is a truncated download. */
  expectedBytes?: number;
  /** Stored with the object on S3 (the local store keeps only the bytes). */
  contentType?: string | null;
  /** Aborting stops the transfer and removes whatever was partly written or uploaded. */
  signal?: AbortSignal;
}

export interface StoredAudio {
  fileName: string;
  bytes: number;
  /** Lower-case hex SHA-256 of the content, computed while it streamed. */
  sha256: string;
  /** Where it is, for people: an absolute path or an s3:// URL. */
  location: string;
  /** False when an identical file (same size and SHA-256) was already there and was left untouched. */
  written: boolean;
}

export interface CleanupResult {
  /** Temporary files (local `.part`, `.tmp`) or staging objects (S3) of writers that are gone, removed. */
  partFiles: number;
  /** Incomplete multipart uploads of writers that are gone, aborted (S3 only). */
  uploads: number;
  /** Temporary files or uploads a live writer still owns (another process writing the day), left alone. */
  kept: number;
}

/** One line of `doctor`'s storage section. */
export interface StorageCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface OpenedFile {
  body: Readable;
  bytes: number;
}

export interface AudioStorage {
  readonly kind: 'file' | 's3';
  /** `file:///…` or `s3://bucket/prefix`, for logs and `status`; never carries credentials. */
  readonly url: string;
  /** Where a day's files are, for people: a directory or an `s3://bucket/prefix/YYYY-MM-DD/` URL. */
  dayLocation(processDate: string): string;
  /** Fails fast, with one clear error, when a run could not store anything (start of a run). */
  checkWritable(): Promise<void>;
  /** `doctor`: reachable, the bucket exists, writable (a probe it deletes), region right. Never throws. */
  check(): Promise<StorageCheck[]>;
  /**
   * Removes what writers that are gone left for the day (`.part` files, staging objects, incomplete
   * multipart uploads), and nothing a live writer owns (temp-names.ts: isStale).
   */
  cleanupDay(processDate: string): Promise<CleanupResult>;
  /** Streams one recording into the store, hashing it on the way; visible only once complete. */
  writeAudio(request: WriteAudioRequest): Promise<StoredAudio>;
  /** True when the day's `fileName` is complete with exactly this size and SHA-256 (resume). */
  isComplete(
    processDate: string,
    fileName: string,
    expected: { bytes: number; sha256: string },
  ): Promise<boolean>;
  /**
   * Replaces the day's manifest.jsonl, manifest.csv and _SUCCESS from `lines` (in manifest order,
   * streamed), each atomically and the marker last (day-files.ts); nothing is written when they are
   * already exactly these. An invalid line or an error from `lines` leaves the day's files as they were.
   */
  publishDay(
    processDate: string,
    lines: Iterable<ManifestLine> | AsyncIterable<ManifestLine>,
  ): Promise<PublishedDay>;
  /** The day's manifest lines; an absent manifest is an empty list. */
  readManifest(processDate: string): Promise<ManifestLine[]>;
  /** The day's _SUCCESS, when the day's files are complete. */
  readMarker(processDate: string): Promise<DayMarker | undefined>;
  /** One of the day's files as a stream with its size (the HTTP API), or undefined when there is none. */
  openDayFile(processDate: string, name: DayFileName): Promise<OpenedFile | undefined>;
  /** Releases connections (S3); the local store has nothing to release. */
  close(): Promise<void>;
}

/**
 * The storage STORAGE_URL names. The S3 implementation (and the AWS SDK, 0.1 s to import here) is imported
 * only when it is used, so the default local store costs nothing more than before.
 */
export async function openStorage(config: Config): Promise<AudioStorage> {
  const location = storageLocation(config);
  const idleMs = staleAfterMs(config.HTTP_TIMEOUT_MS);
  if (location.kind === 'file') {
    const { LocalStorage } = await import('./local.js');
    return new LocalStorage(location.root, { idleMs });
  }
  const { S3Storage } = await import('./s3/storage.js');
  return new S3Storage({
    location,
    url: describeLocation(location),
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    idleMs,
  });
}

/**
 * Where a day's files are, for people: a directory or an `s3://bucket/prefix/YYYY-MM-DD/` URL. Plain data
 * (no storage is opened, no SDK loaded), so `status` can say it cheaply; each storage's dayLocation is
 * this.
 */
export function dayLocationOf(location: StorageLocation, processDate: string): string {
  return location.kind === 'file'
    ? dayFolder(location.root, processDate)
    : `s3://${location.bucket}/${dayPrefix(location.prefix, processDate)}`;
}

/** staleAfterMs's floor, and the storages' default: 15 minutes. */
export const STALE_AFTER_MS = 15 * 60_000;

/**
 * How long a temporary file or upload may sit unchanged before the day's cleanup takes it for a
 * leftover even when it cannot tell its writer is gone (another machine): 15 minutes, or 4 times the
 * HTTP timeout when that is longer (a download that receives nothing for HTTP_TIMEOUT_MS fails).
 */
export function staleAfterMs(httpTimeoutMs: number): number {
  return Math.max(STALE_AFTER_MS, 4 * httpTimeoutMs);
}

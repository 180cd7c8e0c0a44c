// STORAGE_URL says where the audio and the manifests go: a local directory (the default,
// DATA_DIR/audio) or an S3 bucket and prefix. Parsed here, as plain data, so the config schema can
// reject a bad value at start-up and the storage layer never sees one.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type StorageLocation =
  /** `root` is an absolute directory; a day's files are in `<root>/<YYYY-MM-DD>/`. */
  | { kind: 'file'; root: string }
  /** `prefix` has no leading or trailing slash ('' for the bucket's root). */
  | { kind: 's3'; bucket: string; prefix: string };

// AWS's rules for new buckets (MinIO and Ceph follow them): 3-63 characters of lower-case letters,
// digits, dots and hyphens, starting and ending with a letter or digit.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Prefix segments: a conservative subset of S3 key characters that needs no escaping anywhere.
const PREFIX_SEGMENT = /^[A-Za-z0-9._=+-]+$/;

/** Why `url` is not a usable STORAGE_URL, or undefined when it is. */
export function storageUrlProblem(url: string): string | undefined {
  try {
    parseStorageUrl(url);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * `file:///var/lib/audio-extract/audio` → `{kind:'file', root:'/var/lib/audio-extract/audio'}`;
 * `s3://recordings/audio-extract` → `{kind:'s3', bucket:'recordings', prefix:'audio-extract'}`.
 * Throws an Error whose message says what is wrong.
 */
export function parseStorageUrl(url: string): StorageLocation {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('must be file:///absolute/path or s3://bucket/prefix');
  }
  if (u.username || u.password) {
    throw new Error('must not carry credentials: the AWS credential chain provides them (AWS_PROFILE, …)');
  }
  if (u.search || u.hash) throw new Error('must not have a query string or a #fragment');
  if (u.protocol === 'file:') {
    if (u.host) throw new Error('a file: URL must have no host: file:///absolute/path');
    const root = fileURLToPath(u);
    if (root === path.parse(root).root) throw new Error('must not be the filesystem root');
    return { kind: 'file', root: root.replace(/[\\/]+$/, '') };
  }
  if (u.protocol === 's3:') {
    const bucket = u.hostname;
    if (!BUCKET.test(bucket) || bucket.includes('..')) {
      throw new Error(
        `bucket "${bucket}" is not a valid bucket name (3-63 lower-case letters, digits, '.' and '-')`,
      );
    }
    if (u.port) throw new Error('an s3: URL has no port: set S3_ENDPOINT for a custom server');
    // From the text as written: URL parsing would quietly resolve `a/../b` to `b`.
    const afterBucket = url.slice(url.indexOf('//') + 2);
    const rawPath = afterBucket.includes('/') ? afterBucket.slice(afterBucket.indexOf('/')) : '';
    const segments = rawPath.split('/').filter(Boolean).map(safeDecode);
    for (const s of segments) {
      if (s === '.' || s === '..' || !PREFIX_SEGMENT.test(s)) {
        throw new Error(`prefix segment "${s}" may only use letters, digits and . _ = + -`);
      }
    }
    return { kind: 's3', bucket, prefix: segments.join('/') };
  }
  throw new Error('must start with file:// or s3://');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Where the audio goes: STORAGE_URL, or DATA_DIR/audio when it is unset. */
export function storageLocation(config: { STORAGE_URL?: string; DATA_DIR: string }): StorageLocation {
  if (config.STORAGE_URL) return parseStorageUrl(config.STORAGE_URL);
  return { kind: 'file', root: path.resolve(config.DATA_DIR, 'audio') };
}

/** The location as a URL for people (logs, status, doctor); never carries credentials. */
export function describeLocation(location: StorageLocation): string {
  if (location.kind === 'file') return pathToFileURL(location.root).href;
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}

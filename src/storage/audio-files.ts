// The local audio store: DATA_DIR/audio/<YYYY-MM-DD>/<conversationId>_<recordingId>.<ext>.
// A file only appears under its final name once it is complete, synced and checked (written to
// `<name>.<writer tag>.part`, then renamed), so a crash or a truncated download never leaves a file that
// looks done, and two writers of the same file never share a `.part` (temp-names.ts, ADR 0015).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { AppError, EnvironmentError, errorMessage } from '../lib/errors.js';
import { resolveInside, safeSegment } from '../lib/paths.js';
import { coalesce } from '../lib/pool.js';
import { errnoCode, mapFsError } from './fs-errors.js';
import { isStale, parseTempName, type StaleRule, tempName } from './temp-names.js';

const PART_SUFFIX = '.part';
/** Suffix of the day files' (manifest, CSV, marker) temporary names (day-files-local.ts). */
export const TMP_SUFFIX = '.tmp';
/** Bytes gathered before a write to the .part file (memory per download in flight). */
const WRITE_CHUNK = 1024 * 1024;

const EXTENSIONS: Record<string, string> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'audio/webm': 'webm',
  'audio/x-matroska': 'mka',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/aac': 'aac',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/amr': 'amr',
  'application/json': 'json',
};

/**
 * File extension for a Content-Type; parameters (`; codecs=opus`) and case are ignored. An audio type
 * not listed here gets its subtype when that is a plain word (`audio/x-gsm` → `gsm`), else `audio`:
 * never `bin` for audio. Other unknown or missing types give `bin`: the bytes are kept, and the
 * manifest's `contentType` says what they are, rather than guessing an extension the transcription
 * stage would trust. (The download picks the type, from the file's bytes when need be: sniff.ts.)
 */
export function extensionFor(contentType: string | null | undefined): string {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const known = EXTENSIONS[mime];
  if (known) return known;
  if (!mime.startsWith('audio/')) return 'bin';
  const sub = mime.slice('audio/'.length).replace(/^x-/, '');
  return /^[a-z0-9]{1,8}$/.test(sub) ? sub : 'audio';
}

/** `<conversationId>_<recordingId>.<ext>`; both ids are validated with safeSegment. */
export function fileNameFor(input: {
  conversationId: string;
  recordingId: string;
  contentType: string | null | undefined;
}): string {
  const conversationId = safeSegment('conversation id', input.conversationId);
  const recordingId = safeSegment('recording id', input.recordingId);
  return `${conversationId}_${recordingId}.${extensionFor(input.contentType)}`;
}

export interface WrittenFile {
  /** Absolute path of the final file. */
  file: string;
  bytes: number;
  /** Lower-case hex SHA-256 of the content. */
  sha256: string;
}

export interface WriteAudioFileInput {
  dir: string;
  fileName: string;
  body: Readable;
  /** Content-Length announced by the server; a different byte count is a truncated download. */
  expectedBytes?: number;
  signal?: AbortSignal;
}

async function writeFully(fh: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}

function truncated(fileName: string, detail: string, cause?: unknown): AppError {
  return new AppError('DOWNLOAD_TRUNCATED', `download of ${fileName} was incomplete: ${detail}`, { cause });
}

/**
 * Streams `body` to `<dir>/<fileName>` via a `.part` file of its own; hashes while streaming; buffers at
 * most WRITE_CHUNK bytes (plus one socket chunk) at a time.
 */
export async function writeAudioFile(input: WriteAudioFileInput): Promise<WrittenFile> {
  const { dir, body, expectedBytes, signal } = input;
  const fileName = safeSegment('file name', input.fileName);
  const file = resolveInside(dir, fileName);
  const part = resolveInside(dir, tempName(fileName, PART_SUFFIX));
  if (signal) addAbortSignal(signal, body);

  const hash = createHash('sha256');
  let bytes = 0;
  try {
    let fh: FileHandle;
    try {
      // The directory is created on the first file, or again if it disappeared meanwhile (one
      // mkdir per file cost as much main-thread time as the write itself).
      fh = await open(part, 'w').catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
        await mkdir(dir, { recursive: true });
        return open(part, 'w');
      });
    } catch (e) {
      throw mapFsError(e, dir);
    }
    try {
      let writing = false;
      // Socket chunks are small (16-64 KB): they are gathered and written WRITE_CHUNK at a time, so a
      // typical recording takes one or two writes instead of dozens.
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const writePending = async () => {
        if (pendingBytes === 0) return;
        const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        writing = true;
        await writeFully(fh, buf);
        writing = false;
      };
      try {
        for await (const chunk of body) {
          const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          hash.update(buf);
          bytes += buf.length;
          pending.push(buf);
          pendingBytes += buf.length;
          if (pendingBytes >= WRITE_CHUNK) await writePending();
        }
        await writePending();
      } catch (e) {
        if (writing) throw mapFsError(e, dir);
        if (signal?.aborted) throw signal.reason;
        throw truncated(fileName, `stream failed after ${bytes} bytes (${errorMessage(e)})`, e);
      }
      try {
        await fh.sync();
      } catch (e) {
        throw mapFsError(e, dir);
      }
    } finally {
      await fh.close();
    }
    if (expectedBytes !== undefined && bytes !== expectedBytes) {
      throw truncated(fileName, `received ${bytes} bytes, Content-Length said ${expectedBytes}`);
    }
    const sha256 = hash.digest('hex');
    if (await verifyFile(file, { bytes, sha256 })) {
      await unlink(part);
      return { file, bytes, sha256 };
    }
    try {
      await rename(part, file);
    } catch (e) {
      throw mapFsError(e, dir);
    }
    await syncDirShared(dir);
    return { file, bytes, sha256 };
  } catch (e) {
    await rm(part, { force: true }).catch(() => {});
    if (!body.destroyed) body.destroy();
    throw e;
  }
}

/** One coalescing directory sync per directory (see syncDirShared). */
const dirSyncs = new Map<string, () => Promise<void>>();

/**
 * Makes the renames already done in `dir` durable, sharing the directory fsync between concurrent
 * downloads: a caller whose rename came while a sync was running waits for the next one (which
 * starts after that rename, so it covers it), and everyone waiting then shares that one. With 8
 * downloads at once this replaced most of the open+fsync+close of a directory per file.
 */
export function syncDirShared(dir: string): Promise<void> {
  let sync = dirSyncs.get(dir);
  if (!sync) {
    sync = coalesce(() => syncDir(dir));
    dirSyncs.set(dir, sync);
  }
  return sync();
}

/** Makes a rename durable. Best effort: not every platform lets a directory be opened and synced. */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // fsync on a directory is unsupported on some platforms (Windows); the rename itself is still atomic.
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** SHA-256 (hex) of a file, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** True when `file` exists with exactly this size and SHA-256 (used on resume to trust a file). */
export async function verifyFile(
  file: string,
  expected: { bytes: number; sha256: string },
): Promise<boolean> {
  try {
    const st = await stat(file);
    if (!st.isFile() || st.size !== expected.bytes) return false;
    return (await hashFile(file)) === expected.sha256.toLowerCase();
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw e;
  }
}

export interface RemovedTemps {
  removed: number;
  /** Temporary files of live writers (another process writing the same day), left alone. */
  kept: number;
}

/**
 * Deletes the `*.part` and `*.tmp` files in `dir` that no live writer owns (isStale, ADR 0015): a
 * crashed process' leftovers. A missing dir counts as nothing.
 */
export async function removeStaleTemps(
  dir: string,
  rule: StaleRule,
  now = Date.now(),
): Promise<RemovedTemps> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { removed: 0, kept: 0 };
    throw mapFsError(e, dir);
  }
  const out: RemovedTemps = { removed: 0, kept: 0 };
  for (const name of names) {
    const temp = parseTempName(name, PART_SUFFIX) ?? parseTempName(name, TMP_SUFFIX);
    if (!temp) continue;
    const file = path.join(dir, name);
    const modified = await stat(file).then(
      (st) => st.mtimeMs,
      () => undefined,
    );
    if (modified === undefined) continue; // its writer renamed or removed it meanwhile
    if (!isStale(temp, now - modified, rule)) {
      out.kept++;
      continue;
    }
    await rm(file, { force: true });
    out.removed++;
  }
  return out;
}

/**
 * Creates `dataDir` if needed and proves it is writable with a probe file, so a bad DATA_DIR fails
 * at start-up with a clear message instead of after an hour of Genesys calls.
 */
export async function checkWritable(dataDir: string): Promise<void> {
  const dir = path.resolve(dataDir);
  const probe = path.join(dir, `.write-probe-${process.pid}-${Date.now()}`);
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(probe, 'w');
    try {
      // No fsync: the probe is deleted at once, so making it durable proves nothing more, and right
      // after other writes (a database just created) one fsync waited ~160 ms for them to reach the disk.
      await fh.writeFile('ok');
    } finally {
      await fh.close();
    }
    await unlink(probe);
  } catch (e) {
    await rm(probe, { force: true }).catch(() => {});
    const mapped = mapFsError(e, dir);
    if (mapped !== e) throw mapped;
    throw new EnvironmentError('DATA_DIR_NOT_WRITABLE', `cannot use DATA_DIR ${dir}: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}

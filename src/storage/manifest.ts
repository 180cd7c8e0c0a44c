// manifest.jsonl is the hand-off to the transcription stage: one line per recording of the day,
// including the ones that could not be downloaded (with the reason). It is rewritten whole and
// atomically, in a fixed order and with a fixed key order, so the same day always produces the same bytes.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { syncDir } from './audio-files.js';
import { errnoCode, mapFsError } from './fs-errors.js';

export const MANIFEST_FILE = 'manifest.jsonl';
const TMP_SUFFIX = '.tmp';

export const MANIFEST_STATUSES = ['downloaded', 'unavailable', 'failed', 'pending'] as const;
export type ManifestStatus = (typeof MANIFEST_STATUSES)[number];

export interface ManifestLine {
  conversationId: string;
  /** null on a line for a conversation whose recordings are not known yet (e.g. still in wrap-up). */
  recordingId: string | null;
  queueId: string | null;
  queueIds: string[];
  agentUserIds: string[];
  /** ISO-8601 instant. */
  conversationStart: string;
  conversationEnd: string | null;
  durationMs: number | null;
  direction: string | null;
  contentType: string | null;
  /** File name relative to DATA_DIR/audio/<date>/; null when nothing was downloaded. */
  file: string | null;
  bytes: number | null;
  sha256: string | null;
  status: ManifestStatus;
  /** Why the recording is not downloaded (status other than `downloaded`). */
  reason: string | null;
}

const nullableString = z.string().nullable();
const nullableInt = z.number().int().nonnegative().nullable();

// Key order here is the key order on disk.
const lineSchema = z
  .object({
    conversationId: z.string(),
    recordingId: z.string().nullable(),
    queueId: nullableString,
    queueIds: z.array(z.string()),
    agentUserIds: z.array(z.string()),
    conversationStart: z.string(),
    conversationEnd: nullableString,
    durationMs: z.number().nonnegative().nullable(),
    direction: nullableString,
    contentType: nullableString,
    file: nullableString,
    bytes: nullableInt,
    sha256: nullableString,
    status: z.enum(MANIFEST_STATUSES),
    reason: nullableString,
  })
  .strict();

// Compile-time check that the schema and the exported interface describe the same shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShape: Same<z.infer<typeof lineSchema>, ManifestLine> = true;
void _sameShape;

const KEYS = Object.keys(lineSchema.shape) as (keyof ManifestLine)[];

/**
 * Manifest order: conversationStart, then conversationId, then recordingId (a conversation's lines stay
 * together; a line without a recording comes first). Plain code-unit comparison, which is what the
 * database's `collate "C"` gives for these ASCII ids and ISO instants, so the report can stream lines
 * in the database's order.
 */
function compareLines(a: ManifestLine, b: ManifestLine): number {
  if (a.conversationStart !== b.conversationStart) return a.conversationStart < b.conversationStart ? -1 : 1;
  if (a.conversationId !== b.conversationId) return a.conversationId < b.conversationId ? -1 : 1;
  if (a.recordingId !== b.recordingId) return (a.recordingId ?? '') < (b.recordingId ?? '') ? -1 : 1;
  return 0;
}

/** One line of JSON with keys in the declared order (extra keys are dropped). */
export function serializeManifestLine(line: ManifestLine): string {
  const ordered: Record<string, unknown> = {};
  for (const key of KEYS) ordered[key] = line[key];
  return JSON.stringify(ordered);
}

/** Characters of serialized lines (mostly ASCII, so about bytes) gathered before one write. */
const WRITE_CHUNK = 64 * 1024;

function checkLine(file: string, line: ManifestLine, i: number, previous: ManifestLine | undefined): void {
  const result = lineSchema.safeParse(line);
  const problem = !result.success
    ? `${result.error.issues[0]?.path.join('.') || ''} ${result.error.issues[0]?.message ?? 'is invalid'}`
    : previous && compareLines(previous, line) > 0
      ? 'is out of order'
      : undefined;
  if (problem) {
    throw new AppError(
      'MANIFEST_INVALID',
      `refusing to write ${file}: entry ${i} (${line.conversationId}/${line.recordingId}) ${problem}`,
    );
  }
}

/**
 * The manifest's bytes, 64 KiB at a time, from lines that come in manifest order (compareLines), so
 * memory stays flat whatever the size of the day. Throws MANIFEST_INVALID (naming `where`) at the first
 * invalid or out-of-order line; a writer that stops there leaves the previous manifest as it was.
 */
export async function* manifestChunks(
  where: string,
  lines: Iterable<ManifestLine> | AsyncIterable<ManifestLine>,
): AsyncGenerator<Buffer> {
  let chunk = '';
  let i = 0;
  let previous: ManifestLine | undefined;
  for await (const line of lines) {
    checkLine(where, line, i++, previous);
    previous = line;
    chunk += `${serializeManifestLine(line)}\n`;
    if (chunk.length >= WRITE_CHUNK) {
      yield Buffer.from(chunk, 'utf8');
      chunk = '';
    }
  }
  if (chunk) yield Buffer.from(chunk, 'utf8');
}

/**
 * Writes `<dir>/manifest.jsonl` from lines that come in manifest order (compareLines), atomically (temp
 * file, fsync, rename): readers see the old manifest or the new one, never half of one. Lines are written
 * out in 64 KiB chunks as they come, so memory stays flat whatever the size of the day. An invalid or
 * out-of-order line, or an error from `lines`, leaves the previous manifest as it was.
 */
export async function streamManifest(
  dir: string,
  lines: Iterable<ManifestLine> | AsyncIterable<ManifestLine>,
): Promise<string> {
  const file = path.join(dir, MANIFEST_FILE);
  const tmp = file + TMP_SUFFIX;
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(tmp, 'w');
    try {
      for await (const chunk of manifestChunks(file, lines)) await fh.write(chunk);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw mapFsError(e, dir);
  }
  await syncDir(dir);
  return file;
}

/** Writes a whole manifest from lines in any order (sorted here); see streamManifest. */
export function writeManifest(dir: string, lines: readonly ManifestLine[]): Promise<string> {
  return streamManifest(dir, [...lines].sort(compareLines));
}

/** Reads `<dir>/manifest.jsonl`; an absent manifest is an empty list. Invalid lines throw MANIFEST_INVALID. */
export async function readManifest(dir: string): Promise<ManifestLine[]> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
  return parseManifest(text, file);
}

/** The lines of a manifest's text; `where` (a path or an s3:// URL) names it in MANIFEST_INVALID errors. */
export function parseManifest(text: string, where: string): ManifestLine[] {
  const out: ManifestLine[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(row);
    } catch (e) {
      throw new AppError('MANIFEST_INVALID', `${where} line ${i + 1} is not JSON`, { cause: e });
    }
    const result = lineSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new AppError(
        'MANIFEST_INVALID',
        `${where} line ${i + 1}: ${issue?.path.join('.') || '(line)'} ${issue?.message ?? 'is invalid'}`,
      );
    }
    out.push(result.data);
  }
  return out;
}

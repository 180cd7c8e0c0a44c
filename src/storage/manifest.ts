// manifest.jsonl is the hand-off to the transcription stage: one line per recording of the day,
// including the ones that could not be downloaded (with the reason). It is rewritten whole and
// atomically (day-files.ts), in a fixed order and with a fixed key order, so the same day always
// produces the same bytes. This module is its format: the line's schema, serialising, parsing.
import { z } from 'zod';
import { AppError } from '../lib/errors.js';

export const MANIFEST_FILE = 'manifest.jsonl';

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
  /** File name relative to the day's folder or key prefix; null when nothing was downloaded. */
  file: string | null;
  bytes: number | null;
  sha256: string | null;
  status: ManifestStatus;
  /** Why the recording is not downloaded (status other than `downloaded`). */
  reason: string | null;
  // Names and call facts (issue 17; README "Output" documents each). Always written by the report; absent
  // from manifests written before them. Lists follow the id list they describe, null where unknown.
  /** name of queueId */
  queueName?: string | null;
  /** a name per entry of queueIds */
  queueNames?: (string | null)[];
  /** a name per entry of agentUserIds (participantName, else the directory's) */
  agentNames?: (string | null)[];
  /** each agent's manager (team leader), where the org sets one */
  agentManagerIds?: (string | null)[];
  agentManagerNames?: (string | null)[];
  /** wrap-up code ids of the agents' finished wrap-up segments, in order (a code may repeat) */
  wrapUpCodes?: string[];
  /** a name and a note per entry of wrapUpCodes */
  wrapUpNames?: (string | null)[];
  wrapUpNotes?: (string | null)[];
  /** the recording's own start and end (ISO-8601) where its metadata gives them */
  recordingStart?: string | null;
  recordingEnd?: string | null;
  /** caller and dialled numbers: null unless MANIFEST_ANI_DNIS=true */
  ani?: string | null;
  dnis?: string | null;
}

const nullableString = z.string().nullable();
const nullableInt = z.number().int().nonnegative().nullable();
const nullableList = z.array(z.string().nullable());

// Key order here is the key order on disk, and the column order of manifest.csv (manifest-csv.ts).
export const manifestLineSchema = z
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
    queueName: nullableString.optional(),
    queueNames: nullableList.optional(),
    agentNames: nullableList.optional(),
    agentManagerIds: nullableList.optional(),
    agentManagerNames: nullableList.optional(),
    wrapUpCodes: z.array(z.string()).optional(),
    wrapUpNames: nullableList.optional(),
    wrapUpNotes: nullableList.optional(),
    recordingStart: nullableString.optional(),
    recordingEnd: nullableString.optional(),
    ani: nullableString.optional(),
    dnis: nullableString.optional(),
  })
  .strict();

// Compile-time check that the schema and the exported interface describe the same shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShape: Same<z.infer<typeof manifestLineSchema>, ManifestLine> = true;
void _sameShape;

const KEYS = Object.keys(manifestLineSchema.shape) as (keyof ManifestLine)[];

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
  const result = manifestLineSchema.safeParse(line);
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

/** Lines in any order, sorted into manifest order (what the day's writers require). */
export function sortManifestLines(lines: readonly ManifestLine[]): ManifestLine[] {
  return [...lines].sort(compareLines);
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
    const result = manifestLineSchema.safeParse(parsed);
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

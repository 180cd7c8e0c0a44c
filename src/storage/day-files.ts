// The files beside a day's audio: manifest.jsonl (the hand-off), manifest.csv (the same lines for a
// spreadsheet) and _SUCCESS (written last: the day's files are complete). Both stores publish them with
// publishDay, in this order (ADR 0015):
//   1. manifest.jsonl is staged (a temporary file or staging upload of this writer's own), and hashed;
//   2. when the _SUCCESS already there names exactly these bytes, and both files are still as it says,
//      nothing is written: a re-run that changes nothing leaves the day alone;
//   3. manifest.csv is staged from the staged manifest;
//   4. _SUCCESS is removed, manifest.jsonl and then manifest.csv take their final names (each atomically),
//      and _SUCCESS is written last (atomically), naming the size and SHA-256 of both.
// So whenever _SUCCESS is there, both files are complete and are the ones it names. While a re-run
// replaces them (the milliseconds of step 4) there is no _SUCCESS; a reader that read the marker before
// that and the files after sees a SHA-256 that differs from the marker's, and reads again.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import {
  MANIFEST_FILE,
  type ManifestLine,
  manifestChunks,
  manifestLineSchema,
  parseManifest,
} from './manifest.js';
import { csvChunks, csvColumns } from './manifest-csv.js';

export const CSV_FILE = 'manifest.csv';
export const MARKER_FILE = '_SUCCESS';
export const DAY_FILES = [MANIFEST_FILE, CSV_FILE, MARKER_FILE] as const;
export type DayFileName = (typeof DAY_FILES)[number];

export const DAY_FILE_TYPES: Record<DayFileName, string> = {
  [MANIFEST_FILE]: 'application/x-ndjson; charset=utf-8',
  [CSV_FILE]: 'text/csv; charset=utf-8; header=present',
  [MARKER_FILE]: 'application/json; charset=utf-8',
};

export interface FileDigest {
  bytes: number;
  /** Lower-case hex SHA-256. */
  sha256: string;
}

/** A day file written under a temporary name of its own, not yet visible under its final name. */
export interface StagedFile extends FileDigest {
  /** Its bytes, read back. */
  read(): Readable;
  /** Gives it its final name, atomically (rename, PutObject, CopyObject). */
  commit(): Promise<void>;
  /** Removes it; harmless after commit. */
  discard(): Promise<void>;
}

/** What each store provides for the day files; publishDay does the rest. */
export interface DayFileStore {
  /** A path or an s3:// URL. */
  location(processDate: string, name: DayFileName): string;
  stage(processDate: string, name: DayFileName, chunks: AsyncIterable<Buffer>): Promise<StagedFile>;
  /** A small file's bytes (the marker), or undefined when there is none. */
  read(processDate: string, name: DayFileName): Promise<Buffer | undefined>;
  /** True when the file is there with exactly this size and SHA-256. */
  matches(processDate: string, name: DayFileName, digest: FileDigest): Promise<boolean>;
  remove(processDate: string, name: DayFileName): Promise<void>;
}

/** The content of _SUCCESS. */
export interface DayMarker {
  processDate: string;
  /** Lines in both files. */
  lines: number;
  /** Lines per manifest status (`pending` lines may still change in a later run). */
  statuses: Record<string, number>;
  files: Record<typeof MANIFEST_FILE | typeof CSV_FILE, FileDigest>;
}

export interface PublishedDay {
  manifest: string;
  csv: string;
  marker: string;
  /** False when the day's files were already exactly these and nothing was written. */
  changed: boolean;
  lines: number;
}

let columns: ReturnType<typeof csvColumns> | undefined;

/** The manifest's lines, read back from its bytes (they were checked when written). */
async function* linesOf(body: Readable): AsyncGenerator<ManifestLine> {
  for await (const row of createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (row !== '') yield JSON.parse(row) as ManifestLine;
  }
}

function parseMarker(bytes: Buffer | undefined): DayMarker | undefined {
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as DayMarker;
  } catch {
    return undefined; // not ours or cut short: replaced below
  }
}

const same = (a: FileDigest | undefined, b: FileDigest) => a?.bytes === b.bytes && a.sha256 === b.sha256;

/**
 * Publishes the day's manifest.jsonl, manifest.csv and _SUCCESS from `lines` (in manifest order,
 * streamed). An invalid line or an error from `lines` leaves the day's files as they were.
 */
export async function publishDay(
  store: DayFileStore,
  processDate: string,
  lines: Iterable<ManifestLine> | AsyncIterable<ManifestLine>,
): Promise<PublishedDay> {
  const statuses: Record<string, number> = {};
  let count = 0;
  async function* counted(): AsyncGenerator<ManifestLine> {
    for await (const line of lines) {
      count++;
      statuses[line.status] = (statuses[line.status] ?? 0) + 1;
      yield line;
    }
  }
  const where = store.location(processDate, MANIFEST_FILE);
  const published = (changed: boolean): PublishedDay => ({
    manifest: where,
    csv: store.location(processDate, CSV_FILE),
    marker: store.location(processDate, MARKER_FILE),
    changed,
    lines: count,
  });
  const staged: StagedFile[] = [];
  try {
    const manifest = await store.stage(processDate, MANIFEST_FILE, manifestChunks(where, counted()));
    staged.push(manifest);
    const current = parseMarker(await store.read(processDate, MARKER_FILE));
    if (
      current &&
      same(current.files?.[MANIFEST_FILE], manifest) &&
      (await store.matches(processDate, MANIFEST_FILE, manifest)) &&
      (await store.matches(processDate, CSV_FILE, current.files[CSV_FILE]))
    ) {
      return published(false);
    }
    columns ??= csvColumns(manifestLineSchema);
    const csv = await store.stage(processDate, CSV_FILE, csvChunks(columns, linesOf(manifest.read())));
    staged.push(csv);
    const marker: DayMarker = {
      processDate,
      lines: count,
      statuses,
      files: {
        [MANIFEST_FILE]: { bytes: manifest.bytes, sha256: manifest.sha256 },
        [CSV_FILE]: { bytes: csv.bytes, sha256: csv.sha256 },
      },
    };
    const markerFile = await store.stage(
      processDate,
      MARKER_FILE,
      (async function* () {
        yield Buffer.from(`${JSON.stringify(marker, null, 2)}\n`, 'utf8');
      })(),
    );
    staged.push(markerFile);
    await store.remove(processDate, MARKER_FILE);
    await manifest.commit();
    await csv.commit();
    await markerFile.commit();
    return published(true);
  } finally {
    for (const s of staged) await s.discard().catch(() => {});
  }
}

/** The day's marker, when there is one and it parses. */
export async function readMarker(store: DayFileStore, processDate: string): Promise<DayMarker | undefined> {
  return parseMarker(await store.read(processDate, MARKER_FILE));
}

/** The day-file methods of AudioStorage, which every storage answers from its DayFileStore alone. */
export abstract class DayFilesBacked {
  protected abstract readonly dayFiles: DayFileStore;

  publishDay(
    processDate: string,
    lines: Iterable<ManifestLine> | AsyncIterable<ManifestLine>,
  ): Promise<PublishedDay> {
    return publishDay(this.dayFiles, processDate, lines);
  }

  /** The day's manifest lines; none when it has no manifest yet. */
  async readManifest(processDate: string): Promise<ManifestLine[]> {
    const bytes = await this.dayFiles.read(processDate, MANIFEST_FILE);
    if (!bytes) return [];
    return parseManifest(bytes.toString('utf8'), this.dayFiles.location(processDate, MANIFEST_FILE));
  }

  readMarker(processDate: string): Promise<DayMarker | undefined> {
    return readMarker(this.dayFiles, processDate);
  }
}

// The local store: `<root>/<YYYY-MM-DD>/<file>` with root = DATA_DIR/audio by default (STORAGE_URL
// file:///…). It wraps the file functions of audio-files.ts (which keep their own tests) and stages the
// day files in day-files-local.ts.
import { createReadStream } from 'node:fs';
import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatBytes } from '../lib/bytes.js';
import { EnvironmentError, errorMessage } from '../lib/errors.js';
import { resolveInside, safeSegment } from '../lib/paths.js';
import { checkWritable, removeStaleTemps, verifyFile, writeAudioFile } from './audio-files.js';
import { dayFolder } from './day.js';
import { type DayFileName, type DayFileStore, DayFilesBacked } from './day-files.js';
import { localDayFiles } from './day-files-local.js';
import { errnoCode } from './fs-errors.js';
import {
  type AudioStorage,
  type CleanupResult,
  dayLocationOf,
  type OpenedFile,
  STALE_AFTER_MS,
  type StorageCheck,
  type StoredAudio,
  type WriteAudioRequest,
} from './storage.js';
import { staleRule } from './temp-names.js';

/** Free bytes for an unprivileged writer in `dir` (or its nearest existing parent), if known. */
async function freeBytes(dir: string): Promise<number | undefined> {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      const s = await statfs(d);
      return s.bavail * s.bsize;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT' || d === path.dirname(d)) return undefined;
    }
  }
}

/**
 * A full disk as one message naming the directory and the space this recording needed, so the operator
 * knows where to free space and roughly how much (the rest of the day needs more).
 */
async function diskFull(
  e: EnvironmentError,
  dir: string,
  request: WriteAudioRequest,
): Promise<EnvironmentError> {
  const free = await freeBytes(dir);
  const needed =
    request.expectedBytes !== undefined
      ? `${request.fileName} needs ${formatBytes(request.expectedBytes)}`
      : `${request.fileName} did not fit`;
  return new EnvironmentError(
    'DISK_FULL',
    `disk full writing ${dir}: ${needed}${free !== undefined ? `, ${formatBytes(free)} free` : ''}; ` +
      'free space there (or point STORAGE_URL/DATA_DIR at a larger disk) and run again; finished files are kept',
    { cause: e.cause ?? e },
  );
}

export class LocalStorage extends DayFilesBacked implements AudioStorage {
  readonly kind = 'file' as const;
  readonly url: string;
  protected readonly dayFiles: DayFileStore;
  private readonly idleMs: number;

  /** `idleMs`: see staleAfterMs (storage.ts). */
  constructor(
    readonly root: string,
    options: { idleMs: number } = { idleMs: STALE_AFTER_MS },
  ) {
    super();
    this.url = pathToFileURL(root).href;
    this.dayFiles = localDayFiles(root);
    this.idleMs = options.idleMs;
  }

  dayLocation(processDate: string): string {
    return dayLocationOf({ kind: 'file', root: this.root }, processDate);
  }

  checkWritable(): Promise<void> {
    return checkWritable(this.root);
  }

  async check(): Promise<StorageCheck[]> {
    try {
      await checkWritable(this.root);
      const free = await freeBytes(this.root);
      const room = free !== undefined ? ` (${formatBytes(free)} free)` : '';
      return [{ name: 'storage', ok: true, detail: `${this.root} is writable${room}` }];
    } catch (e) {
      return [
        {
          name: 'storage',
          ok: false,
          detail: errorMessage(e),
          fix: 'point DATA_DIR (or STORAGE_URL=file:///…) at a writable directory with room for a day of audio',
        },
      ];
    }
  }

  async cleanupDay(processDate: string): Promise<CleanupResult> {
    // Recordings' `.part` files and the day files' `.tmp` files alike; a manifest cut short by a kill
    // was never read (it is renamed only when complete).
    const { removed, kept } = await removeStaleTemps(
      dayFolder(this.root, processDate),
      staleRule(this.idleMs),
    );
    return { partFiles: removed, uploads: 0, kept };
  }

  async writeAudio(request: WriteAudioRequest): Promise<StoredAudio> {
    const dir = dayFolder(this.root, request.processDate);
    const fileName = safeSegment('file name', request.fileName);
    const file = resolveInside(dir, fileName);
    // writeAudioFile drops its .part and keeps the file when an identical one is already there; the
    // inode tells whether it did (a rename puts a new inode under the name).
    const before = await inode(file);
    try {
      const out = await writeAudioFile({
        dir,
        fileName,
        body: request.body,
        expectedBytes: request.expectedBytes,
        signal: request.signal,
      });
      const written = before === undefined || (await inode(file)) !== before;
      return { fileName, bytes: out.bytes, sha256: out.sha256, location: out.file, written };
    } catch (e) {
      if (e instanceof EnvironmentError && e.code === 'DISK_FULL') throw await diskFull(e, dir, request);
      throw e;
    }
  }

  isComplete(
    processDate: string,
    fileName: string,
    expected: { bytes: number; sha256: string },
  ): Promise<boolean> {
    const dir = dayFolder(this.root, processDate);
    return verifyFile(resolveInside(dir, safeSegment('file name', fileName)), expected);
  }

  async openDayFile(processDate: string, name: DayFileName): Promise<OpenedFile | undefined> {
    const file = path.join(dayFolder(this.root, processDate), name);
    const info = await stat(file).catch((e: unknown) => {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
      throw e;
    });
    if (!info?.isFile()) return undefined;
    return { body: createReadStream(file), bytes: info.size };
  }

  async close(): Promise<void> {}
}

async function inode(file: string): Promise<number | undefined> {
  return stat(file).then(
    (st) => (st.isFile() ? st.ino : undefined),
    () => undefined,
  );
}

// The status snapshot: the embedded database can be open in one process only (ADR 0008), so `status` in
// a second terminal cannot read it while a run holds it. The process that holds it (run, demo, serve)
// writes what `status` would show of the dates it is working on to DATA_DIR/status.json every couple of
// seconds, atomically (a temporary file renamed over it) and owner-only; `status` reads that file when
// the database is in use, and only if the file comes from the process that holds the lock.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { errorMessage } from '../lib/errors.js';
import type { Db } from '../store/db.js';
import type { LockOwner } from '../store/dir-lock.js';
import { liveStatusOf, type StatusJson } from './status-report.js';

const SNAPSHOT_FILE = 'status.json';
/** Often enough to follow a run. */
const SNAPSHOT_EVERY_MS = 2_000;
/**
 * A snapshot counts the running dates' recordings by state: 10-56 ms (median 32) for a day of 2,603
 * recordings here, and it grows with the day. The next one waits at least this many times as long as
 * the last took, so snapshots never take more than 1/20 of the database's time from the run.
 */
const SHARE = 20;

export interface SnapshotWriter {
  /** Stops writing and removes the file. */
  stop(): Promise<void>;
}

export function startStatusSnapshots(opts: {
  db: Db;
  dataDir: string;
  command: string;
  logger?: Logger;
  everyMs?: number;
}): SnapshotWriter {
  const file = path.join(opts.dataDir, SNAPSHOT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;
  let warned = false;
  let timer: NodeJS.Timeout | undefined;
  let lastMs = 0;
  const write = async () => {
    const started = performance.now();
    const status = await liveStatusOf(opts.db);
    lastMs = performance.now() - started;
    const snapshot: StatusJson = {
      live: { pid: process.pid, command: opts.command, writtenAt: new Date().toISOString() },
      ...status,
    };
    await writeFile(tmp, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  };
  // One write at a time; a failed one (disk full, database closing) is logged once and retried next time.
  const next = () => {
    writing = writing
      .then(() => (stopped ? undefined : write()))
      .catch((e) => {
        if (!warned && !stopped)
          opts.logger?.warn({ err: errorMessage(e) }, 'could not write the status snapshot');
        warned = true;
      });
    return writing;
  };
  const schedule = () => {
    if (stopped) return;
    const wait = Math.max(opts.everyMs ?? SNAPSHOT_EVERY_MS, SHARE * lastMs);
    timer = setTimeout(() => void next().then(schedule), wait);
    timer.unref();
  };
  void next().then(schedule);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await writing;
      await rm(file, { force: true });
      await rm(tmp, { force: true });
    },
  };
}

/**
 * The live view written by `owner`, the process holding the database; undefined when there is none
 * from it (it started before this feature, it is on another host, or the file is an old one).
 */
export async function readStatusSnapshot(
  dataDir: string,
  owner: LockOwner | undefined,
): Promise<StatusJson | undefined> {
  if (!owner) return undefined;
  let snapshot: StatusJson;
  try {
    snapshot = JSON.parse(await readFile(path.join(dataDir, SNAPSHOT_FILE), 'utf8')) as StatusJson;
  } catch {
    return undefined;
  }
  return snapshot.live?.pid === owner.pid ? snapshot : undefined;
}

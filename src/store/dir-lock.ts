// A lock file that says "this directory belongs to one live process", for the embedded database, which
// corrupts when two processes open it (stack notes P1). See docs/decisions/0008 for why not a library.
//
// - Taking it is one atomic step: the owner's identity (pid, process start time, host, a random nonce)
//   is written to a private temp file first, then link()ed to the lock's name, which fails if the name
//   exists. Nobody ever sees a half-written lock.
// - A lock is stale only when its owner is certainly gone: no such pid, or a pid whose start time differs
//   from the one written (the pid was reused after a crash or a reboot: boot id + start ticks).
// - A stale lock is removed only by whoever holds its break token, a lock of the same kind named after
//   the stale lock's nonce, and only after checking, under that token, that the lock still holds that
//   nonce. Two processes that both find the lock stale cannot both remove it, nor remove a fresh lock
//   that replaced it: the fresh one has another nonce.
// - Only the owner removes a live lock (release), after checking its nonce.
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { EnvironmentError } from '../lib/errors.js';
import { pidAlive } from '../lib/processes.js';

export interface LockOwner {
  pid: number;
  /** `<boot id>:<start ticks>` on Linux; null where the start time cannot be read. */
  start: string | null;
  host: string;
  nonce: string;
}

export type OwnerState = 'alive' | 'gone' | 'elsewhere';

/** A break token can itself go stale (a crash while breaking); past this depth, ask a person. */
const MAX_BREAK_DEPTH = 3;
/**
 * How long to keep trying while the lock changes hands (another process is breaking a stale lock: a
 * few system calls, unless that process is descheduled on a loaded machine).
 */
const CONTENDED_FOR_MS = 10_000;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

let bootId: string | undefined;
/**
 * A process' identity beyond its pid: the boot (pids restart at every boot) and the clock ticks after
 * boot at which it started (field 22 of /proc/<pid>/stat, after the command name, which may hold
 * spaces and parentheses). Null where /proc is not there (macOS): liveness is then the pid alone.
 */
export function processStart(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  bootId ??= readText('/proc/sys/kernel/random/boot_id')?.trim() ?? '';
  if (!stat || !bootId) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[19]; // field 22 of the whole line; fields[0] is field 3
  return ticks ? `${bootId}:${ticks}` : null;
}

/** Whether the owner recorded in a lock is still running (pure but for the pid and /proc probes). */
export function ownerState(owner: LockOwner, me = { host: hostname() }): OwnerState {
  if (owner.host !== me.host) return 'elsewhere';
  if (!pidAlive(owner.pid)) return 'gone';
  if (owner.start === null) return 'alive';
  const now = processStart(owner.pid);
  return now === null || now === owner.start ? 'alive' : 'gone';
}

/**
 * The owner written in a lock file. A lock written by audio-extract before this format holds a bare pid
 * and no start time: its process started before the lock was written, so a live process with that pid
 * that started later is another process.
 */
function readOwner(file: string): LockOwner | 'absent' | 'unreadable' {
  const text = readText(file);
  if (text === undefined) return 'absent';
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (
      Number.isSafeInteger(o.pid) &&
      o.pid! > 0 &&
      typeof o.nonce === 'string' &&
      typeof o.host === 'string'
    ) {
      return {
        pid: o.pid!,
        start: typeof o.start === 'string' ? o.start : null,
        host: o.host,
        nonce: o.nonce,
      };
    }
  } catch {
    // not JSON: the former format, or not ours
  }
  const pid = /^\s*([1-9]\d*)\s*$/.exec(text)?.[1];
  if (!pid) return 'unreadable';
  return legacyOwner(file, Number(pid));
}

function legacyOwner(file: string, pid: number): LockOwner | 'absent' {
  let written: number;
  try {
    written = statSync(file).mtimeMs;
  } catch {
    return 'absent';
  }
  const start = processStart(pid);
  const startedMs = start === null ? undefined : startedAtMs(start);
  // One second of slack for the tick and mtime granularities.
  const reused = startedMs !== undefined && startedMs > written + 1000;
  return { pid, start: reused ? 'reused' : start, host: hostname(), nonce: `legacy-${pid}-${written}` };
}

/** Epoch ms of a `<boot id>:<ticks>` start, from /proc/stat's btime and USER_HZ (100 on Linux). */
function startedAtMs(start: string): number | undefined {
  const btime = /^btime (\d+)$/m.exec(readText('/proc/stat') ?? '')?.[1];
  const ticks = Number(start.split(':')[1]);
  return btime && Number.isFinite(ticks) ? Number(btime) * 1000 + ticks * 10 : undefined;
}

/** The lock is held by a live process (or one on another host, which cannot be checked from here). */
export class LockHeldError extends EnvironmentError {
  /** who holds it, when known (`status` shows that process' live view instead of this error) */
  owner?: LockOwner;
}

function inUse(file: string, owner: LockOwner, what: string): LockHeldError {
  const here = owner.host === hostname();
  // A stale lock is taken over on its own; only an owner that cannot be checked needs a person.
  const unsure = !here || owner.start === null;
  const held = new LockHeldError(
    'DB_IN_USE',
    `The embedded database ${what} is already in use by another audio-extract process ` +
      `(pid ${owner.pid}${here ? '' : ` on host ${owner.host}`}). Wait for it to finish or stop it; to run ` +
      'several workers at once, use PostgreSQL (DATABASE_URL).' +
      (unsure ? ` If that process is not running any more, delete ${file}.` : ''),
  );
  held.owner = owner;
  return held;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock `file` for this process; resolves to its release function. Throws DB_IN_USE when a
 * live process holds it. `what` names the protected thing in messages.
 */
export async function acquireLock(file: string, what: string, depth = 0): Promise<() => void> {
  const me: LockOwner = {
    pid: process.pid,
    start: processStart(process.pid),
    host: hostname(),
    nonce: randomBytes(12).toString('hex'),
  };
  const tmp = `${file}.${me.nonce}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(me));
  } finally {
    closeSync(fd);
  }
  try {
    const deadline = Date.now() + CONTENDED_FOR_MS;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      try {
        linkSync(tmp, file);
        return () => release(file, me.nonce);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = readOwner(file);
      if (owner === 'absent') continue; // released between our link and our read: try again
      if (owner === 'unreadable') {
        throw new EnvironmentError(
          'DB_IN_USE',
          `The lock file ${file} is not one audio-extract wrote; if no audio-extract process uses ${what}, delete it.`,
        );
      }
      if (ownerState(owner) !== 'gone') throw inUse(file, owner, what);
      const broken = await breakStale(file, owner, what, depth);
      // Another process is breaking it at this very moment: give it a moment before looking again.
      if (!broken) await sleep(Math.min(50, 1 + attempt) * (0.5 + Math.random()));
    }
    throw new EnvironmentError('DB_IN_USE', `Could not lock ${what}: the lock ${file} keeps changing hands`);
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes `file` if it is still the stale lock of `owner`, under that lock's break token. False when
 * another process holds the token (it is breaking the same lock).
 */
async function breakStale(file: string, owner: LockOwner, what: string, depth: number): Promise<boolean> {
  if (depth >= MAX_BREAK_DEPTH) {
    throw new EnvironmentError(
      'DB_IN_USE',
      `The lock ${file} is left by a process that is gone (pid ${owner.pid}) and could not be removed ` +
        `safely: if no audio-extract process uses ${what}, delete it.`,
    );
  }
  let releaseToken: () => void;
  try {
    releaseToken = await acquireLock(`${file}.break-${owner.nonce}`, what, depth + 1);
  } catch (e) {
    if (e instanceof LockHeldError) return false;
    throw e;
  }
  try {
    const now = readOwner(file);
    if (now !== 'absent' && now !== 'unreadable' && now.nonce === owner.nonce) unlinkSync(file);
    return true;
  } finally {
    releaseToken();
  }
}

function release(file: string, nonce: string): void {
  const owner = readOwner(file);
  if (owner !== 'absent' && owner !== 'unreadable' && owner.nonce === nonce) {
    try {
      unlinkSync(file);
    } catch {
      // already gone: nothing to release
    }
  }
}

// Every write has temporary names of its own, so two writers (two processes sharing a filesystem or a
// bucket, or two downloads of the same recording) never write into the same `.part` file or staging key,
// and the day's cleanup can tell whose a leftover is (ADR 0015).
//
// A temporary name is the final name, a tag, and the store's suffix:
//   <final>.<host>-<pid>-<nonce>.part      a recording being written (local)
//   <final>.<host>-<pid>-<nonce>.tmp       manifest.jsonl, manifest.csv, _SUCCESS being written (local)
//   .incomplete/<final>.<host>-<pid>-<nonce>  an upload being assembled (S3)
// `host` is the first 8 hex digits of the SHA-256 of the host name (no host names in a shared bucket).
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { pidAlive } from '../lib/processes.js';

export interface TempOwner {
  host: string;
  pid: number;
}

export interface TempName {
  /** The name the file or object gets once complete. */
  finalName: string;
  /** Who writes it; undefined for a name written by a version without tags (`<final>.part`). */
  owner?: TempOwner;
}

const TAG = /^(.+)\.([0-9a-f]{8})-([1-9]\d{0,9})-([0-9a-f]{8})$/;

let thisHost: string | undefined;
/** This machine's tag (hashed host name). */
export function hostTag(): string {
  thisHost ??= createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  return thisHost;
}

/** A new temporary name for `finalName` (`suffix` is `.part`, `.tmp` or '' for S3 keys). */
export function tempName(finalName: string, suffix: string): string {
  return `${finalName}.${hostTag()}-${process.pid}-${randomBytes(4).toString('hex')}${suffix}`;
}

/** What a temporary name says about itself, or undefined when `name` is not one (wrong suffix). */
export function parseTempName(name: string, suffix: string): TempName | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const bare = name.slice(0, name.length - suffix.length);
  if (bare === '') return undefined;
  const m = TAG.exec(bare);
  if (m) return { finalName: m[1]!, owner: { host: m[2]!, pid: Number(m[3]) } };
  // Written before tags (stage 1 of ADR 0012): `<final>.part`, `manifest.jsonl.tmp`, `.incomplete/<final>`.
  return { finalName: bare };
}

export interface StaleRule {
  /** This machine's tag (hostTag()). */
  host: string;
  /** Whether a process of this machine is running. */
  alive(pid: number): boolean;
  /**
   * A temporary file that has not changed for this long is stale whoever owns it: its writer is on
   * another machine and gone, or is this machine's pid reused. Live writers touch their temporary file
   * at least once per 1 MiB (local) or 8 MiB part (S3) they receive, and a download that receives
   * nothing for HTTP_TIMEOUT_MS fails, so the bound is several times that (openStorage).
   */
  idleMs: number;
}

/**
 * Whether a temporary name's leftover may be removed: its writer ran on this machine and is gone, or
 * it has been idle for longer than any live writer stays idle (ADR 0015). A tagged name of another
 * machine, or of a live process here, is kept until then; a name without a tag has only its age.
 */
export function isStale(temp: TempName, idleForMs: number, rule: StaleRule): boolean {
  if (idleForMs > rule.idleMs) return true;
  return temp.owner !== undefined && temp.owner.host === rule.host && !rule.alive(temp.owner.pid);
}

/** The rule for this process: this host, its processes, and `idleMs`. */
export function staleRule(idleMs: number): StaleRule {
  return { host: hostTag(), alive: pidAlive, idleMs };
}

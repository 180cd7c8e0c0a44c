// Holding a lease while working (ADR 0016): the holder renews it every third of its period; when it is
// taken over, or cannot be renewed before the period runs out (the database unreachable that long), the
// holder's `lost` signal aborts the work, before any other process may take the lease by the
// database's clock. The period is LEASE_SECONDS.
import type { Logger } from 'pino';
import { type Clock, sleepOrWake } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import type { Db } from '../store/db.js';
import { acquireLease, leaseHolders, releaseLease, renewLease } from '../store/leases.js';

export interface LeaseDeps {
  db: Db;
  /** this process (lib/worker-id.ts) */
  owner: string;
  ttlMs: number;
  clock: Clock;
  logger: Logger;
}

export interface HeldLease {
  key: string;
  /** aborted when the lease is lost; the work must stop at its next step */
  lost: AbortSignal;
  /** Stops renewing and gives the lease back (best effort: an expired lease frees itself). */
  release(): Promise<void>;
}

/**
 * The presence of a process that takes batch jobs (`worker`, `serve` on PostgreSQL): a lease of its
 * own, held while it runs, which `run` counts to choose how to work its day (day-jobs.ts).
 */
export const WORKER_LEASE_PREFIX = 'worker:';

/** The lease settings of the process the pipeline's deps describe (LEASE_SECONDS, its worker id). */
export function leaseDepsOf(deps: PipelineDeps): LeaseDeps {
  return {
    db: deps.db,
    owner: deps.workerId,
    ttlMs: deps.config.LEASE_SECONDS * 1000,
    clock: deps.clock,
    logger: deps.logger,
  };
}

/**
 * The time left before a holder must consider its lease lost, given when its last confirmed renewal
 * was sent: the renewal set the end `ttlMs` after the database received it, which is after it was
 * sent, so stopping a margin before `sentAt + ttlMs` stops before anybody can take it over.
 */
function leaseTimeLeft(now: number, confirmedSentAt: number, ttlMs: number): number {
  const margin = Math.max(500, ttlMs / 10);
  return confirmedSentAt + ttlMs - margin - now;
}

/** Takes the lease if it is free (or ours) and keeps it renewed; undefined when another holds it. */
export async function tryLease(deps: LeaseDeps, key: string): Promise<HeldLease | undefined> {
  const sentAt = deps.clock.now();
  if (!(await acquireLease(deps.db, key, deps.owner, deps.ttlMs))) return undefined;
  return keepRenewed(deps, key, sentAt);
}

/**
 * Takes the lease, waiting while another live process holds it (checked every quarter of a period,
 * at most every 5 s). `onWait` is called once, with the holder, when it has to wait.
 */
export async function waitForLease(
  deps: LeaseDeps,
  key: string,
  signal?: AbortSignal,
  onWait?: (holder: string) => void,
): Promise<HeldLease> {
  let told = false;
  for (;;) {
    signal?.throwIfAborted();
    const held = await tryLease(deps, key);
    if (held) return held;
    if (!told) {
      told = true;
      const holder = (await leaseHolders(deps.db, [key])).get(key)?.owner ?? 'another process';
      onWait?.(holder);
    }
    await deps.clock.sleep(Math.min(5_000, Math.max(250, deps.ttlMs / 4)), signal);
  }
}

function keepRenewed(deps: LeaseDeps, key: string, firstSentAt: number): HeldLease {
  const { clock, ttlMs } = deps;
  const log = deps.logger.child({ lease: key });
  const lost = new AbortController();
  const stopped = new AbortController();
  const every = ttlMs / 3;
  let confirmedSentAt = firstSentAt;

  const lose = (reason: string) => {
    if (lost.signal.aborted || stopped.signal.aborted) return;
    log.warn({ reason }, 'lease lost: stopping this work (another process may take it over)');
    lost.abort(new LeaseLostError(key, reason));
  };

  const loop = (async () => {
    while (!stopped.signal.aborted && !lost.signal.aborted) {
      const left = leaseTimeLeft(clock.now(), confirmedSentAt, ttlMs);
      await clock.sleep(Math.min(every, Math.max(0, left)), stopped.signal).catch(() => {});
      if (stopped.signal.aborted) return;
      if (leaseTimeLeft(clock.now(), confirmedSentAt, ttlMs) <= 0)
        return lose('it could not be renewed in time');
      const sentAt = clock.now();
      // The renewal may hang while the database restarts: the deadline is watched meanwhile.
      const renewal = renewLease(deps.db, key, deps.owner, ttlMs).then(
        (ok) => ({ ok }),
        (e: unknown) => ({ error: e }),
      );
      let answer: { ok: boolean } | { error: unknown } | undefined;
      await sleepOrWake(
        clock,
        Math.max(0, leaseTimeLeft(clock.now(), confirmedSentAt, ttlMs)),
        renewal.then((r) => {
          answer = r;
        }),
        stopped.signal,
      );
      if (stopped.signal.aborted) return;
      if (answer === undefined) return lose('it could not be renewed in time');
      if ('error' in answer) {
        log.warn({ err: errorMessage(answer.error) }, 'lease renewal failed; trying again');
        await clock.sleep(Math.min(1_000, every), stopped.signal).catch(() => {});
        continue;
      }
      if (!answer.ok) return lose('another process holds it now');
      confirmedSentAt = sentAt;
    }
  })();

  return {
    key,
    lost: lost.signal,
    async release() {
      stopped.abort();
      await loop;
      if (lost.signal.aborted) return;
      await releaseLease(deps.db, key, deps.owner).catch((e) =>
        log.warn({ err: errorMessage(e) }, 'could not release the lease; it expires by itself'),
      );
    },
  };
}

class LeaseLostError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`lease ${key} lost: ${reason}`);
    this.name = 'LeaseLostError';
  }
}

// Stages 3-5, batch → await → download: groups pending recordings into batch requests and runs each
// batch through its life (batch.ts) as soon as it is made, finishing it as soon as its job completes
// (pre-signed URLs expire after at most 60 minutes, so batches are never downloaded "at the end").
// Several batches are in flight at once so Genesys processing, polling and downloads overlap; their
// downloads share CONCURRENCY slots.
import { GENESYS_LIMITS } from '../contracts/genesys.js';
import { type Clock, sleepOrWake } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import { createLimit } from '../lib/pool.js';
import { FINISHED, type Upstream } from '../lib/upstream.js';
import { createWakeSignal } from '../lib/wake-signal.js';
import {
  abandonUnsubmitted,
  type BatchRow,
  batchPendingItems,
  hasPendingItems,
  openBatches,
} from '../store/batches.js';
import type { ApiUsage } from './api-usage.js';
import { type BatchOutcome, runBatch } from './batch.js';
import type { PipelineDeps } from './deps.js';

/**
 * Batches waiting on Genesys at once in a process (submitted, not yet complete). Enough that while
 * Genesys prepares them (1-5 s and more) others are ready to download and the shared download slots
 * (CONCURRENCY in all) never run dry.
 */
export const BATCHES_AWAITING = 8;
/**
 * Batches in flight at once in a process, waiting on Genesys or downloading: few enough that a batch's
 * URLs are used well within their lifetime (60 min by default), with at most 16 × BATCH_SIZE recordings
 * between submission and download.
 */
export const BATCHES_IN_FLIGHT = 16;
/**
 * How often the loop looks for work when nothing wakes it. Lookups wake it when a batch's worth of
 * recordings is ready, and each batch when it can make room for another.
 */
const IDLE_WAKE_MS = 1_000;

/**
 * The batches of a day being worked, and their bookkeeping. In one process (`createFlight`) a batch
 * runs here as soon as there is room; on PostgreSQL a batch is a job that any worker may take
 * (src/scheduler/batch-dispatch.ts, ADR 0016), and the flight follows the jobs.
 */
export interface Flight {
  /** a batch failed the day (auth, rate limit given up, an unexpected error) */
  failed(): boolean;
  /** nothing in flight */
  idle(): boolean;
  /** the batch is neither in flight nor set aside */
  canTake(batch: BatchRow): boolean;
  /** Starts a batch, or says false when the limits are reached. */
  start(batch: BatchRow): boolean;
  /**
   * Gives the batches set aside after a failed submission one more (after a pause); false when there
   * is none.
   */
  resubmitParked(): Promise<boolean>;
  /** Brings the flight up to date (the jobs' states), before the loop looks at the day's batches. */
  refresh(): Promise<void>;
  /** What the loop's wait ends on: a batch ending or making room, or `more` (new work upstream). */
  wake(more: Promise<unknown>[]): Promise<unknown>;
  /** Waits for the batches in flight here; the totals, or the first error. */
  end(): Promise<TransferResult>;
}

export interface TransferResult {
  batches: number;
  submitted: number;
  downloaded: number;
  unavailable: number;
  failed: number;
  requeued: number;
  /** Genesys requests other processes made for the day's batches (ADR 0016), not in this client's stats */
  elsewhere?: ApiUsage;
}

/**
 * Runs until nothing is left to do. While `upstream.done()` is false (lookups still resolving
 * recordings) only full batches are created, so batches start as soon as BATCH_SIZE recordings are
 * known; afterwards the remainder goes out too. Recordings put back to pending (expired URL, stalled
 * job) are batched again; their attempt counter bounds that.
 */
export async function runBatches(
  deps: PipelineDeps,
  processDate: string,
  /** the lookups: until they end only full batches go out; when they do, the rest goes at once */
  upstream: Upstream = FINISHED,
): Promise<TransferResult> {
  const flight = deps.batchFlight?.(deps, processDate) ?? createFlight(deps);
  for (;;) {
    if (deps.signal?.aborted || flight.failed()) break;
    await flight.refresh();
    const lastPass = upstream.done();
    const resolved = upstream.wrote();
    await createBatches(deps, processDate, !lastPass);
    // Batches left open by an earlier, interrupted run come first: their job ids are recorded.
    const open = (await openBatches(deps.db, [processDate])).filter(flight.canTake);
    for (const batch of open) if (!flight.start(batch)) break;
    if (flight.idle() && open.length === 0 && lastPass) {
      if (await flight.resubmitParked()) continue;
      // Nothing in flight and nothing open: done unless something went back to pending meanwhile.
      if (!(await hasPendingItems(deps.db, processDate))) break;
      continue;
    }
    await sleepOrWake(deps.clock, IDLE_WAKE_MS, flight.wake(lastPass ? [] : [resolved]), deps.signal);
  }
  return flight.end();
}

async function createBatches(deps: PipelineDeps, processDate: string, fullOnly: boolean): Promise<void> {
  const size = Math.min(deps.config.BATCH_SIZE, GENESYS_LIMITS.batchMaxItems);
  for (;;) {
    const batch = await batchPendingItems(deps.db, processDate, size, fullOnly ? size : 1);
    if (!batch) return;
  }
}

/**
 * The batches in flight in this process and their bookkeeping: the limits, the shared download slots,
 * the first error, and the tally (totals, batches set aside after a failed submission).
 */
function createFlight(deps: PipelineDeps): Flight {
  const tally = createTally(deps);
  const active = new Map<number, Promise<void>>();
  /** active batches not yet complete at Genesys */
  const awaiting = new Set<number>();
  // One pool of download slots for all batches: the first batch to complete is downloaded first.
  const slots = createLimit(deps.config.CONCURRENCY);
  // Ends the loop's current wait early (a batch became ready to download: room for another).
  const room = createWakeSignal();
  let firstError: unknown;

  const add = (batch: BatchRow, r: BatchOutcome) =>
    tally.add(batch, r, r.submitFailed === undefined ? undefined : errorMessage(r.submitFailed));

  return {
    failed: () => firstError !== undefined,
    idle: () => active.size === 0,
    canTake: (b: BatchRow) => !active.has(b.id) && !tally.isParked(b.id),
    refresh: async () => {},
    start(batch: BatchRow): boolean {
      if (active.size >= BATCHES_IN_FLIGHT || awaiting.size >= BATCHES_AWAITING) return false;
      awaiting.add(batch.id);
      const ready = () => {
        awaiting.delete(batch.id);
        room.wake();
      };
      const p = runBatch(deps, batch, slots, ready)
        .then((r) => add(batch, r))
        .catch((e) => {
          firstError ??= e;
        })
        .finally(() => {
          active.delete(batch.id);
          awaiting.delete(batch.id);
        });
      active.set(batch.id, p);
      return true;
    },
    resubmitParked: () => tally.resubmitParked(deps.clock, deps.signal),
    wake: (more: Promise<unknown>[]) => Promise.race([...active.values(), room.wait(), ...more]),
    async end(): Promise<TransferResult> {
      await Promise.allSettled(active.values());
      if (firstError) throw firstError;
      return tally.total;
    },
  };
}

type Counts = Omit<TransferResult, 'batches'>;

/**
 * Submissions a batch gets in one run. A failed one (a reset or timeout after the request was sent, a
 * server error that outlasted the retries) is not retried in a loop: the batch is set aside and
 * submitted again once nothing else is left, so the others go first (a reset after sending may orphan
 * one Genesys job, which is harmless). After the last, its recordings fail for this run with the
 * reason, and the next run (or the dashboard's Retry) submits them again: a run never ends with
 * recordings silently left in a batch (test/chaos, test/integration/batch-submission.test.ts).
 */
export const SUBMISSIONS_PER_RUN = 3;
/** The pause before a set-aside batch is submitted again, times the failures it had. */
const RESUBMIT_PAUSE_MS = 2_000;

/**
 * The totals of a day's batches, and the batches set aside after a failed submission (see
 * SUBMISSIONS_PER_RUN).
 */
export function createTally(deps: Pick<PipelineDeps, 'logger' | 'db'>) {
  const total: TransferResult = {
    batches: 0,
    submitted: 0,
    downloaded: 0,
    unavailable: 0,
    failed: 0,
    requeued: 0,
  };
  /** failed submissions per batch, in this run */
  const failures = new Map<number, number>();
  /** set aside until nothing else is left */
  const parked = new Set<number>();
  return {
    total,
    /** A batch worked to its end (`counts`), or whose submission failed (`submitFailed`, the reason). */
    async add(batch: { id: number; processDate: string }, counts: Counts | undefined, submitFailed?: string) {
      // A submission that failed did nothing to count: the batch counts once, when it is worked.
      if (counts && submitFailed === undefined) {
        total.batches++;
        total.submitted += counts.submitted;
        total.downloaded += counts.downloaded;
        total.unavailable += counts.unavailable;
        total.failed += counts.failed;
        total.requeued += counts.requeued;
      }
      if (submitFailed === undefined) return;
      const n = (failures.get(batch.id) ?? 0) + 1;
      failures.set(batch.id, n);
      const log = deps.logger.child({ processDate: batch.processDate, batchId: batch.id });
      if (n < SUBMISSIONS_PER_RUN) {
        parked.add(batch.id);
        log.error(
          { err: submitFailed, submissions: n },
          'batch submission failed; it is submitted again after the other batches',
        );
        return;
      }
      const reason = `batch submission failed ${n} times (last: ${submitFailed}); the next run (or the dashboard's Retry) submits it again`;
      const failed = await abandonUnsubmitted(deps.db, batch.id, reason);
      total.failed += failed;
      log.error(
        { err: submitFailed, submissions: n, recordings: failed },
        'batch submission failed again; its recordings failed for this run',
      );
    },
    isParked: (batchId: number) => parked.has(batchId),
    /**
     * Releases the batches set aside (to be started again), after a pause that grows with their
     * failures; false when there is none.
     */
    async resubmitParked(clock: Clock, signal?: AbortSignal): Promise<boolean> {
      if (parked.size === 0) return false;
      const most = Math.max(...[...parked].map((id) => failures.get(id) ?? 1));
      // An abort ends the pause; the loop then stops.
      await clock.sleep(RESUBMIT_PAUSE_MS * most, signal).catch(() => {});
      parked.clear();
      return true;
    },
  };
}

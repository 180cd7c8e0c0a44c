// Stages 3-5, batch → await → download: groups pending recordings into batch requests and runs each
// batch through its life (batch.ts) as soon as it is made, finishing it as soon as its job completes
// (pre-signed URLs expire after at most 60 minutes, so batches are never downloaded "at the end").
// Several batches are in flight at once so Genesys processing, polling and downloads overlap; their
// downloads share CONCURRENCY slots.
import { GENESYS_LIMITS } from '../contracts/genesys.js';
import { sleepOrWake } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import { createLimit } from '../lib/pool.js';
import { FINISHED, type Upstream } from '../lib/upstream.js';
import { type BatchRow, batchPendingItems, hasPendingItems, openBatches } from '../store/batches.js';
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
  /** Gives each batch set aside after a failed submission one more; false when there is none. */
  resubmitParked(): boolean;
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
      if (flight.resubmitParked()) continue;
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
export function createFlight(deps: PipelineDeps): Flight {
  const tally = createTally(deps);
  const active = new Map<number, Promise<void>>();
  /** active batches not yet complete at Genesys */
  const awaiting = new Set<number>();
  // One pool of download slots for all batches: the first batch to complete is downloaded first.
  const slots = createLimit(deps.config.CONCURRENCY);
  // Resolves the loop's current wait early (a batch became ready to download: room for another).
  let wakeUp = () => {};
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
        wakeUp();
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
    resubmitParked: () => tally.resubmitParked(),
    wake(more: Promise<unknown>[]): Promise<unknown> {
      const made = new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
      return Promise.race([...active.values(), made, ...more]);
    },
    async end(): Promise<TransferResult> {
      await Promise.allSettled(active.values());
      if (firstError) throw firstError;
      return tally.total;
    },
  };
}

type Counts = Omit<TransferResult, 'batches'>;

/**
 * The totals of a day's batches, and the batches set aside after a failed submission: such a batch is
 * not retried in a loop; it gets one more submission once nothing else is left (a reset or timeout
 * after sending may orphan one Genesys job, which is harmless; leaving it to the next run ended a run
 * with recordings not downloaded: test/chaos). A second failure leaves it for the next run.
 */
export function createTally(deps: Pick<PipelineDeps, 'logger'>) {
  const total: TransferResult = {
    batches: 0,
    submitted: 0,
    downloaded: 0,
    unavailable: 0,
    failed: 0,
    requeued: 0,
  };
  const parked = new Set<number>();
  const resubmitted = new Set<number>();
  return {
    total,
    /** A batch worked to its end (`counts`), or whose submission failed (`submitFailed`, the reason). */
    add(batch: { id: number; processDate: string }, counts: Counts | undefined, submitFailed?: string) {
      if (counts) {
        total.batches++;
        total.submitted += counts.submitted;
        total.downloaded += counts.downloaded;
        total.unavailable += counts.unavailable;
        total.failed += counts.failed;
        total.requeued += counts.requeued;
      }
      if (submitFailed === undefined) return;
      parked.add(batch.id);
      const log = deps.logger.child({ processDate: batch.processDate, batchId: batch.id });
      // The batch stays `created`: submitted again in this run once, then by the next run.
      if (resubmitted.has(batch.id))
        log.error({ err: submitFailed }, 'batch submission failed again; the next run submits it');
      else
        log.error(
          { err: submitFailed },
          'batch submission failed; it is submitted again after the other batches',
        );
    },
    isParked: (batchId: number) => parked.has(batchId),
    /** Gives each parked batch its one more submission; false when there is none to give. */
    resubmitParked(): boolean {
      const again = [...parked].filter((id) => !resubmitted.has(id));
      for (const id of again) {
        parked.delete(id);
        resubmitted.add(id);
      }
      return again.length > 0;
    },
  };
}

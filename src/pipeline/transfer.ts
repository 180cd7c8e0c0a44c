// Stages 3-5: group pending recordings into batch requests, submit them, poll each job, and download its
// results as the polls bring them in, finishing the batch as soon as the job completes (pre-signed URLs
// expire after at most 60 minutes, so batches are never downloaded "at the end"). Several batches are in
// flight at once so Genesys processing, polling and downloads overlap; their downloads share
// CONCURRENCY slots.
import { GENESYS_LIMITS } from '../contracts/genesys.js';
import { GenesysError } from '../genesys/errors.js';
import { sleepOrWake } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import { createLimit, type Limit } from '../lib/pool.js';
import { FINISHED, type Upstream } from '../lib/upstream.js';
import {
  type BatchRow,
  batchItems,
  createBatch,
  finishBatch,
  markBatchSubmitted,
  openBatches,
  pendingRecordings,
} from '../store/recordings.js';
import { awaitBatch } from './await-batch.js';
import type { PipelineDeps } from './deps.js';
import { createBatchDownloader } from './download.js';

/**
 * Batches waiting on Genesys at once (submitted, not yet complete). Enough that while Genesys prepares
 * them (1-5 s and more) others are ready to download and the shared download slots (CONCURRENCY in
 * all) never run dry.
 */
const BATCHES_AWAITING = 8;
/**
 * Batches in flight at once, waiting on Genesys or downloading: few enough that a batch's URLs are
 * used well within their lifetime (60 min by default), with at most 16 × BATCH_SIZE recordings between
 * submission and download.
 */
const BATCHES_IN_FLIGHT = 16;
export interface TransferResult {
  batches: number;
  submitted: number;
  downloaded: number;
  unavailable: number;
  failed: number;
  requeued: number;
}

/**
 * How often the batcher looks for work when nothing wakes it. Lookups wake it when a batch's worth of
 * recordings is ready, and each batch when it can make room for another.
 */
const IDLE_WAKE_MS = 1_000;

/**
 * Runs until nothing is left to do. While `upstream.done()` is false (lookups still resolving
 * recordings) only full batches are created, so batches start as soon as BATCH_SIZE recordings are
 * known; afterwards the remainder goes out too. Recordings put back to pending (expired URL, stalled
 * job) are batched again; their attempt counter bounds that.
 */
export async function transferRecordings(
  deps: PipelineDeps,
  processDate: string,
  /** the lookups: until they end only full batches go out; when they do, the rest goes at once */
  upstream: Upstream = FINISHED,
): Promise<TransferResult> {
  const total: TransferResult = {
    batches: 0,
    submitted: 0,
    downloaded: 0,
    unavailable: 0,
    failed: 0,
    requeued: 0,
  };
  const active = new Map<number, Promise<void>>();
  /** active batches not yet complete at Genesys */
  const awaiting = new Set<number>();
  // Resolves the loop's current wait early (a batch became ready to download: room for another).
  let wakeUp = () => {};
  // One pool of download slots for all batches: the first batch to complete is downloaded first.
  const slots = createLimit(deps.config.CONCURRENCY);
  // A batch whose submission failed is set aside, not retried in a loop; it gets one more submission
  // once nothing else is left (a reset or timeout after sending may orphan one Genesys job, which is
  // harmless; leaving it to the next run ended a run with recordings not downloaded: test/chaos). A
  // second failure leaves it for the next run.
  const parked = new Set<number>();
  const resubmitted = new Set<number>();
  let firstError: unknown;
  for (;;) {
    if (deps.signal?.aborted || firstError) break;
    const lastPass = upstream.done();
    const resolved = upstream.wrote();
    await createBatches(deps, processDate, !lastPass);
    // Batches left open by an earlier, interrupted run come first: their job ids are recorded.
    const open = (await openBatches(deps.db, [processDate])).filter(
      (b) => !active.has(b.id) && !parked.has(b.id),
    );
    for (const batch of open) {
      if (active.size >= BATCHES_IN_FLIGHT || awaiting.size >= BATCHES_AWAITING) break;
      awaiting.add(batch.id);
      const ready = () => {
        awaiting.delete(batch.id);
        wakeUp();
      };
      const p = processBatch(deps, batch, slots, ready)
        .then((r) => {
          total.batches++;
          total.submitted += r.submitted;
          total.downloaded += r.downloaded;
          total.unavailable += r.unavailable;
          total.failed += r.failed;
          total.requeued += r.requeued;
          if (r.parked) parked.add(batch.id);
        })
        .catch((e) => {
          firstError ??= e;
        })
        .finally(() => {
          active.delete(batch.id);
          awaiting.delete(batch.id);
        });
      active.set(batch.id, p);
    }
    if (active.size === 0 && open.length === 0 && lastPass) {
      const again = [...parked].filter((id) => !resubmitted.has(id));
      for (const id of again) {
        parked.delete(id);
        resubmitted.add(id);
      }
      if (again.length > 0) continue;
      // Nothing in flight and nothing open: done unless something went back to pending meanwhile.
      if ((await pendingRecordings(deps.db, [processDate], 1)).length === 0) break;
      continue;
    }
    const wake: Promise<unknown>[] = [
      ...active.values(),
      new Promise<void>((resolve) => {
        wakeUp = resolve;
      }),
    ];
    if (!lastPass) wake.push(resolved);
    await sleepOrWake(deps.clock, IDLE_WAKE_MS, Promise.race(wake), deps.signal);
  }
  await Promise.allSettled(active.values());
  if (firstError) throw firstError;
  return total;
}

async function createBatches(deps: PipelineDeps, processDate: string, fullOnly: boolean): Promise<number> {
  const size = Math.min(deps.config.BATCH_SIZE, GENESYS_LIMITS.batchMaxItems);
  let created = 0;
  for (;;) {
    const pending = await pendingRecordings(deps.db, [processDate], size);
    if (pending.length === 0 || (fullOnly && pending.length < size)) return created;
    await createBatch(deps.db, processDate, pending);
    created++;
  }
}

interface BatchOutcome {
  /** submission failed: leave the batch for the next run */
  parked?: boolean;
  submitted: number;
  downloaded: number;
  unavailable: number;
  failed: number;
  requeued: number;
}

async function processBatch(
  deps: PipelineDeps,
  batch: BatchRow,
  slots: Limit,
  /** called once Genesys is done with the batch (complete, stalled or gone), before its downloads */
  ready: () => void,
): Promise<BatchOutcome> {
  const { db, genesys, logger } = deps;
  const log = logger.child({ processDate: batch.processDate, batchId: batch.id });
  const outcome: BatchOutcome = { submitted: 0, downloaded: 0, unavailable: 0, failed: 0, requeued: 0 };
  const items = (await batchItems(db, batch.id)).filter((i) => i.state === 'batched');
  if (items.length === 0) {
    await finishBatch(db, batch.id, 'completed');
    return outcome;
  }
  let jobId = batch.jobId;
  if (batch.status === 'created' || !jobId) {
    try {
      ({ jobId } = await genesys.submitBatch(
        // A conversation-wide item (RECORDING_LOOKUP=conversation) omits recordingId: all its recordings.
        items.map((i) =>
          i.recordingId
            ? { conversationId: i.conversationId, recordingId: i.recordingId }
            : { conversationId: i.conversationId },
        ),
        deps.signal,
      ));
    } catch (e) {
      if (!(e instanceof GenesysError) || e.kind === 'auth' || e.kind === 'rate-limited') throw e;
      // The batch stays `created`: the next run (or round) submits it again.
      log.error({ err: errorMessage(e) }, 'batch submission failed; it will be retried by the next run');
      return { ...outcome, parked: true };
    }
    await markBatchSubmitted(db, batch.id, jobId);
    outcome.submitted = items.length;
    log.info({ jobId, items: items.length }, 'batch submitted');
  }
  // Results are downloaded as the polls bring them in, while Genesys prepares the rest.
  const downloader = createBatchDownloader(deps, {
    processDate: batch.processDate,
    batchId: batch.id,
    jobId,
    items,
    log,
    slots,
  });
  let status: Awaited<ReturnType<typeof awaitBatch>>;
  try {
    status = await awaitBatch(deps, {
      batchId: batch.id,
      jobId,
      items: items.length,
      log,
      onResults: (results) => downloader.take(results),
    });
  } catch (e) {
    await downloader.settled();
    throw e;
  }
  ready();
  const d =
    status.kind === 'gone'
      ? // The job is unknown to Genesys (expired or never stored): what it produced before is kept, the
        // rest is requested again.
        await downloader.finish(downloader.taken(), {
          stalled: true,
          missing: `batch job ${jobId} is unknown to Genesys; it produced no result for`,
        })
      : await downloader.finish(status.result.results ?? [], { stalled: status.kind === 'stalled' });
  Object.assign(outcome, {
    downloaded: d.downloaded,
    unavailable: d.unavailable,
    failed: d.failed,
    requeued: d.requeued,
  });
  if (status.kind === 'gone') await finishBatch(db, batch.id, 'abandoned', `job ${jobId} not found`);
  else
    await finishBatch(
      db,
      batch.id,
      'completed',
      status.kind === 'stalled' ? 'job stalled before completing' : null,
    );
  return outcome;
}

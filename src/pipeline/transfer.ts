// Stages 3-5: group pending recordings into batch requests, submit them, wait for each job, and download
// each batch as soon as it completes (pre-signed URLs expire after at most 60 minutes, so batches are
// never downloaded "at the end"). A few batches are in flight at once so Genesys processing, polling
// and downloads overlap.
import { GENESYS_LIMITS } from '../contracts/genesys.js';
import { GenesysError } from '../genesys/errors.js';
import { errorMessage } from '../lib/errors.js';
import { mapPool } from '../lib/pool.js';
import {
  type BatchRow,
  batchItems,
  createBatch,
  finishBatch,
  markBatchSubmitted,
  openBatches,
  pendingRecordings,
  recordOutcome,
} from '../store/recordings.js';
import { awaitBatch } from './await-batch.js';
import type { PipelineDeps } from './deps.js';
import { downloadBatchResults } from './download.js';

/** Batches processed at once. More would only queue behind the shared rate limit and download pool. */
const BATCHES_IN_FLIGHT = 4;
/** Rounds of batching per run: expired URLs and stalled jobs put items back to pending once or twice. */
const MAX_ROUNDS = 3;

export interface TransferResult {
  batches: number;
  submitted: number;
  downloaded: number;
  unavailable: number;
  failed: number;
  requeued: number;
}

export async function transferRecordings(deps: PipelineDeps, processDate: string): Promise<TransferResult> {
  const total: TransferResult = {
    batches: 0,
    submitted: 0,
    downloaded: 0,
    unavailable: 0,
    failed: 0,
    requeued: 0,
  };
  for (let round = 0; round < MAX_ROUNDS && !deps.signal?.aborted; round++) {
    // Batches left open by an earlier, interrupted run first: their job ids are recorded.
    const created = await createBatches(deps, processDate);
    const open = await openBatches(deps.db, [processDate]);
    if (open.length === 0) break;
    deps.logger.info(
      { stage: 'batches', processDate, open: open.length, created, round },
      'processing batch download requests',
    );
    await mapPool(open, BATCHES_IN_FLIGHT, async (batch) => {
      if (deps.signal?.aborted) return;
      const r = await processBatch(deps, batch);
      total.batches++;
      total.submitted += r.submitted;
      total.downloaded += r.downloaded;
      total.unavailable += r.unavailable;
      total.failed += r.failed;
      total.requeued += r.requeued;
    });
  }
  return total;
}

async function createBatches(deps: PipelineDeps, processDate: string): Promise<number> {
  const size = Math.min(deps.config.BATCH_SIZE, GENESYS_LIMITS.batchMaxItems);
  let created = 0;
  for (;;) {
    const pending = await pendingRecordings(deps.db, [processDate], size);
    if (pending.length === 0) return created;
    await createBatch(deps.db, processDate, pending);
    created++;
  }
}

interface BatchOutcome {
  submitted: number;
  downloaded: number;
  unavailable: number;
  failed: number;
  requeued: number;
}

async function processBatch(deps: PipelineDeps, batch: BatchRow): Promise<BatchOutcome> {
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
        items.map((i) => ({ conversationId: i.conversationId, recordingId: i.recordingId })),
        deps.signal,
      ));
    } catch (e) {
      if (!(e instanceof GenesysError) || e.kind === 'auth' || e.kind === 'rate-limited') throw e;
      // The batch stays `created`: the next run (or round) submits it again.
      log.error({ err: errorMessage(e) }, 'batch submission failed; it will be retried by the next run');
      return outcome;
    }
    await markBatchSubmitted(db, batch.id, jobId);
    outcome.submitted = items.length;
    log.info({ jobId, items: items.length }, 'batch submitted');
  }
  const status = await awaitBatch(deps, { batchId: batch.id, jobId, items: items.length, log });
  if (status.kind === 'gone') {
    // The job is unknown to Genesys (expired or never stored): request these recordings again.
    for (const i of items) {
      await recordOutcome(
        db,
        i,
        i.attempts < 2 ? 'pending' : 'failed',
        `batch job ${jobId} is unknown to Genesys`,
      );
      if (i.attempts < 2) outcome.requeued++;
      else outcome.failed++;
    }
    await finishBatch(db, batch.id, 'abandoned', `job ${jobId} not found`);
    return outcome;
  }
  const d = await downloadBatchResults(deps, {
    processDate: batch.processDate,
    jobId,
    items,
    results: status.result.results ?? [],
    stalled: status.kind === 'stalled',
    log,
  });
  Object.assign(outcome, {
    downloaded: d.downloaded,
    unavailable: d.unavailable,
    failed: d.failed,
    requeued: d.requeued,
  });
  await finishBatch(
    db,
    batch.id,
    'completed',
    status.kind === 'stalled' ? 'job stalled before completing' : null,
  );
  return outcome;
}

// One batch from submission to settled items: submit it to Genesys (unless a job id is recorded
// already), await the job while downloading what it produces (await-batch.ts, download-batch.ts), then
// settle every item and close the batch row. Its own unit of work, so that batches can later become jobs
// of their own.
import type { Logger } from 'pino';
import type { BatchDownloadJobResult } from '../contracts/genesys.js';
import { GenesysError } from '../genesys/errors.js';
import type { Limit } from '../lib/pool.js';
import {
  type BatchItem,
  type BatchRow,
  batchedItems,
  finishBatch,
  markBatchSubmitted,
} from '../store/batches.js';
import { type AwaitOutcome, awaitBatch } from './await-batch.js';
import { LEFT_OUT_REASON, type NoResult } from './batch-results.js';
import type { PipelineDeps } from './deps.js';
import { createBatchDownloader, type DownloadResult } from './download-batch.js';

export interface BatchOutcome extends DownloadResult {
  /** items submitted to Genesys by this call (0 for a batch resumed with its job id) */
  submitted: number;
  /** the submission failed (not an auth or rate-limit give-up): the batch is still `created` */
  submitFailed?: unknown;
}

export async function runBatch(
  deps: PipelineDeps,
  batch: BatchRow,
  slots: Limit,
  /** called once Genesys is done with the batch (complete, stalled or gone), before its downloads end */
  ready: () => void,
): Promise<BatchOutcome> {
  const { db, logger } = deps;
  const log = logger.child({ processDate: batch.processDate, batchId: batch.id });
  const outcome: BatchOutcome = { submitted: 0, downloaded: 0, unavailable: 0, failed: 0, requeued: 0 };
  const items = await batchedItems(db, batch.id);
  if (items.length === 0) {
    await finishBatch(db, batch.id, 'completed');
    return outcome;
  }
  let jobId = batch.jobId;
  if (batch.status === 'created' || !jobId) {
    try {
      jobId = await submit(deps, items);
    } catch (e) {
      if (!(e instanceof GenesysError) || e.kind === 'auth' || e.kind === 'rate-limited') throw e;
      return { ...outcome, submitFailed: e };
    }
    await markBatchSubmitted(db, batch.id, jobId);
    outcome.submitted = items.length;
    log.info({ jobId, items: items.length }, 'batch submitted');
  }
  return { ...outcome, ...(await awaitAndDownload(deps, batch, jobId, items, log, slots, ready)) };
}

/** An item without a recording id asks for every recording of its conversation (spec §7.1). */
async function submit(deps: PipelineDeps, items: readonly BatchItem[]): Promise<string> {
  const list = items.map(({ conversationId, recordingId }) =>
    recordingId ? { conversationId, recordingId } : { conversationId },
  );
  return (await deps.genesys.submitBatch(list, deps.signal)).jobId;
}

async function awaitAndDownload(
  deps: PipelineDeps,
  batch: BatchRow,
  jobId: string,
  items: readonly BatchItem[],
  log: Logger,
  slots: Limit,
  ready: () => void,
): Promise<DownloadResult> {
  const input = { processDate: batch.processDate, batchId: batch.id, jobId, items, log, slots };
  const downloader = createBatchDownloader(deps, input);
  let status: AwaitOutcome;
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
  const d = await downloader.finish(...finalResults(status, downloader.taken(), jobId));
  // Stopped while settling: the batch stays open, so the next run resumes it with the items left.
  if (deps.signal?.aborted) return d;
  if (status.kind === 'gone') await finishBatch(deps.db, batch.id, 'abandoned', `job ${jobId} not found`);
  else
    await finishBatch(
      deps.db,
      batch.id,
      'completed',
      status.kind === 'stalled' ? 'job stalled before completing' : null,
    );
  return d;
}

/** The results to settle the items with, and what an item without one has become. */
function finalResults(
  status: AwaitOutcome,
  taken: readonly BatchDownloadJobResult[],
  jobId: string,
): [readonly BatchDownloadJobResult[], NoResult] {
  // A job unknown to Genesys (expired or never stored): what it produced before is kept, the rest is
  // requested again.
  if (status.kind === 'gone')
    return [
      taken,
      { reason: `batch job ${jobId} is unknown to Genesys; it produced no result`, final: false },
    ];
  const missing: NoResult =
    status.kind === 'stalled'
      ? { reason: `batch job ${jobId} stalled before producing a result`, final: false }
      : // Completed (after the grace for late results, await-batch.ts): asking again gets the same.
        { reason: LEFT_OUT_REASON, final: true };
  return [status.result.results ?? [], missing];
}

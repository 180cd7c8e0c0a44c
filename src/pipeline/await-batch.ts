// Waits for one Genesys batch download job. "Completed" alone is not enough and neither is
// resultCount == expectedResultCount (expected can grow while Genesys discovers recordings): both must
// hold (spec §13.9). Polls back off while the job is young; a job that makes no progress for
// BATCH_STALL_TIMEOUT_SECONDS is given up on (its unfinished items are re-requested up to twice, then failed).
import type { Logger } from 'pino';
import type { BatchDownloadJobStatusResult } from '../contracts/genesys.js';
import { GenesysError } from '../genesys/errors.js';
import type { PipelineDeps } from './deps.js';

export type AwaitOutcome =
  | { kind: 'completed'; result: BatchDownloadJobStatusResult }
  | { kind: 'stalled'; result: BatchDownloadJobStatusResult }
  | { kind: 'gone' };

const FIRST_POLL_MS = 2_000;
const MAX_POLL_MS = 15_000;
const BACKOFF = 1.5;

export async function awaitBatch(
  deps: PipelineDeps,
  input: { batchId: number; jobId: string; items: number; log: Logger },
): Promise<AwaitOutcome> {
  const { genesys, clock, config } = deps;
  const stallMs = config.BATCH_STALL_TIMEOUT_SECONDS * 1000;
  let interval = FIRST_POLL_MS;
  let lastCount = -1;
  let lastProgressAt = clock.now();
  let polls = 0;
  await clock.sleep(Math.min(FIRST_POLL_MS, 500 + 15 * input.items), deps.signal);
  for (;;) {
    let status: BatchDownloadJobStatusResult;
    try {
      status = await genesys.batchStatus(input.jobId, deps.signal);
    } catch (e) {
      if (e instanceof GenesysError && (e.status === 404 || e.status === 403)) {
        input.log.warn({ jobId: input.jobId, status: e.status }, 'batch job no longer readable');
        return { kind: 'gone' };
      }
      throw e;
    }
    polls++;
    const count = status.resultCount ?? status.results?.length ?? 0;
    const expected = status.expectedResultCount ?? input.items;
    if (status.status === 'Completed' && count >= expected) {
      input.log.info(
        { jobId: input.jobId, polls, results: count, errors: status.errorCount ?? 0 },
        'batch completed',
      );
      return { kind: 'completed', result: status };
    }
    if (count > lastCount) {
      lastCount = count;
      lastProgressAt = clock.now();
    } else if (clock.now() - lastProgressAt >= stallMs) {
      input.log.warn({ jobId: input.jobId, polls, results: count, expected }, 'batch job stalled');
      return { kind: 'stalled', result: status };
    }
    await clock.sleep(interval, deps.signal);
    interval = Math.min(MAX_POLL_MS, Math.round(interval * BACKOFF));
  }
}

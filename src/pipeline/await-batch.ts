// Waits for one Genesys batch download job. "Completed" alone is not enough and neither is
// resultCount == expectedResultCount (expected can grow while Genesys discovers recordings): both must
// hold (spec §13.9). Polls back off while the job is young, and once results start to appear the next
// poll is timed by the job's own progress (results so far per second since submission), so a job is
// seen complete soon after it completes without polling it every second. A job that makes no progress
// for BATCH_STALL_TIMEOUT_SECONDS is given up on (its unfinished items are re-requested up to twice,
// then failed).
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
/** Never poll sooner than this after the previous poll, whatever the progress estimate says. */
const MIN_POLL_MS = 500;

/**
 * When to poll next: the back-off interval, or sooner if the results so far say the job will be done
 * before then (results grow while a job is InProgress, spec §7). `elapsedMs` is the time since the
 * job was submitted; 10% is added so the poll lands just after the estimated completion.
 */
export function nextPollDelay(interval: number, elapsedMs: number, count: number, expected: number): number {
  if (count <= 0 || count >= expected || elapsedMs <= 0) return interval;
  const remainingMs = (elapsedMs * (expected - count)) / count;
  return Math.max(MIN_POLL_MS, Math.min(interval, Math.round(remainingMs * 1.1)));
}

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
  const startedAt = clock.now();
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
    await clock.sleep(nextPollDelay(interval, clock.now() - startedAt, count, expected), deps.signal);
    interval = Math.min(MAX_POLL_MS, Math.round(interval * BACKOFF));
  }
}

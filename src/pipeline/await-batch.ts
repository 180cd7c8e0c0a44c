// Waits for one Genesys batch download job. "Completed" alone is not enough and neither is
// resultCount == expectedResultCount (expected can grow while Genesys discovers recordings): both must
// hold (spec §13.9). Polls back off while the job is young, and once results start to appear the next
// poll is timed by the job's own progress (results so far per second since submission), so a job is
// seen complete soon after it completes without polling it every second. A job that makes no progress
// for BATCH_STALL_TIMEOUT_SECONDS is given up on (its unfinished items are re-requested up to twice,
// then failed).
//
// A job Genesys calls Completed with fewer results than it expected (recordings with sensitive data are
// left out when the client lacks recording:recording:viewSensitiveData, spec §15) is polled for
// BATCH_COMPLETED_GRACE_SECONDS more in case the count catches up, then taken as complete: its items
// without a result are unavailable (batch-results.ts), not waited on for the stall timeout.
//
// Results grow while a job is InProgress, and each one already carries its URL (spec §7), so every poll
// hands the results so far to `onResults` and the caller downloads them while Genesys prepares the rest.
// When the rate budget has room (nobody waiting on the limiter: RECORDING_LOOKUP=conversation, or after
// the lookups), polls come sooner: the first after 500 ms, and once results appear, the next when the
// job has likely produced another quarter of them (at least EAGER_POLL_MS apart). They then delay no
// other call, and a slow job is still polled only a few times.
import type { Logger } from 'pino';
import type { BatchDownloadJobResult, BatchDownloadJobStatusResult } from '../contracts/genesys.js';
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
/** The shortest gap between polls timed by eagerPollDelay. */
const EAGER_POLL_MS = 1_000;

/**
 * While the rate budget is idle: the time until the job has likely produced another quarter of its
 * results (results so far per ms since submission), at least EAGER_POLL_MS, so that each poll brings
 * the downloads a useful share of URLs. Undefined until the first results: the back-off applies.
 */
export function eagerPollDelay(elapsedMs: number, count: number, expected: number): number | undefined {
  if (count <= 0 || count >= expected || elapsedMs <= 0) return undefined;
  return Math.max(EAGER_POLL_MS, Math.round((elapsedMs * expected) / 4 / count));
}

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
  input: {
    batchId: number;
    jobId: string;
    items: number;
    log: Logger;
    /** the job's results so far, after every poll that did not find it complete (repeats included) */
    onResults?: (results: readonly BatchDownloadJobResult[]) => void;
  },
): Promise<AwaitOutcome> {
  const { genesys, clock, config } = deps;
  const stallMs = config.BATCH_STALL_TIMEOUT_SECONDS * 1000;
  const graceMs = config.BATCH_COMPLETED_GRACE_SECONDS * 1000;
  /** when the job was first seen Completed with its current, short, result count */
  let shortSince: number | undefined;
  let interval = FIRST_POLL_MS;
  let lastCount = -1;
  let lastProgressAt = clock.now();
  let polls = 0;
  const startedAt = clock.now();
  const eager = () => genesys.budgetIdle();
  await clock.sleep(eager() ? MIN_POLL_MS : Math.min(FIRST_POLL_MS, 500 + 15 * input.items), deps.signal);
  for (;;) {
    let status: BatchDownloadJobStatusResult;
    try {
      status = await genesys.batchStatus(input.jobId, deps.signal);
    } catch (e) {
      // 403 batch.download.permission.denied: the job is not this client's (another credential's, or
      // forgotten); a missing permission (GenesysPermissionError) is the whole day's problem instead.
      if (e instanceof GenesysError && e.kind !== 'auth' && (e.status === 404 || e.status === 403)) {
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
    if (status.results?.length) input.onResults?.(status.results);
    const progressed = count > lastCount;
    if (status.status === 'Completed') {
      if (progressed || shortSince === undefined) shortSince = clock.now();
      if (clock.now() - shortSince >= graceMs) {
        input.log.warn(
          { jobId: input.jobId, polls, results: count, expected },
          'batch completed with fewer results than expected',
        );
        return { kind: 'completed', result: status };
      }
    }
    if (progressed) {
      lastCount = count;
      lastProgressAt = clock.now();
    } else if (clock.now() - lastProgressAt >= stallMs) {
      input.log.warn({ jobId: input.jobId, polls, results: count, expected }, 'batch job stalled');
      return { kind: 'stalled', result: status };
    }
    let delay = nextPollDelay(interval, clock.now() - startedAt, count, expected);
    // Completed but short: the next poll lands when the grace ends (or sooner, on the usual back-off).
    if (shortSince !== undefined)
      delay = Math.max(MIN_POLL_MS, Math.min(interval, shortSince + graceMs - clock.now()));
    const sooner = eager() ? eagerPollDelay(clock.now() - startedAt, count, expected) : undefined;
    await clock.sleep(sooner === undefined ? delay : Math.min(delay, sooner), deps.signal);
    interval = Math.min(MAX_POLL_MS, Math.round(interval * BACKOFF));
  }
}

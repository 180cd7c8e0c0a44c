// The asynchronous conversation-details jobs (spec §4): the way to read days the synchronous query can
// no longer reach (its look-back, §3.3), i.e. backfills. Submit the day's query (same interval and
// filters, no paging), poll the job until FULFILLED, then page its results with the cursor. Jobs read the
// analytics data lake, which lags hours behind: a day is read this way only once the data lake's
// availability date has passed its end (checked first; the caller says so in its error).
import type {
  AnalyticsConversation,
  AsyncConversationQuery,
  AsyncConversationResults,
  AsyncQueryStatus,
} from '../contracts/genesys.js';
import { GENESYS_PATHS } from '../contracts/genesys.js';
import type { Clock } from '../lib/clock.js';
import { detailsFilters, formatInterval } from './details.js';
import { GenesysError } from './errors.js';
import type { DetailsQueryInput } from './types.js';

export interface DetailsJobsApi {
  submit(body: AsyncConversationQuery, signal?: AbortSignal): Promise<{ jobId: string }>;
  status(jobId: string, signal?: AbortSignal): Promise<AsyncQueryStatus>;
  results(
    jobId: string,
    page: { cursor?: string; pageSize: number },
    signal?: AbortSignal,
  ): Promise<AsyncConversationResults>;
  cancel(jobId: string): Promise<void>;
  availability(signal?: AbortSignal): Promise<{ dataAvailabilityDate?: string }>;
}

export interface DetailsJobOptions {
  clock: Clock;
  signal?: AbortSignal;
  /** Results per page: 1000, what tools used against live orgs ask for (the maximum is unverified, §4). */
  pageSize?: number;
  /** Given up on (and cancelled) after this long without reaching FULFILLED. Default 30 min. */
  timeoutMs?: number;
  onSubmitted?: (jobId: string) => void;
}

/** First poll after 1 s (a small job is done in ~3 s, spec §4), then ×1.5 up to 10 s between polls. */
const FIRST_POLL_MS = 1_000;
const MAX_POLL_MS = 10_000;

/** `path`: the call whose answer said so (the availability, or the job's status). */
function jobError(message: string, path: string, kind: 'terminal' | 'transient' = 'terminal'): GenesysError {
  return new GenesysError('GENESYS_DETAILS_JOB', kind, message, { method: 'GET', path });
}

/**
 * Whether the data lake already holds the whole interval: its availability date must be at or past the
 * interval's end (spec §4, "jobs only if dataAvailabilityDate ≥ interval end").
 */
function lakeCovers(dataAvailabilityDate: string | undefined, endMs: number): boolean {
  const available = dataAvailabilityDate ? Date.parse(dataAvailabilityDate) : Number.NaN;
  return available >= endMs;
}

/**
 * The conversations of `input` through one details job, in conversationStart order, each once. Throws
 * GENESYS_DETAILS_JOB when the data lake does not cover the interval yet, or the job fails, is cancelled,
 * expires, or does not finish within the timeout.
 */
export async function* conversationDetailsByJob(
  api: DetailsJobsApi,
  input: DetailsQueryInput,
  opts: DetailsJobOptions,
): AsyncGenerator<AnalyticsConversation> {
  const { clock, signal } = opts;
  const interval = formatInterval(input.startMs, input.endMs);
  const { dataAvailabilityDate } = await api.availability(signal);
  if (!lakeCovers(dataAvailabilityDate, input.endMs)) {
    throw jobError(
      `the analytics data lake holds conversation details up to ${dataAvailabilityDate ?? '(no date given)'}, ` +
        `not yet to the end of ${interval}: that day can be read through the details jobs once it does (usually hours later)`,
      GENESYS_PATHS.detailsJobsAvailability,
    );
  }
  const { jobId } = await api.submit(
    {
      interval,
      order: 'asc',
      orderBy: 'conversationStart',
      segmentFilters: detailsFilters(input.queueIds),
    },
    signal,
  );
  opts.onSubmitted?.(jobId);
  const startedAt = clock.now();
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  let wait = FIRST_POLL_MS;
  for (;;) {
    await clock.sleep(wait, signal);
    const { state, errorMessage } = await api.status(jobId, signal);
    if (state === 'FULFILLED') break;
    if (state === 'FAILED' || state === 'CANCELLED' || state === 'EXPIRED') {
      throw jobError(
        `details job ${jobId} for ${interval} ended ${state}${errorMessage ? `: ${errorMessage}` : ''}`,
        GENESYS_PATHS.detailsJob(jobId),
        state === 'FAILED' ? 'transient' : 'terminal',
      );
    }
    if (clock.now() - startedAt >= timeoutMs) {
      await api.cancel(jobId).catch(() => {});
      throw jobError(
        `details job ${jobId} for ${interval} was still ${state} after ${Math.round(timeoutMs / 60_000)} min; cancelled`,
        GENESYS_PATHS.detailsJob(jobId),
        'transient',
      );
    }
    wait = Math.min(MAX_POLL_MS, Math.round(wait * 1.5));
  }
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await api.results(jobId, { cursor, pageSize: opts.pageSize ?? 1000 }, signal);
    for (const c of page.conversations ?? []) {
      if (seen.has(c.conversationId)) continue;
      seen.add(c.conversationId);
      yield c;
    }
    cursor = page.cursor;
  } while (cursor);
}

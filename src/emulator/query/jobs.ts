// Asynchronous conversation-details jobs (spec §4): a job is QUEUED, then PENDING, then FULFILLED (or
// FAILED through the failedJob fault, CANCELLED by DELETE, EXPIRED a day after completion). Its results
// are read from the "data lake": conversations that ended before the job's data-availability watermark
// (the clock minus dataLakeLagMs at submission) and that the org still holds (retentionDays). By default
// a job takes every conversation whose lifetime overlaps the interval; startOfDayIntervalMatching makes
// it use the synchronous query's rule. Results are paged with an opaque cursor.
import { randomUUID } from 'node:crypto';
import type { AnalyticsConversation, AsyncQueryState, AsyncQueryStatus } from '../../contracts/genesys.js';
import { DAY_MS, localDatesOverlapping, utcDayStart } from '../data/calendar.js';
import type { Dataset } from '../data/dataset.js';
import { ApiError } from '../errors.js';
import { iso } from '../iso.js';
import { createRng } from '../random.js';
import { matchesConversationFilter, matchesSegmentFilter } from './filters.js';
import type { ParsedFilters } from './validate.js';

/** How long FULFILLED results stay readable (unverified; spec §4 says only that they expire). */
export const DETAILS_JOB_TTL_MS = 24 * 3_600_000;
export const RESULTS_DEFAULT_PAGE_SIZE = 1000;
export const RESULTS_MAX_PAGE_SIZE = 1000;

export interface DetailsJob {
  id: string;
  clientId: string;
  submittedAt: number;
  queuedMs: number;
  durationMs: number;
  watermark: number;
  filters: ParsedFilters;
  limit?: number;
  startOfDay: boolean;
  failed: boolean;
  cancelledAt?: number;
  results?: AnalyticsConversation[];
}

export interface DetailsJobsOptions {
  dataset: Dataset;
  now: () => number;
  seed: string;
  timezone: string;
  durationMs: { min: number; max: number };
  dataLakeLagMs: number;
  retentionDays: number;
}

export interface DetailsJobs {
  /** the data lake watermark now (dataAvailabilityDate), to the minute */
  availability(): number;
  submit(
    clientId: string,
    filters: ParsedFilters,
    o: { limit?: number; startOfDay: boolean; failed: boolean },
  ): DetailsJob;
  get(id: string): DetailsJob | undefined;
  status(job: DetailsJob): AsyncQueryStatus;
  cancel(job: DetailsJob): void;
  /** a page of a FULFILLED job's results (400 otherwise) */
  results(
    job: DetailsJob,
    cursor: string | undefined,
    pageSize: number,
  ): { conversations: AnalyticsConversation[]; cursor?: string };
}

function stateOf(job: DetailsJob, now: number): AsyncQueryState {
  if (job.cancelledAt !== undefined) return 'CANCELLED';
  if (now < job.submittedAt + job.queuedMs) return 'QUEUED';
  const completedAt = job.submittedAt + job.durationMs;
  if (now < completedAt) return 'PENDING';
  if (job.failed) return 'FAILED';
  return now >= completedAt + DETAILS_JOB_TTL_MS ? 'EXPIRED' : 'FULFILLED';
}

const encodeCursor = (job: DetailsJob, offset: number) =>
  Buffer.from(JSON.stringify({ j: job.id.slice(0, 8), o: offset })).toString('base64url');

function decodeCursor(job: DetailsJob, cursor: string): number {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { j?: unknown; o?: unknown };
    if (c.j === job.id.slice(0, 8) && typeof c.o === 'number' && Number.isInteger(c.o) && c.o >= 0)
      return c.o;
  } catch {
    // falls through to the 400
  }
  throw new ApiError(400, 'bad.request', `Invalid cursor for job ${job.id}`);
}

export function createDetailsJobs(o: DetailsJobsOptions): DetailsJobs {
  const jobs = new Map<string, DetailsJob>();
  const rng = createRng(`details-jobs:${o.seed}`);
  const availability = () => Math.floor((o.now() - o.dataLakeLagMs) / 60_000) * 60_000;

  function compute(job: DetailsJob): AnalyticsConversation[] {
    const f = job.filters;
    const oldest = job.submittedAt - o.retentionDays * DAY_MS;
    const hits: { start: number; end: number; view: AnalyticsConversation }[] = [];
    // A conversation that started the day before may still overlap the interval.
    for (const date of localDatesOverlapping(f.startMs - DAY_MS, f.endMs, o.timezone)) {
      for (const plan of o.dataset.plansOf(date)) {
        if (plan.start < oldest || plan.start > job.watermark) continue;
        const t = o.dataset.conversation(plan.id);
        if (!t || t.end > job.watermark) continue;
        if (job.startOfDay) {
          const firstDay = utcDayStart(f.startMs);
          const afterLastDay = utcDayStart(f.endMs - 1) + DAY_MS;
          if (t.start < firstDay || t.start >= afterLastDay) continue;
        }
        if (t.start >= f.endMs || t.end < f.startMs) continue;
        const view = o.dataset.view(t, job.watermark);
        if (!view) continue;
        if (!f.segmentFilters.every((x) => matchesSegmentFilter(view, x))) continue;
        if (!f.conversationFilters.every((x) => matchesConversationFilter(view, x))) continue;
        hits.push({ start: t.start, end: t.end, view });
      }
    }
    const key = (h: (typeof hits)[number]) => (f.orderBy === 'conversationEnd' ? h.end : h.start);
    const dir = f.order === 'desc' ? -1 : 1;
    hits.sort(
      (a, b) => (key(a) - key(b)) * dir || (a.view.conversationId < b.view.conversationId ? -dir : dir),
    );
    const views = hits.map((h) => h.view);
    return job.limit !== undefined ? views.slice(0, job.limit) : views;
  }

  return {
    availability,
    submit(clientId, filters, opts) {
      const now = o.now();
      const { min, max } = o.durationMs;
      const durationMs = min + Math.floor(rng.next() * (max - min + 1));
      const job: DetailsJob = {
        id: randomUUID(),
        clientId,
        submittedAt: now,
        queuedMs: Math.floor(durationMs / 4),
        durationMs,
        watermark: availability(),
        filters,
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        startOfDay: opts.startOfDay,
        failed: opts.failed,
      };
      jobs.set(job.id, job);
      return job;
    },
    get: (id) => jobs.get(id),
    status(job) {
      const state = stateOf(job, o.now());
      const completedAt = job.submittedAt + job.durationMs;
      const done = state === 'FULFILLED' || state === 'FAILED' || state === 'EXPIRED';
      return {
        state,
        ...(state === 'FAILED'
          ? { errorMessage: 'The analytics data lake could not complete the query' }
          : {}),
        ...(done ? { expirationDate: iso(completedAt + DETAILS_JOB_TTL_MS) } : {}),
        submissionDate: iso(job.submittedAt),
        ...(done ? { completionDate: iso(completedAt) } : {}),
      };
    },
    cancel(job) {
      if (job.cancelledAt === undefined) job.cancelledAt = o.now();
    },
    results(job, cursor, pageSize) {
      const state = stateOf(job, o.now());
      if (state !== 'FULFILLED') {
        throw new ApiError(
          400,
          'bad.request',
          `Job ${job.id} is ${state}: results can be read once it is FULFILLED`,
        );
      }
      job.results ??= compute(job);
      const from = cursor === undefined ? 0 : decodeCursor(job, cursor);
      const page = job.results.slice(from, from + pageSize);
      const next = from + page.length;
      return {
        conversations: page,
        ...(next < job.results.length ? { cursor: encodeCursor(job, next) } : {}),
      };
    },
  };
}

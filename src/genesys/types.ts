// The Genesys client's public surface. Everything outside src/genesys talks to Genesys through this
// interface only; nothing else knows Genesys paths, hosts or wire quirks.
import type { Readable } from 'node:stream';
import type {
  AnalyticsConversation,
  BatchDownloadJobStatusResult,
  BatchDownloadRequest,
  Recording,
  RecordingMetadata,
  RoutingQueue,
  User,
  WrapupCode,
} from '../contracts/genesys.js';
import type { Clock } from '../lib/clock.js';

export interface DetailsQueryInput {
  /** UTC interval [start, end) as epoch ms. The client splits it when a query would pass 10,000 results. */
  startMs: number;
  endMs: number;
  /** OR-filter on segment queueId; empty = all queues. */
  queueIds: readonly string[];
}

export type RecordingsLookup =
  | { status: 'ready'; recordings: Recording[] }
  /** 202: Genesys is still transcoding to the requested format; ask again later. */
  | { status: 'transcoding' };

export interface DownloadResponse {
  status: number;
  contentType: string | undefined;
  contentLength: number | undefined;
  body: Readable;
}

export interface ApiCallStats {
  /** calls by logical endpoint name (token, detailsQuery, recordingMetadata, recordings, batchSubmit, batchStatus, download, users, queues, wrapUpCodes); every HTTP request counts, retries included */
  calls: Record<string, number>;
  /** HTTP status counts by endpoint, e.g. { detailsQuery: { '200': 10, '429': 1 } } */
  statuses: Record<string, Record<string, number>>;
  retries: number;
  rateLimited: number;
  limiterWaitMs: number;
}

export interface GenesysClient {
  /** Pages the details query (pageSize 100, asc by conversationStart), de-duplicated by conversationId. */
  conversationDetails(input: DetailsQueryInput, signal?: AbortSignal): AsyncIterable<AnalyticsConversation>;
  /**
   * The same conversations through an asynchronous details job (submit, poll, page with the cursor):
   * for days the synchronous query can no longer reach. Throws GENESYS_DETAILS_JOB when the data lake
   * does not hold the whole interval yet, or the job fails.
   */
  conversationDetailsByJob(
    input: DetailsQueryInput,
    signal?: AbortSignal,
  ): AsyncIterable<AnalyticsConversation>;
  /** GET …/details/jobs/availability: until when the data lake holds conversation details. */
  detailsAvailability(signal?: AbortSignal): Promise<{ dataAvailabilityDate?: string }>;
  recordingMetadata(conversationId: string, signal?: AbortSignal): Promise<RecordingMetadata[]>;
  conversationRecordings(
    conversationId: string,
    opts: { formatId: string; maxWaitMs?: number },
    signal?: AbortSignal,
  ): Promise<RecordingsLookup>;
  submitBatch(items: readonly BatchDownloadRequest[], signal?: AbortSignal): Promise<{ jobId: string }>;
  batchStatus(jobId: string, signal?: AbortSignal): Promise<BatchDownloadJobStatusResult>;
  /**
   * GET a pre-signed resultUrl or mediaUri with no Authorization header, following up to 5 redirects.
   * Non-2xx resolves (status) rather than throws. A URL (or redirect) the URL policy refuses throws
   * GenesysUrlRefusedError before anything is sent to it (url-policy.ts).
   */
  download(resultUrl: string, signal?: AbortSignal): Promise<DownloadResponse>;
  /**
   * Users by id, departed ones included (state=any), 100 ids a request; ids Genesys does not know are
   * absent from the answer. Needs directory:user:view (a 403 throws GenesysHttpError).
   */
  usersById(ids: readonly string[], signal?: AbortSignal): Promise<User[]>;
  /** Queues by id, 100 ids a request (routing:queue:view). */
  queuesById(ids: readonly string[], signal?: AbortSignal): Promise<RoutingQueue[]>;
  /** Every wrap-up code of the org, page by page (routing:wrapupCode:view). */
  wrapUpCodes(signal?: AbortSignal): Promise<WrapupCode[]>;
  /** One token request; throws GenesysAuthError with a clear cause on bad credentials/region. */
  checkCredentials(signal?: AbortSignal): Promise<void>;
  stats(): ApiCallStats;
  /**
   * Whether the rate budget has room right now (no caller waiting on the limiter, a token free): an
   * optional call, such as an early batch poll, would then delay nothing else.
   */
  budgetIdle(): boolean;
  close(): Promise<void>;
}

export interface RateLimiter {
  /** Resolves when the caller may send one request; the request is then in flight until release(). */
  acquire(signal?: AbortSignal): Promise<void>;
  /** A request acquire() let through was answered or failed: it is no longer in flight. */
  release(): void;
  /** Feed the inin-ratelimit-* headers of a response (decisions: rate-window.ts). */
  observe(headers: { allowed?: number; count?: number; resetSeconds?: number }): void;
  /** A 429 with Retry-After: pause every caller for ms. */
  pause(ms: number): void;
  waitedMs(): number;
  /** Nobody is waiting and a request now would go at once: a call now takes budget from no one. */
  idle(): boolean;
}

export interface GenesysClientOptions {
  clientId: string;
  clientSecret: string;
  loginBaseUrl: string;
  apiBaseUrl: string;
  /** per-request timeout (ms) */
  timeoutMs: number;
  /** requests per minute for this credential (default 300) */
  ratePerMinute: number;
  /** max in-flight requests through the keep-alive pool */
  maxSockets?: number;
  /** GENESYS_CLOUD_REGION, e.g. 'mypurecloud.com'; only used to name the likely cause of a login failure. */
  region?: string;
  clock?: Clock;
  limiter?: RateLimiter;
  /** Overrides of the retry policy (defaults in retry.ts: 8 attempts, 500 ms → 30 s full jitter, 10 min). */
  retry?: Partial<import('./retry.js').RetryPolicy>;
  logger?: import('pino').Logger;
}

// Public types of the Genesys Cloud emulator (see docs/emulator.md). Other modules of the product code
// against these shapes, so they change only together with the docs.
import type { AnalyticsConversation, RecordingMetadata } from '../contracts/genesys.js';
import type { DayOracle, OracleOptions } from './oracle-types.js';

export type { DayOracle, OracleConversation, OracleOptions, OracleRecording } from './oracle-types.js';

export interface FaultRule {
  match: {
    method?: string;
    /** exact path, or a prefix ending with '*', or '/regex/' */
    path?: string;
  };
  /** apply to the first N matching requests, then stop */
  times?: number;
  /** 0..1, drawn from a seeded RNG (deterministic per seed) */
  probability?: number;
  /** answer this status with the proper Genesys error envelope (429 → normalized body + Retry-After) */
  status?: number;
  /** seconds, for 429/503 */
  retryAfter?: number;
  /** delay before answering (use to exceed client timeouts) */
  delayMs?: number;
  /** destroy the socket (connection reset) */
  reset?: boolean;
  /** send headers + half the body, then destroy (truncated body; for downloads and JSON) */
  truncate?: boolean;
  /** 200 with a malformed JSON body */
  invalidJson?: boolean;
  /** for resultUrl downloads: answer as if the URL had expired (403) */
  expireUrl?: boolean;
  /** for POST batchrequests: the created job never completes (stays InProgress, results stop growing) */
  stuckJob?: boolean;
  /** for POST analytics/conversations/details/jobs: the created job ends in state FAILED */
  failedJob?: boolean;
}

/** Permissions the emulator checks (every client holds all of them unless told otherwise). */
export type EmulatorPermission =
  | 'analytics:conversationDetail:view'
  | 'recording:recording:view'
  | 'recording:recording:viewSensitiveData'
  | 'routing:queue:view'
  | 'routing:wrapupCode:view'
  | 'directory:user:view';

export type Codec = 'wav' | 'ogg' | 'opus' | 'webm';

export interface EmulatorClient {
  clientId: string;
  clientSecret: string;
  /** permissions this client's role lacks (403 on the endpoints that need them) */
  missingPermissions?: EmulatorPermission[];
}

export interface EmulatorOptions {
  /** default 1; all data deterministic from it */
  seed?: string | number;
  /** default '127.0.0.1' */
  host?: string;
  /** default 0 (random) */
  port?: number;
  /** default 'emulator' */
  clientId?: string;
  /** default 'emulator' */
  clientSecret?: string;
  /** other identities (to test 403 on another client's job, or a role without some permissions) */
  extraClients?: EmulatorClient[];
  /** permissions the main client lacks; default none ('production': recording:recording:viewSensitiveData) */
  missingPermissions?: EmulatorPermission[];
  /** default 86399 */
  tokenTtlSeconds?: number;
  /** requests per minute (fixed 60 s windows), default 300 */
  ratePerMinute?: number;
  /** whose requests share one budget: 'client' (default: every token of one OAuth client) or 'token' */
  rateLimitScope?: 'client' | 'token';
  /** default 3600 */
  resultUrlTtlSeconds?: number;
  /** default 100 */
  maxPageSize?: number;
  /** default 300; days are generated lazily and cached */
  conversationsPerDay?: number;
  /** default 3 (first ids = EMULATOR_QUEUE_IDS; more are derived deterministically) */
  queueCount?: number;
  /** default 'America/Lima': days and business hours are local days of this zone */
  timezone?: string;
  /** added to every /api/v2 answer, default 0 */
  latencyMs?: { mean: number; jitter: number };
  /** time for a batch job to complete, default {min: 500, max: 2000} */
  batchJobDurationMs?: { min: number; max: number };
  /** default {min: 16_000, max: 64_000} */
  audioBytes?: { min: number; max: number };
  faults?: FaultRule[];
  /** injectable clock (ms); default Date.now */
  now?: () => number;
  /** §3.2 second clause switch, default true */
  activityClause?: boolean;
  /** fastify logging, default false */
  logger?: boolean;

  /**
   * 'production' mixes every production case below into the day (docs/emulator.md lists its values);
   * options given explicitly override the profile's. Default 'default' (the tidy day).
   */
  profile?: 'default' | 'production';
  /** shares of the day's conversations that are chats, e-mails, WhatsApp messages, callbacks (default 0) */
  otherMedia?: { chat?: number; email?: number; message?: number; callback?: number };
  /** relative weights of the original codecs of audio recordings (default {wav: 1}) */
  codecs?: Partial<Record<Codec, number>>;
  /** share of downloads whose Content-Type is binary/octet-stream or application/octet-stream (default 0) */
  genericContentTypeShare?: number;
  /** serve resultUrl/mediaUris downloads from a second port (default false) */
  separateDownloadHost?: boolean;
  /** share of download URLs that answer 302 to the signed location (default 0) */
  redirectShare?: number;
  /**
   * share of recorded conversations whose recordings hold sensitive data: a client without
   * recording:recording:viewSensitiveData gets no batch result for them. `expectedResultCount`
   * 'includes-excluded' (default) still counts them, 'drops-excluded' does not.
   */
  sensitiveData?: { share: number; expectedResultCount?: 'includes-excluded' | 'drops-excluded' };
  /** share of recorded conversations whose GET /recordings answers mediaUris {}: half for `forMs` (default 5 min) after upload, half always */
  emptyMediaUris?: { share: number; forMs?: number };
  /** share of recorded conversations whose recordingmetadata is [] (half) or 404 (half) for `forMs` (default 30 min) after the call */
  metadataLag?: { share: number; forMs?: number };
  /** shares of recorded conversations whose first recording is RESTORING, RESTORED, ERROR; titleCase: share of the ARCHIVED and UPLOADING ones shown "Archived"/"Uploading" */
  fileStates?: { restoring?: number; restored?: number; error?: number; titleCase?: number };
  /** share of recorded conversations with a consult to a person (purpose user) and an agent session without segments */
  unusualParticipants?: number;
  /** share of recorded conversations whose tHandle is emitted 20 min after the wrap-up ends */
  handleTimeLag?: number;
  /** share of recorded conversations without the session recording flag */
  noRecordingFlag?: number;
  /** agents who left the company (state inactive), default 0 */
  departedAgents?: number;
  /** the synchronous details query refuses interval starts older than this many days (incl. today); default 0 = no limit ('production': 35) */
  lookBackDays?: number;
  /** how far the data lake (async jobs, dataAvailabilityDate) lags the clock, default 3 h */
  dataLakeLagMs?: number;
  /** time for an async details job to be FULFILLED, default {min: 1000, max: 3000} */
  detailsJobDurationMs?: { min: number; max: number };
  /** how long the org keeps conversation details for async jobs, default 730 days */
  retentionDays?: number;
  /** serve https with a self-signed CA written to `caFile` (default: a temporary file); default off */
  tls?: boolean | { caFile?: string };
}

export interface JournalEntry {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  durationMs: number;
  correlationId?: string;
  authorization: 'none' | 'basic' | 'bearer' | 'other';
  clientId?: string;
  /** parsed JSON request body */
  body?: unknown;
  fault?: string;
  /** 'downloads' for requests to the second (download) host */
  host?: 'api' | 'downloads';
}

/** One fixed 60 s window of the rate limiter (what inin-ratelimit-* count), per client (or token). */
export interface RateWindow {
  clientId: string;
  /** with rateLimitScope 'token': which of the client's tokens (1, 2, … in order of first use) */
  token?: number;
  start: number;
  end: number;
  limit: number;
  /** requests counted against the budget (served) */
  counted: number;
  /** requests answered 429 in this window */
  limited: number;
}

export interface CapturedNotification {
  at: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface EmulatorDataset {
  /** every conversation whose start falls in the LOCAL day `date` (YYYY-MM-DD in options.timezone), all queues, as the analytics API would return it now */
  conversationsOnLocalDay(date: string): AnalyticsConversation[];
  /** as recordingmetadata returns it now */
  recordingsOf(conversationId: string): RecordingMetadata[];
  /** exactly the bytes a batch-result download returns (original codec), and the result's contentType */
  audioOf(recordingId: string): { bytes: Buffer; contentType: string };
}

export interface Emulator {
  /** e.g. http://127.0.0.1:43210 (both login and API base); https:// in TLS mode */
  url: string;
  /** base URL of the download host (separateDownloadHost), else the same as url */
  downloadUrl: string;
  /** TLS mode: the CA to trust (NODE_EXTRA_CA_CERTS=caFile) */
  tls?: { caFile: string; caPem: string };
  queueIds: readonly string[];
  journal: {
    entries(): JournalEntry[];
    clear(): void;
    /** the rate limiter's windows, oldest first (clear() does not reset them) */
    rateWindows(clientId?: string): RateWindow[];
  };
  /** what should happen to every conversation and recording of a local day (src/emulator/oracle.ts) */
  oracle(date: string, o?: OracleOptions): DayOracle;
  faults: { add(rule: FaultRule): void; clear(): void };
  notifications(): CapturedNotification[];
  dataset: EmulatorDataset;
  control: {
    /** ends every wrap-up and finishes every UPLOADING recording now (simulates "later that morning") */
    settleAll(): void;
    /** next details-query page request inserts a new conversation into the queried day (tests de-dup / totalHits drift) */
    injectConversationDuringPaging(): void;
  };
  /** the resolved profile name */
  profile: 'default' | 'production';
  close(): Promise<void>;
}

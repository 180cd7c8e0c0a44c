// Public types of the Genesys Cloud emulator (see docs/emulator.md). Other modules of the product code
// against these shapes, so they change only together with the docs.
import type { AnalyticsConversation, RecordingMetadata } from '../contracts/genesys.js';

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
  /** other identities (to test 403 on another client's job) */
  extraClients?: { clientId: string; clientSecret: string }[];
  /** default 86399 */
  tokenTtlSeconds?: number;
  /** per-token budget, default 300 */
  ratePerMinute?: number;
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
  /** exactly the bytes a download returns */
  audioOf(recordingId: string): { bytes: Buffer; contentType: string };
}

export interface Emulator {
  /** e.g. http://127.0.0.1:43210 (both login and API base) */
  url: string;
  queueIds: readonly string[];
  journal: { entries(): JournalEntry[]; clear(): void };
  faults: { add(rule: FaultRule): void; clear(): void };
  notifications(): CapturedNotification[];
  dataset: EmulatorDataset;
  control: {
    /** ends every wrap-up and finishes every UPLOADING recording now (simulates "later that morning") */
    settleAll(): void;
    /** next details-query page request inserts a new conversation into the queried day (tests de-dup / totalHits drift) */
    injectConversationDuringPaging(): void;
  };
  close(): Promise<void>;
}

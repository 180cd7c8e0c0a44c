// Figures computed from an emulator journal (server side, so they count what the client really sent,
// retries included). Definitions are in docs/performance.md ("Method").
import type { CompactEntry } from './types.js';

export const QUERY = 'POST /api/v2/analytics/conversations/details/query';
export const METADATA = 'GET /api/v2/conversations/:id/recordingmetadata';
export const RECORDINGS = 'GET /api/v2/conversations/:id/recordings';
export const SUBMIT = 'POST /api/v2/recording/batchrequests';
export const POLL = 'GET /api/v2/recording/batchrequests/:id';
export const DOWNLOAD = 'GET /s3/recordings/:id';

export interface JournalFigures {
  /** requests per endpoint key (token and downloads included) */
  byEndpoint: Record<string, number>;
  /** /api/v2 requests: what the rate limit counts */
  apiCalls: number;
  queryPages: number;
  polls: number;
  status429: number;
  /** first /api/v2 request → end of the last /api/v2 request that is not a batch poll (ms) */
  apiWorkWindowMs: number;
  /** /api/v2 requests inside that window ÷ (window × rate per ms) */
  budgetUsedWhilePending: number;
  /** downloads answered 200 */
  downloads: number;
  /** first download start → last download end (ms) */
  downloadSpanMs: number;
  /** time with at least one download in flight (union of intervals, gaps < DOWNLOAD_GAP_MS included, ms) */
  downloadBusyMs: number;
  /** epoch ms of the first request of any kind, and of the end of the last one */
  firstRequestAt: number;
  lastResponseAt: number;
}

/**
 * Downloads closer together than this count as one stretch of downloading. The journal sees a download
 * from its request until the emulator has handed the body to the socket, which on loopback is long before
 * the client has read and stored it; with back-to-back downloads the time in between is still download
 * time, while the gaps this leaves out are the waits for Genesys to complete the next batch.
 */
export const DOWNLOAD_GAP_MS = 250;

function unionMs(intervals: [number, number][], gapMs = 0): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [s, e] of sorted) {
    if (!cur || s > cur[1] + gapMs) {
      if (cur) total += cur[1] - cur[0];
      cur = [s, e];
    } else cur[1] = Math.max(cur[1], e);
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

export function journalFigures(entries: CompactEntry[], ratePerMinute: number): JournalFigures {
  const byEndpoint: Record<string, number> = {};
  for (const e of entries) byEndpoint[e.k] = (byEndpoint[e.k] ?? 0) + 1;
  const api = entries.filter((e) => e.k.includes(' /api/v2/'));
  const work = api.filter((e) => e.k !== POLL);
  const windowStart = api.reduce((m, e) => Math.min(m, e.t), api[0]?.t ?? 0);
  const windowEnd = work.reduce((m, e) => Math.max(m, e.t + e.d), windowStart);
  const windowMs = Math.max(0, windowEnd - windowStart);
  const inWindow = api.filter((e) => e.t >= windowStart && e.t <= windowEnd).length;
  const allowed = (windowMs * ratePerMinute) / 60_000;
  const downloads = entries.filter((e) => e.k === DOWNLOAD && e.s === 200);
  const spans = downloads.map((e): [number, number] => [e.t, e.t + Math.max(e.d, 1)]);
  return {
    byEndpoint,
    apiCalls: api.length,
    queryPages: byEndpoint[QUERY] ?? 0,
    polls: byEndpoint[POLL] ?? 0,
    status429: api.filter((e) => e.s === 429).length,
    apiWorkWindowMs: windowMs,
    budgetUsedWhilePending: allowed > 0 ? inWindow / allowed : 0,
    downloads: downloads.length,
    downloadSpanMs: spans.length
      ? spans.reduce((m, s) => Math.max(m, s[1]), 0) - spans.reduce((m, s) => Math.min(m, s[0]), Infinity)
      : 0,
    downloadBusyMs: unionMs(spans, DOWNLOAD_GAP_MS),
    firstRequestAt: entries.reduce((m, e) => Math.min(m, e.t), Infinity),
    lastResponseAt: entries.reduce((m, e) => Math.max(m, e.t + e.d), 0),
  };
}

// What a day's run cost in Genesys API requests. runDay stores it in the date's run rows (`counts`), so
// every way of running a day (run, demo, serve, the API) feeds the dashboard's "API calls and 429s"
// chart (GET /api/stats/daily) the same way.
import type { ApiCallStats } from '../genesys/types.js';

export interface ApiUsage {
  /** requests to the Genesys API (/api/v2), which its rate limit counts: not the token, not downloads */
  apiCalls: number;
  /** 429 answers */
  apiRateLimited: number;
  /** requests sent again after a transient failure (downloads included) */
  apiRetries: number;
}

/** Endpoints of ApiCallStats that the Genesys API rate limit does not count. */
const NOT_RATE_LIMITED = new Set(['token', 'download']);

function apiCalls(s: ApiCallStats): number {
  let n = 0;
  for (const [endpoint, calls] of Object.entries(s.calls)) if (!NOT_RATE_LIMITED.has(endpoint)) n += calls;
  return n;
}

/** The requests made between two readings of the client's statistics. */
export function apiUsageBetween(before: ApiCallStats, after: ApiCallStats): ApiUsage {
  return {
    apiCalls: apiCalls(after) - apiCalls(before),
    apiRateLimited: after.rateLimited - before.rateLimited,
    apiRetries: after.retries - before.retries,
  };
}

/** Both together (a day's coordinator and the workers that ran its batches). */
export function addUsage(a: ApiUsage | undefined, b: ApiUsage): ApiUsage {
  return {
    apiCalls: (a?.apiCalls ?? 0) + b.apiCalls,
    apiRateLimited: (a?.apiRateLimited ?? 0) + b.apiRateLimited,
    apiRetries: (a?.apiRetries ?? 0) + b.apiRetries,
  };
}

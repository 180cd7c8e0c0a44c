// The Genesys requests made by one piece of work, counted apart from the client's totals: a batch that
// a worker runs for another process' day (ADR 0016) is paid for on that day's run rows, though the
// client that sent its requests also serves other batches at the same time. The executor adds every
// request to the scope it was sent from (AsyncLocalStorage follows the work's awaits).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApiCallStats } from './types.js';

const scopes = new AsyncLocalStorage<ApiCallStats>();

export function emptyStats(): ApiCallStats {
  return { calls: {}, statuses: {}, retries: 0, rateLimited: 0, limiterWaitMs: 0 };
}

/** Runs `work`, counting the requests it makes (and only those) in `stats`. */
export function countRequests<T>(stats: ApiCallStats, work: () => Promise<T>): Promise<T> {
  return scopes.run(stats, work);
}

/** The scope of the work running now, if any. */
export function currentScope(): ApiCallStats | undefined {
  return scopes.getStore();
}

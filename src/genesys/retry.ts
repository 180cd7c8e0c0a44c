// The one retry policy for every Genesys call (STYLE §9). Pure: the caller passes the error, how many
// counted attempts have failed so far and how long the call has been going; it gets back whether to retry
// and after how long. Sleeping, limiter pauses and stats belong to the caller (executor.ts).
import { GENESYS_LIMITS } from '../contracts/genesys.js';
import {
  GenesysError,
  GenesysHttpError,
  GenesysNetworkError,
  GenesysProtocolError,
  GenesysRateLimitedError,
  GenesysTimeoutError,
} from './errors.js';

export interface RetryPolicy {
  /** Counted attempts (429s do not count) before giving up. Default 8. */
  maxAttempts: number;
  /** First backoff ceiling; doubles per attempt. Default 500 ms. */
  baseDelayMs: number;
  /** Backoff ceiling. Default 30 s. */
  maxDelayMs: number;
  /** Total time one call may spend, waits included. Default 10 min (a 429 storm must end somewhere). */
  budgetMs: number;
  /** Wait for a 429 without Retry-After. Default 3 s (what the Java SDK does). */
  retryAfterDefaultMs: number;
  /** A Retry-After above this means a daily/hard limit: give up. Default 180 s (Java SDK rule). */
  retryAfterMaxMs: number;
  /** The n-th malformed answer of one call (GenesysProtocolError.occurrence) is terminal. Default 3. */
  protocolMaxAttempts: number;
  /** Statuses retried with backoff. Default 502/503/504 (500 = the request itself failed: terminal). */
  retryStatuses: readonly number[];
  /**
   * false for non-idempotent calls (POST /recording/batchrequests): retried only when the request
   * certainly never reached the server (connect failed) or the server said 429/503, because a timeout
   * or reset after sending may mean the job was created and a blind retry would create a second one.
   */
  idempotent: boolean;
  /** Jitter source in [0,1); injectable for tests. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  budgetMs: 10 * 60_000,
  retryAfterDefaultMs: 3_000,
  retryAfterMaxMs: GENESYS_LIMITS.retryAfterGiveUpSeconds * 1000,
  protocolMaxAttempts: 3,
  retryStatuses: [502, 503, 504],
  idempotent: true,
  random: Math.random,
});

export type RetryReason = 'rate-limited' | 'server-error' | 'timeout' | 'network' | 'protocol';

export type RetryDecision =
  | { retry: false; reason?: string }
  | {
      retry: true;
      delayMs: number;
      reason: RetryReason;
      /** false for 429: it pauses the limiter for everybody and does not burn this call's attempts. */
      countsAsAttempt: boolean;
    };

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND']);
/** Node's codes for a TLS certificate it does not trust: asking again gets the same certificate. */
const UNTRUSTED_CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/**
 * @param attempt counted attempts made so far, including the one that just failed (1 after the first)
 * @param elapsedMs time since the call started
 */
export function decideRetry(
  error: GenesysError | unknown,
  attempt: number,
  elapsedMs: number,
  policy: Partial<RetryPolicy> = {},
): RetryDecision {
  const p: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...policy };
  if (!(error instanceof GenesysError)) return { retry: false };

  const withinBudget = (delayMs: number, reason: RetryReason): RetryDecision =>
    elapsedMs + delayMs > p.budgetMs
      ? { retry: false, reason: `retry budget of ${Math.round(p.budgetMs / 1000)} s exhausted` }
      : { retry: true, delayMs, reason, countsAsAttempt: reason !== 'rate-limited' };

  if (error instanceof GenesysRateLimitedError) {
    const wait = error.retryAfterMs ?? p.retryAfterDefaultMs;
    if (wait > p.retryAfterMaxMs) {
      return {
        retry: false,
        reason: `Retry-After ${Math.round(wait / 1000)} s exceeds the ${Math.round(p.retryAfterMaxMs / 1000)} s limit (daily or hard rate limit reached)`,
      };
    }
    return withinBudget(wait, 'rate-limited');
  }

  if (error.kind === 'terminal' || error.kind === 'auth') return { retry: false };
  if (attempt >= p.maxAttempts) return { retry: false, reason: `${attempt} attempts failed` };
  const backoff = Math.floor(p.random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1)));

  if (error instanceof GenesysHttpError) {
    if (error.status === undefined || !p.retryStatuses.includes(error.status)) return { retry: false };
    if (!p.idempotent && error.status !== 503) {
      return { retry: false, reason: 'not idempotent: the server may have accepted the request' };
    }
    // A 503 with Retry-After is honoured exactly, like a 429, but it does count as an attempt.
    return withinBudget(error.retryAfterMs ?? backoff, 'server-error');
  }
  if (error instanceof GenesysTimeoutError) {
    if (!p.idempotent) return { retry: false, reason: 'not idempotent: the request may have been accepted' };
    return withinBudget(backoff, 'timeout');
  }
  if (error instanceof GenesysNetworkError) {
    if (UNREACHABLE.has(error.syscode) && !error.hostEverReached) {
      return { retry: false, reason: `cannot reach ${error.host}` };
    }
    if (UNTRUSTED_CERTIFICATE.test(error.syscode)) {
      return {
        retry: false,
        reason: `the TLS certificate of ${error.host} is not trusted; for a private CA (such as the one the sandbox's --tls mode writes), start with NODE_EXTRA_CA_CERTS=<the CA's PEM file>`,
      };
    }
    if (!p.idempotent && !error.connectFailed) {
      return { retry: false, reason: 'not idempotent: the connection broke after the request was sent' };
    }
    return withinBudget(backoff, 'network');
  }
  if (error instanceof GenesysProtocolError) {
    if (!p.idempotent) return { retry: false, reason: 'not idempotent' };
    if (error.occurrence >= p.protocolMaxAttempts) {
      return { retry: false, reason: `${error.occurrence} malformed answers` };
    }
    return withinBudget(backoff, 'protocol');
  }
  return { retry: false };
}

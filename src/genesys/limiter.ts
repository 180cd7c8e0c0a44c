// In-process token bucket for one Genesys credential (STYLE §10). Separate from retry: retry decides
// *whether* to try again; the limiter decides *when anybody* may send. Genesys counts requests per token
// per minute (default 300, §9.1), so the bucket refills at ratePerMinute/60 per second with a small burst.
// It also listens to the server: `observe()` slows down when inin-ratelimit-count approaches `allowed`
// before `reset`, and `pause()` (a 429's Retry-After) stops every caller until the server allows again.
import { type Clock, systemClock } from '../lib/clock.js';
import type { RateLimiter } from './types.js';

export interface TokenBucketOptions {
  /** Requests per minute for this credential, e.g. 300. */
  ratePerMinute: number;
  /** Requests that may go back-to-back after an idle period. Default min(5, rate per second, ≥1). */
  burst?: number;
  /** Fraction of `allowed` at which observe() starts spreading the remaining budget. Default 0.8. */
  tightenAt?: number;
  clock?: Clock;
}

export function createTokenBucketLimiter(opts: TokenBucketOptions): RateLimiter & { pausedUntil(): number } {
  const clock = opts.clock ?? systemClock;
  const ratePerMs = Math.max(opts.ratePerMinute, 1) / 60_000;
  const burst = Math.max(1, opts.burst ?? Math.min(5, Math.floor(opts.ratePerMinute / 60)));
  const tightenAt = opts.tightenAt ?? 0.8;

  let tokens = burst;
  let refilledAt = clock.now();
  let pausedUntil = 0;
  // While tightened, grants are spaced at least `spacingMs` apart until `tightUntil`.
  let spacingMs = 0;
  let tightUntil = 0;
  let lastGrantAt = -Infinity;
  let waited = 0;
  /** callers inside acquire() right now */
  let waiting = 0;

  function refill(now: number): void {
    if (now > refilledAt) {
      tokens = Math.min(burst, tokens + (now - refilledAt) * ratePerMs);
      refilledAt = now;
    }
  }

  /** ms until this caller may go; 0 = granted (and the token is taken). */
  function tryTake(now: number): number {
    refill(now);
    if (now < pausedUntil) return pausedUntil - now;
    if (now < tightUntil && now < lastGrantAt + spacingMs) return lastGrantAt + spacingMs - now;
    if (tokens >= 1) {
      tokens -= 1;
      lastGrantAt = now;
      return 0;
    }
    return Math.ceil((1 - tokens) / ratePerMs);
  }

  return {
    async acquire(signal?: AbortSignal): Promise<void> {
      waiting++;
      try {
        for (;;) {
          signal?.throwIfAborted();
          const wait = tryTake(clock.now());
          if (wait <= 0) return;
          waited += wait;
          await clock.sleep(wait, signal);
        }
      } finally {
        waiting--;
      }
    },

    idle(): boolean {
      const now = clock.now();
      refill(now);
      return waiting === 0 && tokens >= 1 && now >= pausedUntil && now >= tightUntil;
    },

    observe({ allowed, count, resetSeconds }): void {
      if (allowed === undefined || count === undefined || resetSeconds === undefined) return;
      if (!(allowed > 0) || resetSeconds <= 0) return;
      const now = clock.now();
      const remaining = allowed - count;
      if (remaining <= 0) {
        // The server's window is spent: nobody gets through before it resets.
        pausedUntil = Math.max(pausedUntil, now + resetSeconds * 1000);
        return;
      }
      if (count >= allowed * tightenAt) {
        // Spread what is left of the server's window evenly over the time until it resets.
        const spacing = (resetSeconds * 1000) / remaining;
        spacingMs = now < tightUntil ? Math.max(spacingMs, spacing) : spacing;
        tightUntil = now + resetSeconds * 1000;
      } else if (now >= tightUntil) {
        spacingMs = 0;
      }
    },

    pause(ms: number): void {
      pausedUntil = Math.max(pausedUntil, clock.now() + ms);
      // Callers released by the pause must not find a full burst saved up: Genesys just said stop.
      tokens = Math.min(tokens, 1);
      refilledAt = Math.max(refilledAt, pausedUntil);
    },

    waitedMs: () => waited,
    pausedUntil: () => pausedUntil,
  };
}

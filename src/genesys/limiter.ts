// In-process rate limiter for one Genesys credential (STYLE §10). Separate from retry: retry decides
// *whether* to try again; the limiter decides *when anybody* may send.
//
// Two sources, in this order:
// - the server's window (rate-window.ts): while the inin-ratelimit-* headers say the window has room
//   beyond a margin, counting what is in flight, a caller goes at once; at the margin everybody waits
//   for the window's reset. A small day is then bound by the network, not by a pace it did not need.
// - a token bucket at ratePerMinute/60 per second with a small burst, while nothing is known of the
//   current window (before the first answer, and after a reset until the next answer).
// A 429's Retry-After (`pause()`) stops every caller until the server allows again, whatever the window
// seemed to say.
import { type Clock, systemClock } from '../lib/clock.js';
import { decideWindow, observeWindow, type WindowView } from './rate-window.js';
import type { RateLimiter } from './types.js';

export interface TokenBucketOptions {
  /** Requests per minute for this credential, e.g. 300; also caps what one server window may spend. */
  ratePerMinute: number;
  /** Requests that may go back-to-back while the window is unknown. Default min(5, rate per second, ≥1). */
  burst?: number;
  clock?: Clock;
}

export function createTokenBucketLimiter(opts: TokenBucketOptions): RateLimiter {
  const clock = opts.clock ?? systemClock;
  const ratePerMs = Math.max(opts.ratePerMinute, 1) / 60_000;
  const burst = Math.max(1, opts.burst ?? Math.min(5, Math.floor(opts.ratePerMinute / 60)));

  let tokens = burst;
  let refilledAt = clock.now();
  let pausedUntil = 0;
  let window: WindowView | undefined;
  let inFlight = 0;
  let waited = 0;
  /** callers inside acquire() right now */
  let waiting = 0;

  function refill(now: number): void {
    if (now > refilledAt) {
      tokens = Math.min(burst, tokens + (now - refilledAt) * ratePerMs);
      refilledAt = now;
    }
  }

  /** ms until this caller may go; 0 = granted (counted in flight until release()). */
  function tryTake(now: number): number {
    refill(now);
    if (now < pausedUntil) return pausedUntil - now;
    const decision = decideWindow(window, inFlight, now, opts.ratePerMinute);
    if (decision.kind === 'wait') return Math.max(1, decision.untilMs - now);
    if (decision.kind === 'send') {
      // The bucket keeps running, so it is not full of saved-up tokens when the window turns unknown.
      tokens = Math.max(0, tokens - 1);
    } else if (tokens >= 1) {
      tokens -= 1;
    } else {
      return Math.ceil((1 - tokens) / ratePerMs);
    }
    inFlight++;
    return 0;
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

    release(): void {
      inFlight = Math.max(0, inFlight - 1);
    },

    idle(): boolean {
      const now = clock.now();
      refill(now);
      if (waiting > 0 || now < pausedUntil) return false;
      const decision = decideWindow(window, inFlight, now, opts.ratePerMinute);
      return decision.kind === 'send' || (decision.kind === 'unknown' && tokens >= 1);
    },

    observe(headers): void {
      window = observeWindow(window, headers, clock.now());
    },

    pause(ms: number): void {
      pausedUntil = Math.max(pausedUntil, clock.now() + ms);
      // Callers released by the pause must not find a full burst saved up: Genesys just said stop.
      tokens = Math.min(tokens, 1);
      refilledAt = Math.max(refilledAt, pausedUntil);
    },

    waitedMs: () => waited,
  };
}

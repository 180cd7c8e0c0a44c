// The rate limiter for several processes on one OAuth client (ADR 0017): the budget is a token bucket
// kept in PostgreSQL (src/store/rate-budget.ts, reached through the `RateBudget` the composition root
// passes in), so every process on the client draws from one budget, and a 429 anywhere closes it for
// everyone. The embedded database is one process and keeps the in-process limiter (limiter.ts).
//
// In a process, callers queue and one at a time asks the database: one statement per grant, whatever
// the number of callers waiting, and no herd of them polling the row.
import type { Clock } from '../lib/clock.js';
import type { RateLimiter } from './types.js';

/** The budget's state after a call, as the database says it. */
export interface BudgetAnswer {
  granted: boolean;
  /** when not granted: how long until a token is there (or a block ends) */
  waitMs: number;
  /** tokens left */
  tokens: number;
}

/** The shared bucket of one client (src/store/rate-budget.ts on the process' database). */
export interface RateBudget {
  take(): Promise<BudgetAnswer>;
  /** Closes the budget to every process for `ms` and empties it. */
  block(ms: number): Promise<void>;
}

export interface BucketSize {
  capacity: number;
  refillPerSecond: number;
}

/**
 * The bucket for `ratePerMinute`: a burst of min(5, rate per second) (at least 1), refilled at
 * (rate − burst) per minute, so that no 60-second window, wherever it starts, holds more than
 * `ratePerMinute` grants: at most the burst saved up before it, and the refill during it. Genesys
 * counts fixed windows of its own (spec §9.1), which a sliding bound covers whatever their alignment.
 */
export function bucketFor(ratePerMinute: number): BucketSize {
  const rate = Math.max(1, ratePerMinute);
  const capacity = Math.max(1, Math.min(5, Math.floor(rate / 60)));
  return { capacity, refillPerSecond: Math.max(rate - capacity, 1) / 60 };
}

/**
 * What the server's `inin-ratelimit-*` headers say to do: pause everyone until the window resets once
 * it is spent; otherwise nothing (the shared bucket paces already). A spent window is the only signal
 * taken from them: each process sees headers of its own responses, late and out of order, so topping
 * the shared bucket up from "remaining" could let several processes spend the same remainder.
 */
export function pauseFromHeaders(h: { allowed?: number; count?: number; resetSeconds?: number }): number {
  if (h.allowed === undefined || h.count === undefined || h.resetSeconds === undefined) return 0;
  if (!(h.allowed > 0) || h.resetSeconds <= 0) return 0;
  return h.count >= h.allowed ? h.resetSeconds * 1000 : 0;
}

export interface SharedLimiterOptions {
  budget: RateBudget;
  ratePerMinute: number;
  clock: Clock;
  /** a failed block (the database unreachable) is reported here; the local pause holds anyway */
  onError?: (e: unknown) => void;
}

export function createSharedLimiter(opts: SharedLimiterOptions): RateLimiter {
  const { budget, clock } = opts;
  const { refillPerSecond } = bucketFor(opts.ratePerMinute);
  let pausedUntil = 0;
  let waited = 0;
  let waiting = 0;
  /** the last answer's tokens and when it came, to guess whether a token is free now (idle) */
  let lastTokens = 0;
  let lastAt = -Infinity;
  /** callers queue here; the head asks the database */
  let turn: Promise<void> = Promise.resolve();

  async function takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const local = pausedUntil - clock.now();
      if (local > 0) {
        waited += local;
        await clock.sleep(local, signal);
        continue;
      }
      const answer = await budget.take();
      lastTokens = answer.tokens;
      lastAt = clock.now();
      if (answer.granted) return;
      const wait = Math.max(1, answer.waitMs);
      waited += wait;
      await clock.sleep(wait, signal);
    }
  }

  function pause(ms: number): void {
    pausedUntil = Math.max(pausedUntil, clock.now() + ms);
    budget.block(ms).catch((e) => opts.onError?.(e));
  }

  return {
    async acquire(signal?: AbortSignal): Promise<void> {
      waiting++;
      const mine = turn.then(() => takeOne(signal));
      // The next caller waits for this one's grant, not for its failure (an abort is this caller's).
      turn = mine.catch(() => {});
      try {
        await mine;
      } finally {
        waiting--;
      }
    },

    idle(): boolean {
      const now = clock.now();
      const estimate = lastTokens + ((now - lastAt) / 1000) * refillPerSecond;
      return waiting === 0 && now >= pausedUntil && estimate >= 1;
    },

    observe(headers): void {
      const ms = pauseFromHeaders(headers);
      if (ms > 0) pause(ms);
    },

    pause,

    waitedMs: () => waited,
  };
}

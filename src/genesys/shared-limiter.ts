// The rate limiter for several processes on one OAuth client (ADR 0017): the budget is a token bucket
// kept in PostgreSQL (src/store/rate-budget.ts, reached through the `RateBudget` the composition root
// passes in), so every process on the client draws from one budget, and a 429 anywhere closes it for
// everyone. The embedded database is one process and keeps the in-process limiter (limiter.ts).
//
// It keeps the in-process limiter's contract (types.ts `RateLimiter`) and takes the same decisions from
// the server's window (rate-window.ts), as far as they hold with several processes:
// - a request is in flight from acquire() to release(), and counts against the window's room;
// - alone on the budget (no other process asked within an HTTP timeout), a caller goes at once while
//   the window has room beyond the margin, as in one process: it then knows everything in flight on
//   the client;
// - with other processes on it, the shared bucket paces everyone (their requests in flight are not
//   known here, so the window's remainder is not spent at once);
// - either way, a window spent down to its margin stops this process until the reset, and one whose
//   server count alone reached the margin closes the budget to everybody until then.
//
// In a process, callers queue and one at a time asks the database: one statement per grant, whatever
// the number of callers waiting, and no herd of them polling the row.
import type { Clock } from '../lib/clock.js';
import { decideWindow, observeWindow, type WindowView } from './rate-window.js';
import type { RateLimiter } from './types.js';

/** The budget's state after a call, as the database says it. */
export interface BudgetAnswer {
  granted: boolean;
  /** when not granted: how long until a token is there (or a block ends) */
  waitMs: number;
  /** tokens left */
  tokens: number;
  /** no other process asked lately: this one may spend the server's window alone */
  alone: boolean;
}

/** The shared bucket of one client (src/store/rate-budget.ts on the process' database). */
export interface RateBudget {
  /** `windowSend`: the server's window has room for one more by this process' reckoning. */
  take(windowSend: boolean): Promise<BudgetAnswer>;
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
 * Until when everybody on the budget must stop, from what the server's window says by itself (its
 * count, not this process' requests in flight, which other processes do not share): the window's
 * reset once its count reached the margin (rate-window.ts), else 0.
 */
export function windowStop(view: WindowView | undefined, now: number, ratePerMinute: number): number {
  const decision = decideWindow(view, 0, now, ratePerMinute);
  return decision.kind === 'wait' ? decision.untilMs : 0;
}

export interface SharedLimiterOptions {
  budget: RateBudget;
  ratePerMinute: number;
  clock: Clock;
  /** a failed block (the database unreachable) is reported here; the local pause holds anyway */
  onError?: (e: unknown) => void;
}

export function createSharedLimiter(opts: SharedLimiterOptions): RateLimiter {
  const { budget, clock, ratePerMinute } = opts;
  const { refillPerSecond } = bucketFor(ratePerMinute);
  let pausedUntil = 0;
  let waited = 0;
  let waiting = 0;
  let inFlight = 0;
  let window: WindowView | undefined;
  /** the reset of the last window this process closed the budget for (one block per window) */
  let stoppedUntil = 0;
  /** the last answer's tokens, when it came and whether this process was alone, to guess idle() */
  let lastTokens = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  let alone = false;
  /** callers queue here; the head asks the database */
  let turn: Promise<void> = Promise.resolve();

  async function takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      if (now < pausedUntil) {
        waited += pausedUntil - now;
        await clock.sleep(pausedUntil - now, signal);
        continue;
      }
      const decision = decideWindow(window, inFlight, now, ratePerMinute);
      if (decision.kind === 'wait') {
        // The window is spent with what this process has in flight: nobody here sends before the reset.
        const wait = Math.max(1, decision.untilMs - now);
        waited += wait;
        await clock.sleep(wait, signal);
        continue;
      }
      const answer = await budget.take(decision.kind === 'send');
      lastTokens = answer.tokens;
      lastAt = clock.now();
      alone = answer.alone;
      if (answer.granted) {
        inFlight++;
        return;
      }
      const wait = Math.max(1, answer.waitMs);
      waited += wait;
      await clock.sleep(wait, signal);
    }
  }

  function release(): void {
    inFlight = Math.max(0, inFlight - 1);
  }

  function block(ms: number): void {
    budget.block(ms).catch((e) => opts.onError?.(e));
  }

  function pause(ms: number): void {
    pausedUntil = Math.max(pausedUntil, clock.now() + ms);
    block(ms);
  }

  return {
    async acquire(signal?: AbortSignal): Promise<void> {
      waiting++;
      const mine = turn.then(() => takeOne(signal));
      // The next caller waits for this one's grant, not for its failure (an abort is this caller's).
      turn = mine.catch(() => {});
      try {
        await untilGrantedOrAborted(mine, signal, release);
      } finally {
        waiting--;
      }
    },

    release,

    idle(): boolean {
      const now = clock.now();
      if (waiting > 0 || now < pausedUntil) return false;
      const decision = decideWindow(window, inFlight, now, ratePerMinute);
      if (decision.kind === 'wait') return false;
      if (decision.kind === 'send' && alone) return true;
      return lastTokens + ((now - lastAt) / 1000) * refillPerSecond >= 1;
    },

    observe(headers): void {
      const now = clock.now();
      window = observeWindow(window, headers, now);
      const until = windowStop(window, now, ratePerMinute);
      if (until > stoppedUntil) {
        stoppedUntil = until;
        block(until - now);
      }
    },

    pause,

    waitedMs: () => waited,
  };
}

/**
 * Waits for a queued caller's grant, or leaves the queue as soon as its signal aborts (a batch whose
 * lease was lost must not wait behind other callers for a window's reset). Its turn still comes and
 * ends at once (takeOne checks the signal first); a grant that raced the abort is given back.
 */
function untilGrantedOrAborted(
  granted: Promise<void>,
  signal: AbortSignal | undefined,
  giveBack: () => void,
): Promise<void> {
  if (!signal) return granted;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      granted.then(giveBack, () => {});
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    granted.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

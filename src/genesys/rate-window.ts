// "How much may I send now, given what the server's rate window said?" — the decision alone, as pure
// functions of plain data, so any limiter can use it: the in-process one (limiter.ts) and one shared
// between processes (which keeps the same WindowView in a database).
//
// Genesys answers every API request with inin-ratelimit-allowed (the window's budget), -count (what
// this client has spent in it, this request included) and -reset (seconds until the window resets)
// (spec §9.2). While the window has room, there is no reason to pace: a 130-recording day spent 36 s at
// a steady 5 requests/s with the window nearly empty. So a caller may go at once while what the window
// has counted, plus what is in flight and not counted yet, stays below the budget minus a margin; at the
// margin everybody waits for the reset. Before the first answer, and between a reset and the first
// answer of the next window, nothing is known: the caller paces at the configured rate instead.

/** What is known of the current window: the last readings of the headers, merged. */
export interface WindowView {
  /** inin-ratelimit-allowed */
  allowed: number;
  /** the highest inin-ratelimit-count read in this window (answers arrive out of order) */
  count: number;
  /** epoch ms when the window resets: when the reading arrived + inin-ratelimit-reset seconds */
  resetAt: number;
}

export interface RateHeaders {
  allowed?: number;
  count?: number;
  resetSeconds?: number;
}

export type WindowDecision =
  /** nothing known of the current window: pace at the configured rate */
  | { kind: 'unknown' }
  /** the window has room beyond the margin: send now */
  | { kind: 'send'; room: number }
  /** the window is spent down to the margin: nobody sends before it resets */
  | { kind: 'wait'; untilMs: number };

/**
 * Readings whose reset is this close are the same window: -reset is in whole seconds, so two answers a
 * few milliseconds apart can say 12 and 13.
 */
const SAME_WINDOW_MS = 1_500;

/**
 * Requests kept in reserve in every window: other users of the same OAuth client (another process, a
 * script), and requests the server counts in a different order than they were sent. 5%, at least 2.
 */
export function windowMargin(limit: number): number {
  return Math.max(2, Math.ceil(limit * 0.05));
}

/**
 * The view after one more answer. Headers missing or nonsensical leave it as it was. A reading of a
 * later window (its reset well after the known one, or the known one over) replaces it; a reading of the
 * same window raises its count (the server's count only grows within a window; a lower one is an older
 * answer arriving late). A different `allowed` is another window (a resource with its own limit).
 */
export function observeWindow(
  view: WindowView | undefined,
  h: RateHeaders,
  now: number,
): WindowView | undefined {
  const { allowed, count, resetSeconds } = h;
  if (allowed === undefined || count === undefined || resetSeconds === undefined) return view;
  if (!(allowed > 0) || !(count >= 0) || !(resetSeconds >= 0)) return view;
  const reading: WindowView = { allowed, count, resetAt: now + resetSeconds * 1000 };
  if (!view || now >= view.resetAt || allowed !== view.allowed) return reading;
  if (reading.resetAt > view.resetAt + SAME_WINDOW_MS) return reading;
  return {
    allowed,
    count: Math.max(view.count, count),
    // The later estimate: waiting a second too long is harmless, sending a second early is a 429.
    resetAt: Math.max(view.resetAt, reading.resetAt),
  };
}

/**
 * May a request go now? `inFlight`: requests sent and not answered yet (the server may or may not have
 * counted them). `budgetPerWindow`: the configured budget (GENESYS_RATE_LIMIT_PER_MINUTE), which caps
 * the server's when it is lower (the operator keeps the rest for others).
 */
export function decideWindow(
  view: WindowView | undefined,
  inFlight: number,
  now: number,
  budgetPerWindow = Number.POSITIVE_INFINITY,
): WindowDecision {
  if (!view || now >= view.resetAt) return { kind: 'unknown' };
  const limit = Math.min(view.allowed, budgetPerWindow);
  const room = limit - windowMargin(limit) - (view.count + inFlight);
  if (room > 0) return { kind: 'send', room };
  return { kind: 'wait', untilMs: view.resetAt };
}

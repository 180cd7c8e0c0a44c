// Per-token request budget over fixed 60 s windows (spec §9): what the inin-ratelimit-* headers report.
export interface RateDecision {
  allowed: boolean;
  limit: number;
  count: number;
  resetSeconds: number;
}

export interface RateLimiter {
  take(key: string): RateDecision;
  peek(key: string): RateDecision;
}

const WINDOW_MS = 60_000;

export function createRateLimiter(limit: number, now: () => number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (key: string) => {
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= WINDOW_MS) {
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    return { w, resetSeconds: Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000)) };
  };
  return {
    take(key) {
      const { w, resetSeconds } = current(key);
      if (w.count >= limit) return { allowed: false, limit, count: w.count, resetSeconds };
      w.count++;
      return { allowed: true, limit, count: w.count, resetSeconds };
    },
    peek(key) {
      const { w, resetSeconds } = current(key);
      return { allowed: w.count < limit, limit, count: w.count, resetSeconds };
    },
  };
}

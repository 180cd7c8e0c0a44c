// The shared rate budget's own logic (ADR 0017), on a budget kept in memory: the bucket a rate gets,
// when the server's window stops everybody, and the limiter's contract (in flight until release();
// alone it spends the window at once, shared it waits for tokens; a spent window waits for its reset).
// The budget itself in PostgreSQL: test/scale/rate-budget.test.ts.
import { describe, expect, it } from 'vitest';
import type { WindowView } from '../../src/genesys/rate-window.js';
import {
  type BudgetAnswer,
  bucketFor,
  createSharedLimiter,
  type RateBudget,
  windowStop,
} from '../../src/genesys/shared-limiter.js';
import type { Clock } from '../../src/lib/clock.js';

describe('bucketFor', () => {
  it.each([
    // rate/min, burst, refill per minute: burst + refill = rate, so no 60 s window holds more
    [300, 5, 295],
    [1200, 5, 1195],
    [180, 3, 177],
    [60, 1, 59],
    [30, 1, 29],
    [1, 1, 1],
  ])('%i/min: burst %i, refilled at %i/min', (rate, burst, perMinute) => {
    const b = bucketFor(rate);
    expect(b.capacity).toBe(burst);
    expect(b.refillPerSecond * 60).toBeCloseTo(perMinute, 9);
  });
});

describe('windowStop', () => {
  const view = (allowed: number, count: number, resetAt: number): WindowView => ({ allowed, count, resetAt });
  it.each<[string, WindowView | undefined, number, number, number]>([
    ['nothing known of the window', undefined, 1_000, 300, 0],
    ['room beyond the margin: the bucket paces', view(300, 284, 12_000), 1_000, 300, 0],
    ['count at the margin (300 - 15): everybody until the reset', view(300, 285, 12_000), 1_000, 300, 12_000],
    ["spent by others' requests", view(300, 340, 4_000), 1_000, 300, 4_000],
    ['the window has reset meanwhile', view(300, 300, 12_000), 12_000, 300, 0],
    ['the configured budget is lower: its margin', view(1_000, 190, 9_000), 1_000, 200, 9_000],
  ])('%s', (_name, v, now, rate, until) => {
    expect(windowStop(v, now, rate)).toBe(until);
  });
});

/** Virtual time: sleep() advances the clock at once. */
function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += Math.max(0, ms);
    },
  };
  return c;
}

/** A budget in memory: a bucket of `tokens` refilled at `perSecond`, and whether the asker is alone. */
function memoryBudget(clock: Clock, o: { tokens: number; perSecond: number; alone: boolean }) {
  const state = { ...o, at: clock.now(), blockedUntil: 0 };
  const calls: { windowSend: boolean; at: number }[] = [];
  const blocks: number[] = [];
  const budget: RateBudget = {
    async take(windowSend): Promise<BudgetAnswer> {
      const now = clock.now();
      calls.push({ windowSend, at: now });
      if (now < state.blockedUntil)
        return { granted: false, waitMs: state.blockedUntil - now, tokens: state.tokens, alone: state.alone };
      state.tokens = Math.min(5, state.tokens + ((now - state.at) / 1000) * state.perSecond);
      state.at = now;
      const granted = state.tokens >= 1 || (windowSend && state.alone);
      if (granted) state.tokens = Math.max(0, state.tokens - 1);
      const waitMs = granted ? 0 : Math.ceil(((1 - state.tokens) / state.perSecond) * 1000);
      return { granted, waitMs, tokens: state.tokens, alone: state.alone };
    },
    async block(ms) {
      blocks.push(ms);
      state.blockedUntil = Math.max(state.blockedUntil, clock.now() + ms);
      state.tokens = 0;
    },
  };
  return { budget, calls, blocks, state };
}

const headers = (count: number, resetSeconds = 60) => ({ allowed: 300, count, resetSeconds });

describe('the shared limiter', () => {
  it('alone on the budget, spends the window at once: 20 callers go with no token left', async () => {
    const clock = fakeClock();
    const mem = memoryBudget(clock, { tokens: 0, perSecond: 5, alone: true });
    const limiter = createSharedLimiter({ budget: mem.budget, ratePerMinute: 300, clock });
    // The first request paces at the bucket (nothing known of the window); its answer opens the window.
    await limiter.acquire();
    limiter.observe(headers(1));
    limiter.release();
    const start = clock.t;
    const asked = mem.calls.length;
    await Promise.all(Array.from({ length: 20 }, () => limiter.acquire()));
    expect(clock.t).toBe(start);
    expect(mem.calls.slice(asked).map((c) => c.windowSend)).toEqual(Array(20).fill(true));
    expect(limiter.idle()).toBe(true);
  });

  it('shared with other processes, waits for tokens even while the window has room', async () => {
    const clock = fakeClock();
    const mem = memoryBudget(clock, { tokens: 0, perSecond: 5, alone: false });
    const limiter = createSharedLimiter({ budget: mem.budget, ratePerMinute: 300, clock });
    await limiter.acquire();
    limiter.observe(headers(1));
    limiter.release();
    const start = clock.t;
    for (let i = 0; i < 5; i++) await limiter.acquire();
    // One token each 200 ms: the window's room is not spent at once.
    expect(clock.t - start).toBeGreaterThanOrEqual(5 * 200 - 1);
    expect(mem.calls.at(-1)!.windowSend).toBe(true);
  });

  it('counts its requests in flight until release(): at the margin it waits for the reset', async () => {
    const clock = fakeClock();
    const mem = memoryBudget(clock, { tokens: 5, perSecond: 5, alone: true });
    const limiter = createSharedLimiter({ budget: mem.budget, ratePerMinute: 300, clock });
    await limiter.acquire();
    // The server counted 280 of 300 (margin 15): room for 5 more, this one included until released.
    limiter.observe(headers(280, 30));
    for (let i = 0; i < 4; i++) await limiter.acquire();
    expect(clock.t).toBe(0);
    const asked = mem.calls.length;
    // Five in flight: the sixth waits for the reset, without asking the database meanwhile.
    const sixth = limiter.acquire().then(() => clock.t);
    expect(await sixth).toBeGreaterThanOrEqual(30_000);
    expect(mem.calls.length).toBe(asked + 1);
    expect(mem.blocks).toEqual([]);
  });

  it('a release makes room in the window again', async () => {
    const clock = fakeClock();
    const mem = memoryBudget(clock, { tokens: 5, perSecond: 5, alone: true });
    const limiter = createSharedLimiter({ budget: mem.budget, ratePerMinute: 300, clock });
    await limiter.acquire();
    limiter.observe(headers(284, 30));
    // 284 counted + this one in flight = 285, the margin: not idle, a caller would wait.
    expect(limiter.idle()).toBe(false);
    limiter.release();
    // Its answer was counted in 284: one more may go now.
    expect(limiter.idle()).toBe(true);
    await limiter.acquire();
    expect(clock.t).toBe(0);
  });

  it('a window whose count reached the margin closes the budget to everybody until it resets, once', () => {
    const clock = fakeClock();
    const mem = memoryBudget(clock, { tokens: 5, perSecond: 5, alone: false });
    const limiter = createSharedLimiter({ budget: mem.budget, ratePerMinute: 300, clock });
    limiter.observe(headers(200, 20));
    expect(mem.blocks).toEqual([]);
    limiter.observe(headers(285, 20));
    limiter.observe(headers(290, 20));
    expect(mem.blocks).toEqual([20_000]);
  });

  it('a 429 pauses this process and closes the budget to the others', async () => {
    const clock = fakeClock();
    const mem = memoryBudget(clock, { tokens: 5, perSecond: 5, alone: true });
    const limiter = createSharedLimiter({ budget: mem.budget, ratePerMinute: 300, clock });
    limiter.pause(3_000);
    expect(mem.blocks).toEqual([3_000]);
    await limiter.acquire();
    expect(clock.t).toBeGreaterThanOrEqual(3_000);
    expect(limiter.waitedMs()).toBeGreaterThanOrEqual(3_000);
  });

  it('a queued caller whose signal aborts leaves at once, not when its turn comes', async () => {
    // Time stands still and no token comes: the head of the queue waits until its own signal aborts.
    const clock: Clock = {
      now: () => 0,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    };
    const mem = memoryBudget(clock, { tokens: 0, perSecond: 5, alone: false });
    const limiter = createSharedLimiter({ budget: mem.budget, ratePerMinute: 300, clock });
    const head = new AbortController();
    const first = limiter.acquire(head.signal).then(
      () => 'granted',
      () => 'left',
    );
    const lost = new AbortController();
    const second = limiter.acquire(lost.signal).then(
      () => 'granted',
      () => 'left',
    );
    await new Promise((r) => setTimeout(r, 20));
    lost.abort(new Error('the batch lease was lost'));
    expect(await second).toBe('left');
    head.abort(new Error('stop'));
    expect(await first).toBe('left');
    // The caller that left never asked the budget, not even when its turn came after the head's.
    expect(mem.calls).toHaveLength(1);
  });
});

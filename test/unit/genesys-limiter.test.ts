import { describe, expect, it } from 'vitest';
import { createTokenBucketLimiter } from '../../src/genesys/limiter.js';
import type { Clock } from '../../src/lib/clock.js';

/** Virtual time: sleep() advances the clock instantly. */
function fakeClock(start = 1_000_000): Clock & { t: number } {
  const c = {
    t: start,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += Math.max(0, ms);
    },
  };
  return c;
}

async function grantTimes(
  limiter: { acquire(): Promise<void> },
  clock: { t: number },
  n: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await limiter.acquire();
    times.push(clock.t);
  }
  return times;
}

describe('token bucket limiter', () => {
  it('lets a small burst through, then paces at ratePerMinute/60 per second', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 300, clock }); // 5/s, burst 5
    const times = await grantTimes(limiter, clock, 10);
    expect(times.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(times.slice(5)).toEqual([200, 400, 600, 800, 1000]);
    expect(limiter.waitedMs()).toBe(1000);
  });

  it('a slow rate has a burst of one and spaces requests evenly', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 30, clock });
    expect(await grantTimes(limiter, clock, 3)).toEqual([0, 2000, 4000]);
  });

  it('pause() blocks every caller until the pause ends', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 6000, clock });
    limiter.pause(5_000);
    const [a, b] = await Promise.all([
      limiter.acquire().then(() => clock.t),
      limiter.acquire().then(() => clock.t),
    ]);
    expect(a).toBeGreaterThanOrEqual(5_000);
    expect(b).toBeGreaterThanOrEqual(5_000);
    expect(limiter.waitedMs()).toBeGreaterThanOrEqual(5_000);
  });

  it('a shorter pause does not shorten a longer one', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 600, clock });
    limiter.pause(3_000);
    limiter.pause(1_000);
    await limiter.acquire();
    expect(clock.t).toBe(3_000);
  });

  it('while the server says its window has room, callers go at once, beyond the steady rate', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 300, clock }); // 5/s, burst 5
    limiter.observe({ allowed: 300, count: 10, resetSeconds: 50 });
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      await limiter.acquire();
      times.push(clock.t);
      limiter.release();
    }
    expect(new Set(times)).toEqual(new Set([0]));
    expect(limiter.waitedMs()).toBe(0);
  });

  it('stops at the margin, counting what is in flight, and waits for the window to reset', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 300, clock });
    limiter.observe({ allowed: 300, count: 270, resetSeconds: 20 }); // margin 15: 15 more may go
    for (let i = 0; i < 15; i++) await limiter.acquire(); // none answered yet: all 15 in flight
    expect(clock.t).toBe(0);
    await limiter.acquire(); // 270 + 15 in flight = 285: the margin
    expect(clock.t).toBe(20_000);
  });

  it('answers free the in-flight tally: with the count still low, callers keep going', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 300, clock });
    limiter.observe({ allowed: 300, count: 1, resetSeconds: 60 });
    for (let i = 0; i < 280; i++) await limiter.acquire(); // 1 + 280 in flight < 285
    expect(clock.t).toBe(0);
    for (let i = 0; i < 280; i++) limiter.release();
    limiter.observe({ allowed: 300, count: 100, resetSeconds: 59 }); // what the server had counted
    await limiter.acquire();
    expect(clock.t).toBe(0);
  });

  it('a window spent by the server (count = allowed) waits for its reset', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 6000, clock });
    limiter.observe({ allowed: 300, count: 300, resetSeconds: 7 });
    await limiter.acquire();
    expect(clock.t).toBe(7_000);
  });

  it('after the reset, nothing is known until the next answer: the steady rate applies', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 300, clock }); // 5/s, burst 5
    limiter.observe({ allowed: 300, count: 10, resetSeconds: 5 });
    clock.t = 10_000; // the window has reset; no answer since
    const times = await grantTimes(limiter, clock, 7);
    expect(times).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_200, 10_400]);
  });

  it('a lower configured budget caps what one window may spend', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 100, clock }); // margin 5 of 100
    limiter.observe({ allowed: 300, count: 90, resetSeconds: 30 });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(clock.t).toBe(0);
    await limiter.acquire();
    expect(clock.t).toBe(30_000);
  });

  it('a 429 pause wins over a window that seemed to have room', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 300, clock });
    limiter.observe({ allowed: 300, count: 10, resetSeconds: 50 });
    limiter.pause(3_000);
    await limiter.acquire();
    expect(clock.t).toBe(3_000);
  });

  it('idle() is true only while a request would go at once and nobody waits', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 300, clock }); // 5/s, burst 5
    expect(limiter.idle()).toBe(true);
    await grantTimes(limiter, clock, 5); // the burst is spent at t=0
    expect(limiter.idle()).toBe(false);
    clock.t += 200; // one token back
    expect(limiter.idle()).toBe(true);

    // A caller waiting on the limiter: not idle, even though a token is due meanwhile.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const held: Clock = { now: () => clock.t, sleep: () => gate };
    const busy = createTokenBucketLimiter({ ratePerMinute: 60, clock: held }); // burst 1
    await busy.acquire();
    const waiter = busy.acquire();
    expect(busy.idle()).toBe(false);
    clock.t += 1_000;
    release();
    await waiter;
    clock.t += 1_000;
    expect(busy.idle()).toBe(true);

    limiter.pause(5_000);
    expect(limiter.idle()).toBe(false);
    clock.t += 5_000;
    expect(limiter.idle()).toBe(true);
  });

  it('acquire() rejects when its signal aborts', async () => {
    const limiter = createTokenBucketLimiter({ ratePerMinute: 60 });
    await limiter.acquire();
    const ac = new AbortController();
    const p = limiter.acquire(ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});

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

  it('observe() spreads the remaining server budget when count nears allowed', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 6000, clock }); // 100/s: never the bottleneck
    limiter.observe({ allowed: 300, count: 290, resetSeconds: 20 }); // 10 left for 20 s → one per 2 s
    const times = await grantTimes(limiter, clock, 3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(2_000);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(2_000);
  });

  it('observe() ignores counts well below the limit', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 6000, clock });
    limiter.observe({ allowed: 300, count: 10, resetSeconds: 50 });
    expect(await grantTimes(limiter, clock, 3)).toEqual([0, 0, 0]);
  });

  it('observe() with the budget spent waits for the reset', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 6000, clock });
    limiter.observe({ allowed: 300, count: 300, resetSeconds: 7 });
    await limiter.acquire();
    expect(clock.t).toBe(7_000);
  });

  it('the tightening ends after the reset window', async () => {
    const clock = fakeClock(0);
    const limiter = createTokenBucketLimiter({ ratePerMinute: 6000, clock });
    limiter.observe({ allowed: 100, count: 95, resetSeconds: 5 });
    clock.t = 10_000;
    limiter.observe({ allowed: 100, count: 1, resetSeconds: 60 });
    const times = await grantTimes(limiter, clock, 3);
    expect(times[2]! - times[0]!).toBeLessThan(100);
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

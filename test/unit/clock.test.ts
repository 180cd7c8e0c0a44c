// sleepOrWake: a stage's fallback timer must not outlive the wait it was for.
import { describe, expect, it } from 'vitest';
import { sleepOrWake, systemClock } from '../../src/lib/clock.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('sleepOrWake', () => {
  it('returns when woken and leaves no timer behind (a pending one kept the CLI alive after its work)', async () => {
    const before = timers();
    let wake = () => {};
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const started = performance.now();
    const waiting = sleepOrWake(systemClock, 60_000, woken);
    wake();
    await waiting;
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(timers()).toBe(before);
  });

  it('returns after the time when nothing wakes it, and when the wake-up rejects', async () => {
    const started = performance.now();
    await sleepOrWake(systemClock, 30, new Promise(() => {}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    await expect(sleepOrWake(systemClock, 60_000, Promise.reject(new Error('x')))).resolves.toBeUndefined();
  });

  it('returns at once on an abort, without throwing', async () => {
    const abort = new AbortController();
    const waiting = sleepOrWake(systemClock, 60_000, new Promise(() => {}), abort.signal);
    abort.abort(new Error('stop'));
    await expect(waiting).resolves.toBeUndefined();
  });
});

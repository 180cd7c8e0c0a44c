// The shared rate budget's pure parts (ADR 0017): the bucket a rate gets, and what the server's headers
// make every process do.
import { describe, expect, it } from 'vitest';
import { bucketFor, pauseFromHeaders } from '../../src/genesys/shared-limiter.js';

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

describe('pauseFromHeaders', () => {
  it.each([
    ['window spent: pause until it resets', { allowed: 300, count: 300, resetSeconds: 12 }, 12_000],
    ['past it (another process' + "'s requests)", { allowed: 300, count: 340, resetSeconds: 3 }, 3_000],
    ['room left: the bucket paces', { allowed: 300, count: 299, resetSeconds: 12 }, 0],
    ['no headers', {}, 0],
    ['reset missing', { allowed: 300, count: 300 }, 0],
    ['nonsense allowed', { allowed: 0, count: 5, resetSeconds: 10 }, 0],
  ])('%s', (_name, headers, pauseMs) => {
    expect(pauseFromHeaders(headers)).toBe(pauseMs);
  });
});

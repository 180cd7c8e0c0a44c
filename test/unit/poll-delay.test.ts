import { describe, expect, it } from 'vitest';
import { nextPollDelay } from '../../src/pipeline/await-batch.js';

describe('nextPollDelay', () => {
  it.each([
    // interval, elapsed since submission, results so far, expected, → delay
    [2000, 2000, 0, 100, 2000], // no result yet: the back-off interval
    [3000, 2000, 50, 100, 2200], // half done in 2 s: the other half in ≈ 2 s, +10%
    [3000, 2000, 90, 100, 500], // nearly done: not sooner than 500 ms
    [2000, 1000, 10, 100, 2000], // far from done: never later than the back-off interval
    [2000, 2000, 100, 100, 2000], // all results but not Completed yet: the back-off interval
    [2000, 0, 10, 100, 2000], // no elapsed time to estimate from
  ])('interval %i, %i ms in, %i of %i results → %i ms', (interval, elapsed, count, expected, delay) => {
    expect(nextPollDelay(interval, elapsed, count, expected)).toBe(delay);
  });
});

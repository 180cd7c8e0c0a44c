import { describe, expect, it } from 'vitest';
import { eagerPollDelay, nextPollDelay } from '../../src/pipeline/await-batch.js';

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

describe('eagerPollDelay (rate budget idle)', () => {
  it.each([
    // elapsed since submission, results so far, expected, → delay (undefined: the back-off applies)
    [500, 0, 100, undefined], // no result yet: back off as usual
    [500, 16, 100, 1000], // a fast job (100 in 3 s): every second, not sooner
    [500, 10, 100, 1250], // 100 in 5 s: a quarter of the job is 1.25 s
    [20_000, 10, 100, 50_000], // a slow real job: a quarter of it, not every second
    [2000, 100, 100, undefined], // all results in: back off until Completed
  ])('%i ms in, %i of %i results → %s', (elapsed, count, expected, delay) => {
    expect(eagerPollDelay(elapsed, count, expected)).toBe(delay);
  });
});

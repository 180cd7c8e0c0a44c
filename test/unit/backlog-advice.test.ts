// A full disk's message says how much the rest of the day needs, so the operator frees enough at once.
import { describe, expect, it } from 'vitest';
import { backlogAdvice } from '../../src/pipeline/run.js';

describe('backlogAdvice', () => {
  it.each([
    [{ remaining: 0, averageBytes: 1000 }, ''],
    [{ remaining: 1, averageBytes: null }, ' (1 recording of this day still to download)'],
    [
      { remaining: 37, averageBytes: 45_120.5 },
      " (37 recordings of this day still to download: about 1.7 MB more at this day's average of 45.1 kB)",
    ],
  ])('%j → %j', (backlog, text) => {
    expect(backlogAdvice(backlog)).toBe(text);
  });
});

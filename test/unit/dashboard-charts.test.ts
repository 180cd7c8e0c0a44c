// The dashboard's chart axes: labels are whole numbers, never two alike (0, 1, 1 was drawn for a chart
// whose largest value was 0 or 1).
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain browser JavaScript without type declarations
import { axisTicks } from '../../src/http/public/js/charts.js';

describe('axisTicks', () => {
  it.each([
    [1, [0, 1]],
    [2, [0, 1, 2]],
    [5, [0, 5]],
    [10, [0, 5, 10]],
    [50, [0, 25, 50]],
    [2000, [0, 1000, 2000]],
  ])('a chart whose axis tops at %i is labelled %j', (yMax, labels) => {
    const ticks = (axisTicks as (m: number) => { value: number }[])(yMax).map((t) => t.value);
    expect(ticks).toEqual(labels);
    expect(new Set(ticks).size).toBe(ticks.length);
  });
});

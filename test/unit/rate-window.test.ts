// "How much may I send now, given the server's rate window?" as tables: reading the headers
// (observeWindow) and deciding (decideWindow). Any limiter, in-process or shared, takes these.
import { describe, expect, it } from 'vitest';
import { decideWindow, observeWindow, type WindowView, windowMargin } from '../../src/genesys/rate-window.js';

const at = (allowed: number, count: number, resetAt: number): WindowView => ({ allowed, count, resetAt });

describe('windowMargin', () => {
  it.each([
    [10, 2],
    [60, 3],
    [180, 9],
    [300, 15],
    [1800, 90],
  ])('keeps %i → %i requests in reserve', (limit, margin) => {
    expect(windowMargin(limit)).toBe(margin);
  });
});

describe('decideWindow', () => {
  it.each<
    [string, WindowView | undefined, number, number, number | undefined, ReturnType<typeof decideWindow>]
  >([
    ['no reading yet', undefined, 0, 1_000, undefined, { kind: 'unknown' }],
    ['the window has reset', at(300, 250, 5_000), 0, 5_000, undefined, { kind: 'unknown' }],
    ['plenty of room', at(300, 10, 60_000), 0, 1_000, undefined, { kind: 'send', room: 275 }],
    ['room counts what is in flight', at(300, 10, 60_000), 16, 1_000, undefined, { kind: 'send', room: 259 }],
    ['one left above the margin', at(300, 284, 60_000), 0, 1_000, undefined, { kind: 'send', room: 1 }],
    ['at the margin', at(300, 285, 60_000), 0, 1_000, undefined, { kind: 'wait', untilMs: 60_000 }],
    [
      'in flight reaches the margin',
      at(300, 280, 60_000),
      5,
      1_000,
      undefined,
      { kind: 'wait', untilMs: 60_000 },
    ],
    ['spent by the server', at(300, 300, 60_000), 0, 1_000, undefined, { kind: 'wait', untilMs: 60_000 }],
    ['a per-resource limit of 180', at(180, 100, 9_000), 0, 1_000, undefined, { kind: 'send', room: 71 }],
    ['the configured budget is lower', at(300, 10, 60_000), 0, 1_000, 100, { kind: 'send', room: 85 }],
    ['the configured budget is higher', at(300, 10, 60_000), 0, 1_000, 1_000, { kind: 'send', room: 275 }],
  ])('%s', (_name, view, inFlight, now, budget, expected) => {
    expect(decideWindow(view, inFlight, now, budget)).toEqual(expected);
  });
});

describe('observeWindow', () => {
  const now = 100_000;
  it.each<[string, WindowView | undefined, Parameters<typeof observeWindow>[1], WindowView | undefined]>([
    ['a first reading', undefined, { allowed: 300, count: 3, resetSeconds: 58 }, at(300, 3, 158_000)],
    ['headers missing: nothing learnt', undefined, { allowed: 300 }, undefined],
    ['nonsense ignored', at(300, 3, 158_000), { allowed: 0, count: 3, resetSeconds: 5 }, at(300, 3, 158_000)],
    [
      'a higher count in the same window',
      at(300, 3, 158_000),
      { allowed: 300, count: 9, resetSeconds: 58 },
      at(300, 9, 158_000),
    ],
    [
      'a late answer with a lower count keeps the higher one',
      at(300, 9, 158_000),
      { allowed: 300, count: 4, resetSeconds: 59 },
      at(300, 9, 159_000),
    ],
    [
      'a later window replaces it',
      at(300, 290, 110_000),
      { allowed: 300, count: 1, resetSeconds: 60 },
      at(300, 1, 160_000),
    ],
    [
      'a window whose reset passed is replaced',
      at(300, 290, 90_000),
      { allowed: 300, count: 2, resetSeconds: 59 },
      at(300, 2, 159_000),
    ],
    [
      'another resource limit replaces it',
      at(300, 20, 158_000),
      { allowed: 180, count: 3, resetSeconds: 3 },
      at(180, 3, 103_000),
    ],
  ])('%s', (_name, view, headers, expected) => {
    expect(observeWindow(view, headers, now)).toEqual(expected);
  });
});

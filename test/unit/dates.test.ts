import { describe, expect, it } from 'vitest';
import {
  checkProcessDate,
  dateRange,
  defaultProcessDate,
  localDateOf,
  localDayInterval,
  localToday,
  readsThroughJobs,
} from '../../src/lib/dates.js';
import { planDates } from '../../src/scheduler/plan-days.js';

describe('process date (seed rule: yesterday, Saturday when yesterday was Sunday)', () => {
  it.each([
    ['2026-11-25', '2026-11-24'], // Wednesday → Tuesday
    ['2026-11-23', '2026-11-21'], // Monday → yesterday is Sunday → Saturday
    ['2026-11-22', '2026-11-21'], // Sunday → Saturday
    ['2026-11-24', '2026-11-23'], // Tuesday → Monday
    ['2026-03-01', '2026-02-28'], // month boundary
    ['2027-01-01', '2026-12-31'], // year boundary
  ])('as of %s the process date is %s', (today, expected) => {
    expect(defaultProcessDate(today)).toBe(expected);
  });

  it('takes "today" in the configured zone, not in UTC', () => {
    // 2026-11-26 03:00 UTC is still 2026-11-25 in Lima (UTC-5)
    const now = Date.parse('2026-11-26T03:00:00Z');
    expect(localToday(now, 'America/Lima')).toBe('2026-11-25');
    expect(localToday(now, 'UTC')).toBe('2026-11-26');
  });
});

describe('local day as a UTC interval', () => {
  it('Lima has no DST: a 24 h day starting at 05:00Z', () => {
    const { startMs, endMs } = localDayInterval('2026-11-24', 'America/Lima');
    expect(new Date(startMs).toISOString()).toBe('2026-11-24T05:00:00.000Z');
    expect(new Date(endMs).toISOString()).toBe('2026-11-25T05:00:00.000Z');
  });

  it('a DST spring-forward day is 23 h long and a fall-back day 25 h', () => {
    const spring = localDayInterval('2026-03-08', 'America/New_York');
    expect((spring.endMs - spring.startMs) / 3_600_000).toBe(23);
    const fall = localDayInterval('2026-11-01', 'America/New_York');
    expect((fall.endMs - fall.startMs) / 3_600_000).toBe(25);
  });

  it('attributes an instant to its local date', () => {
    expect(localDateOf('2026-11-25T04:59:59.999Z', 'America/Lima')).toBe('2026-11-24');
    expect(localDateOf('2026-11-25T05:00:00.000Z', 'America/Lima')).toBe('2026-11-25');
  });
});

describe('date options', () => {
  const today = '2026-11-26';
  it('--date is taken as is', () => {
    expect(planDates({ date: '2026-11-20' }, today)).toEqual({ dates: ['2026-11-20'], isDefault: false });
  });
  it('--as-of a Monday picks the Saturday before', () => {
    expect(planDates({ asOf: '2026-11-23' }, today).dates).toEqual(['2026-11-21']);
  });
  it('--from/--to gives every day of the range', () => {
    expect(planDates({ from: '2026-11-20', to: '2026-11-22' }, today).dates).toEqual([
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
  });
  it.each([
    [{ date: '2026-13-01' }, /not a calendar date/],
    [{ date: '26-11-01' }, /use YYYY-MM-DD/],
    [{ date: '2026-11-27' }, /in the future/],
    [{ date: '2026-11-26' }, /today/],
    [{ from: '2026-11-22', to: '2026-11-20' }, /before --from/],
    [{ from: '2026-11-22' }, /go together/],
    [{ date: '2026-11-20', asOf: '2026-11-21' }, /only one of/],
  ])('%o is rejected with a clear message', (opts, message) => {
    expect(() => planDates(opts, today)).toThrow(message);
  });
  it('checkProcessDate accepts yesterday, the 35th day back and older days (a backfill)', () => {
    expect(() => checkProcessDate('2026-11-25', today)).not.toThrow();
    expect(() => checkProcessDate('2026-10-22', today)).not.toThrow();
    expect(() => checkProcessDate('2026-09-01', today)).not.toThrow();
    expect(() => checkProcessDate('2024-11-26', today)).not.toThrow();
    expect(planDates({ from: '2026-09-01', to: '2026-09-03' }, today).dates).toHaveLength(3);
  });

  // The synchronous query accepts interval starts up to 35 days back, today included (UTC days); the
  // oldest of those goes to the jobs too, for safety at the edge.
  const NOW = Date.parse('2026-11-26T12:00:00Z');
  const lima = (date: string) => Date.parse(`${date}T05:00:00Z`);
  it.each([
    ['yesterday', lima('2026-11-25'), false],
    ['33 days back', lima('2026-10-24'), false],
    ['34 days back: the query would still take it, the jobs do', lima('2026-10-23'), true],
    ['35 days back', lima('2026-10-22'), true],
    ['a year back', lima('2025-11-26'), true],
  ])('readsThroughJobs: %s → %s', (_, start, jobs) => {
    expect(readsThroughJobs(start, NOW, 35)).toBe(jobs);
  });
  it('readsThroughJobs follows GENESYS_DETAILS_LOOKBACK_DAYS', () => {
    expect(readsThroughJobs(lima('2026-09-01'), NOW, 400)).toBe(false);
    expect(readsThroughJobs(lima('2026-11-25'), NOW, 1)).toBe(true);
  });
  it('dateRange refuses more than a year', () => {
    expect(() => dateRange('2025-01-01', '2026-06-01')).toThrow(/at most 366/);
  });
});

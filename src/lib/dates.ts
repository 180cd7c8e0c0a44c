// Process-date rules and local-day intervals. All DST-safe: a local day is [00:00, next day 00:00) in the
// zone, whatever its length (23, 24 or 25 hours).
import { DateTime } from 'luxon';
import { UsageError } from './errors.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const DAY_MS = 86_400_000;

export function parseIsoDate(value: string, flag: string): DateTime {
  if (!ISO_DATE.test(value)) {
    throw new UsageError(`${flag} "${value}" is not a date: use YYYY-MM-DD, for example ${flag} 2026-11-24`);
  }
  const d = DateTime.fromISO(value, { zone: 'UTC' });
  if (!d.isValid) {
    throw new UsageError(`${flag} "${value}" is not a calendar date (${d.invalidExplanation ?? 'invalid'})`);
  }
  return d;
}

/** Today's date (YYYY-MM-DD) in the zone at instant nowMs. */
export function localToday(nowMs: number, zone: string): string {
  return DateTime.fromMillis(nowMs, { zone }).toISODate()!;
}

/**
 * The seed's rule: the process date is yesterday in the zone; if yesterday is a Sunday, Saturday.
 * `today` is a YYYY-MM-DD (the real today, or --as-of).
 */
export function defaultProcessDate(today: string): string {
  const y = parseIsoDate(today, '--as-of').minus({ days: 1 });
  const d = y.weekday === 7 ? y.minus({ days: 1 }) : y;
  return d.toISODate()!;
}

/** Inclusive list of days from..to (YYYY-MM-DD). */
export function dateRange(from: string, to: string): string[] {
  const a = parseIsoDate(from, '--from');
  const b = parseIsoDate(to, '--to');
  if (b < a) throw new UsageError(`--to ${to} is before --from ${from}: swap them`);
  const days = Math.round(b.diff(a, 'days').days) + 1;
  if (days > 366)
    throw new UsageError(`--from ${from} --to ${to} spans ${days} days: run at most 366 at once`);
  return Array.from({ length: days }, (_, i) => a.plus({ days: i }).toISODate()!);
}

/** The local day [00:00, 24:00) of `date` in `zone` as UTC epoch ms. */
export function localDayInterval(date: string, zone: string): { startMs: number; endMs: number } {
  parseIsoDate(date, 'date');
  const start = DateTime.fromISO(date, { zone }).startOf('day');
  const end = start.plus({ days: 1 }).startOf('day');
  return { startMs: start.toMillis(), endMs: end.toMillis() };
}

/** The YYYY-MM-DD local date of an instant. */
export function localDateOf(isoInstant: string, zone: string): string {
  return DateTime.fromISO(isoInstant, { zone }).toISODate()!;
}

/**
 * Rejects dates the job cannot process: in the future, or today (which is not over yet). Any older day
 * can be extracted: days past the synchronous details query's look-back are read through the
 * asynchronous details jobs (readsThroughJobs).
 */
export function checkProcessDate(date: string, today: string): void {
  const d = parseIsoDate(date, '--date');
  const t = parseIsoDate(today, 'today');
  if (d >= t) {
    throw new UsageError(
      `--date ${date} is ${d > t ? 'in the future' : 'today'} (today is ${today} in TIMEZONE): ` +
        `only finished days can be extracted; use ${t.minus({ days: 1 }).toISODate()} or earlier`,
    );
  }
}

/**
 * Whether a day whose UTC interval starts at `intervalStartMs` must be read through the asynchronous
 * details jobs: the synchronous query accepts interval starts up to `lookBackDays` days in the past,
 * today included (35 per the developer-center tutorial, spec §3.3; whether still enforced is
 * unverified), counted in UTC days. The oldest day it would still accept goes to the jobs too, so a
 * clock or zone difference at the edge cannot make the query refuse it.
 */
export function readsThroughJobs(intervalStartMs: number, nowMs: number, lookBackDays: number): boolean {
  const todayUtc = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const earliest = todayUtc - (lookBackDays - 2) * DAY_MS;
  return intervalStartMs < earliest;
}

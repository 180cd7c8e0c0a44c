// Local days of the emulated contact centre. A "day number" is the count of days since 1970-01-01 of a
// calendar date (no zone); the zone only matters when a date is turned into instants.
import { DateTime } from 'luxon';

const DAY_MS = 86_400_000;

export function isIsoDate(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && DateTime.fromISO(date, { zone: 'utc' }).isValid;
}

export function dayNumberOf(date: string): number {
  return Math.round(DateTime.fromISO(date, { zone: 'utc' }).toMillis() / DAY_MS);
}

export function dateOfDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** [start, end) of the local day `date` in `zone`, as epoch ms (23 or 25 h long on DST changes). */
export function localDayBounds(date: string, zone: string): { start: number; end: number } {
  const start = DateTime.fromISO(date, { zone }).startOf('day');
  return { start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() };
}

export function localDateOf(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate() as string;
}

/** Every local date whose day overlaps [startMs, endMs). */
export function localDatesOverlapping(startMs: number, endMs: number, zone: string): string[] {
  const out: string[] = [];
  let d = DateTime.fromMillis(startMs, { zone }).startOf('day');
  while (d.toMillis() < endMs) {
    out.push(d.toISODate() as string);
    d = d.plus({ days: 1 });
  }
  return out;
}

export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export { DAY_MS };

// Which process dates a run covers: --date, --from/--to, or the seed's default (yesterday in TIMEZONE,
// Saturday when yesterday was Sunday), optionally as of another day. The default run also revisits the
// previous RECONCILE_DAYS days that still have unfinished work (late recordings, wrap-ups).
import { and, inArray, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { checkProcessDate, dateRange, defaultProcessDate, parseIsoDate } from '../lib/dates.js';
import { UsageError } from '../lib/errors.js';
import type { Db } from '../store/db.js';
import { conversations, recordings } from '../store/schema.js';

export interface DateOptions {
  date?: string;
  asOf?: string;
  from?: string;
  to?: string;
}

export interface DatePlan {
  dates: string[];
  /** true when the dates come from the default rule (so reconciliation applies) */
  isDefault: boolean;
}

export function planDates(opts: DateOptions, today: string): DatePlan {
  const given = [
    opts.date && '--date',
    opts.asOf && '--as-of',
    (opts.from || opts.to) && '--from/--to',
  ].filter(Boolean);
  if (given.length > 1) throw new UsageError(`use only one of ${given.join(', ')}`);
  if ((opts.from && !opts.to) || (!opts.from && opts.to)) throw new UsageError('--from and --to go together');
  let dates: string[];
  let isDefault = false;
  if (opts.date) dates = [parseIsoDate(opts.date, '--date').toISODate()!];
  else if (opts.from && opts.to) dates = dateRange(opts.from, opts.to);
  else {
    const asOf = opts.asOf ? parseIsoDate(opts.asOf, '--as-of').toISODate()! : today;
    dates = [defaultProcessDate(asOf)];
    isDefault = true;
    if (opts.asOf) {
      // --as-of simulates another "today": only the date rule changes, the look-back check is real.
      return { dates, isDefault };
    }
  }
  for (const d of dates) checkProcessDate(d, today);
  return { dates, isDefault };
}

/** The days before `processDate` (up to `days` back) that still have work a later run can finish. */
export async function datesToReconcile(db: Db, processDate: string, days: number): Promise<string[]> {
  if (days <= 0) return [];
  const base = DateTime.fromISO(processDate, { zone: 'UTC' });
  const candidates = Array.from({ length: days }, (_, i) => base.minus({ days: days - i }).toISODate()!);
  const notReady = await db
    .selectDistinct({ d: conversations.processDate })
    .from(conversations)
    .where(and(inArray(conversations.processDate, candidates), sql`${conversations.state} = 'not_ready'`));
  const unfinished = await db
    .selectDistinct({ d: recordings.processDate })
    .from(recordings)
    .where(
      and(
        inArray(recordings.processDate, candidates),
        inArray(recordings.state, ['waiting', 'pending', 'batched']),
      ),
    );
  const set = new Set([...notReady, ...unfinished].map((r) => r.d));
  return candidates.filter((d) => set.has(d));
}

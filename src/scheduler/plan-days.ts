// Which process dates a start covers: --date, --from/--to, or the default (yesterday in TIMEZONE,
// Saturday when yesterday was Sunday), optionally as of another day. The default also revisits the
// previous RECONCILE_DAYS days that still have unfinished work (late recordings, wrap-ups).
import { DateTime } from 'luxon';
import type { Config } from '../config/schema.js';
import { checkProcessDate, dateRange, defaultProcessDate, parseIsoDate } from '../lib/dates.js';
import { UsageError } from '../lib/errors.js';
import type { DayPlan } from '../pipeline/deps.js';
import { datesWithUnfinishedWork } from '../store/days.js';
import type { Db } from '../store/db.js';

export interface DateOptions {
  date?: string;
  asOf?: string;
  from?: string;
  to?: string;
}

/** What to start: the dates (none = the default) and the queues (none = GENESYS_QUEUE_IDS). */
export interface DayRequest extends DateOptions {
  queueIds?: readonly string[];
}

export interface DatePlan {
  dates: string[];
  /** true when the dates come from the default rule (so reconciliation applies) */
  isDefault: boolean;
}

/** The dates the options name, each checked against `today`; a usage error names the flag. */
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
      // --as-of simulates another "today": only the date rule changes.
      return { dates, isDefault };
    }
  }
  for (const d of dates) checkProcessDate(d, today);
  return { dates, isDefault };
}

/**
 * The days a request covers, oldest first: its dates, preceded (for the default) by the earlier days
 * within RECONCILE_DAYS that still have work a later run can finish.
 */
export async function planDays(
  db: Db,
  config: Pick<Config, 'RECONCILE_DAYS' | 'GENESYS_QUEUE_IDS'>,
  request: DayRequest,
  today: string,
): Promise<{ days: DayPlan[]; reconciled: string[] }> {
  const plan = planDates(request, today);
  const reconciled = plan.isDefault ? await datesToReconcile(db, plan.dates[0]!, config.RECONCILE_DAYS) : [];
  const queueIds = [...(request.queueIds ?? config.GENESYS_QUEUE_IDS)];
  return {
    days: [...reconciled, ...plan.dates].map((processDate) => ({ processDate, queueIds })),
    reconciled,
  };
}

/** The days before `processDate` (up to `days` back) that still have work a later run can finish. */
async function datesToReconcile(db: Db, processDate: string, days: number): Promise<string[]> {
  if (days <= 0) return [];
  const base = DateTime.fromISO(processDate, { zone: 'UTC' });
  const candidates = Array.from({ length: days }, (_, i) => base.minus({ days: days - i }).toISODate()!);
  const unfinished = await datesWithUnfinishedWork(db, candidates);
  return candidates.filter((d) => unfinished.has(d));
}

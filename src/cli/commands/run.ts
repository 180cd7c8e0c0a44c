// `audio-extract run`: extract one or more process dates to completion and print a summary.
import { setMaxListeners } from 'node:events';
import { parseConfig } from '../../config/schema.js';
import { localToday } from '../../lib/dates.js';
import { ConfigError, UsageError } from '../../lib/errors.js';
import type { DayOutcome } from '../../pipeline/run.js';
import { extractDays } from '../../scheduler/day-jobs.js';
import { planDates } from '../../scheduler/plan-days.js';
import { parseCommandArgs } from '../args.js';
import { compose } from '../compose.js';
import { EXIT, formatOutcome } from '../output.js';
import { createProgress } from '../progress.js';

const HELP = `audio-extract run — extract call recordings for one or more process dates

Usage: audio-extract run [--date YYYY-MM-DD | --as-of YYYY-MM-DD | --from D --to D] [--queue ID ...] [--json]

  --date D        process exactly this day (a finished local day in TIMEZONE)
  --as-of D       compute the default process date as if today were D (yesterday; Saturday if that was Sunday)
  --from D --to D process every day of the range (at most 366), each its own run: a backfill
  --queue ID      queue id (repeatable); default GENESYS_QUEUE_IDS
  --json          print the outcome as JSON on stdout (logs stay on stderr)

Days older than GENESYS_DETAILS_LOOKBACK_DAYS (35) are read through Genesys' asynchronous
conversation-details jobs instead of the details query, so any day the org still holds can be extracted.

Without a date option the run processes yesterday (seed rule) and also revisits the previous
RECONCILE_DAYS days that still have recordings or conversations Genesys had not finished.

Exit codes: 0 success, 1 a day failed or left failed recordings, 2 bad usage or configuration.
`;

export async function runCommand(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'run',
    argv,
    {
      date: { type: 'string' },
      'as-of': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      queue: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!values) return EXIT.ok;
  const config = parseConfig(process.env);
  const queueIds = values.queue?.length ? values.queue : [...config.GENESYS_QUEUE_IDS];
  if (queueIds.length === 0) {
    throw new ConfigError(
      'No queue to extract: set GENESYS_QUEUE_IDS (comma-separated queue ids, for example ' +
        'GENESYS_QUEUE_IDS=39988345-a7c5-4ce5-851e-334cb54efc79) or pass --queue ID',
    );
  }
  for (const q of queueIds) {
    if (!/^[0-9a-fA-F-]{8,64}$/.test(q))
      throw new UsageError(`--queue "${q}" is not a Genesys queue id (UUID)`);
  }
  const request = { date: values.date, asOf: values['as-of'], from: values.from, to: values.to, queueIds };
  // A bad date is a usage error before anything is opened (the start plans the same dates again).
  planDates(request, localToday(Date.now(), config.TIMEZONE));

  const abort = new AbortController();
  // Every in-flight request listens on this one signal; dozens at once are expected, not a leak.
  setMaxListeners(1000, abort.signal);
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const app = await compose(config, { signal: abort.signal, json: values.json, statusSnapshot: 'run' });
  const outcomes: DayOutcome[] = [];
  const progress = process.stdout.isTTY && !values.json ? createProgress(process.stdout) : undefined;
  if (progress) app.deps.onProgress = progress.onProgress;
  try {
    outcomes.push(...(await extractDays(app.deps, app.store, request)));
  } finally {
    progress?.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await app.close();
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ days: outcomes }, null, 2)}\n`);
  else for (const o of outcomes) process.stdout.write(formatOutcome(o));
  const failed = outcomes.some((o) => o.status === 'FAILED' || o.retryable > 0);
  return failed ? EXIT.failed : EXIT.ok;
}

// `audio-extract status`: runs, counts and batches from the database, and where each day's files are.
// The --json shape is documented in README ("status --json") and kept stable.
import { parseConfig } from '../../config/schema.js';
import { parseIsoDate } from '../../lib/dates.js';
import { openStorage } from '../../storage/index.js';
import { batchesOf } from '../../store/batches.js';
import { listRuns, runRowJson } from '../../store/runs.js';
import { parseCommandArgs } from '../args.js';
import { openStore } from '../compose.js';
import { EXIT } from '../output.js';

const HELP = `audio-extract status — what the database knows about runs and batches

Usage: audio-extract status [--date YYYY-MM-DD] [--json]

  --date D   only this process date (default: every date, newest first)
  --json     stable JSON: {"runs":[...], "batches":[...], "days":[...]} (see README)
`;

export async function statusCommand(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'status',
    argv,
    {
      date: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    HELP,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (values.date) parseIsoDate(values.date, '--date');
  const config = parseConfig(process.env);
  const store = await openStore(config);
  // Only to say where files are: nothing is read from it, so nothing is asked of the server either.
  const storage = await openStorage(config);
  try {
    const runs = await listRuns(store.db, values.date ? { from: values.date, to: values.date } : {});
    const dates = [...new Set(runs.map((r) => r.processDate))];
    const batches = (await Promise.all(dates.map((d) => batchesOf(store.db, d)))).flat();
    const out = {
      runs: runs.map(runRowJson),
      batches: batches.map((b) => ({
        processDate: b.processDate,
        id: b.id,
        jobId: b.jobId,
        status: b.status,
        items: b.items,
        submissions: b.submissions,
        error: b.error,
        submittedAt: b.submittedAt?.toISOString() ?? null,
        completedAt: b.completedAt?.toISOString() ?? null,
      })),
      days: dates.map((d) => ({ processDate: d, location: storage.dayLocation(d) })),
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return EXIT.ok;
    }
    if (out.runs.length === 0) process.stdout.write('No runs recorded yet.\n');
    for (const r of out.runs) {
      const counts = Object.entries(r.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      process.stdout.write(
        `${r.processDate}  ${r.queueId}  ${r.status}  attempts ${r.attempts}  ${counts}${r.error ? `  error: ${r.error}` : ''}\n`,
      );
    }
    for (const d of dates) {
      process.stdout.write(`\n${d} files: ${storage.dayLocation(d)}\n`);
      const bs = out.batches.filter((b) => b.processDate === d);
      if (bs.length === 0) continue;
      process.stdout.write(`${d} batches:\n`);
      for (const b of bs) {
        process.stdout.write(
          `  #${b.id}  ${b.jobId ?? '(not submitted)'}  ${b.status}  ${b.items} items${b.error ? `  ${b.error}` : ''}\n`,
        );
      }
    }
    return EXIT.ok;
  } finally {
    await storage.close();
    await store.close();
  }
}

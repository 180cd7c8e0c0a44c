// `audio-extract status`: runs, counts and batches from the database, and where each day's files are.
// The --json shape is documented in README ("status --json") and kept stable. While another process (a
// run, serve) holds the embedded database, it shows that process' live view instead
// (status-snapshot.ts): the database is never opened twice.
import { parseConfig } from '../../config/schema.js';
import { parseIsoDate } from '../../lib/dates.js';
import { dayLocationOf, storageLocation } from '../../storage/index.js';
import { LockHeldError } from '../../store/dir-lock.js';
import { parseCommandArgs } from '../args.js';
import { openStore } from '../compose.js';
import { EXIT } from '../output.js';
import { formatStatus, type StatusJson, statusOf } from '../status-report.js';
import { readStatusSnapshot } from '../status-snapshot.js';

const HELP = `audio-extract status — what the database knows about runs and batches

Usage: audio-extract status [--date YYYY-MM-DD] [--json]

  --date D   only this process date (default: every date, newest first)
  --json     stable JSON: {"runs":[...], "batches":[...], "days":[...]} (see README)

While a run (or serve) holds the embedded database, status shows the live progress of the dates it is
working on, from the status snapshot that process keeps in DATA_DIR/status.json.
`;

export async function statusCommand(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'status',
    argv,
    {
      date: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!values) return EXIT.ok;
  if (values.date) parseIsoDate(values.date, '--date');
  const config = parseConfig(process.env);
  let out: StatusJson;
  try {
    const store = await openStore(config);
    try {
      out = await statusOf(store.db, values.date);
    } finally {
      await store.close();
    }
  } catch (e) {
    const live = e instanceof LockHeldError ? await readStatusSnapshot(config.DATA_DIR, e.owner) : undefined;
    if (!live) throw e;
    out = values.date ? onlyDate(live, values.date) : live;
  }
  // Only to say where files are: no storage is opened, nothing is asked of a server.
  const location = storageLocation(config);
  const dates = [...new Set(out.runs.map((r) => r.processDate))];
  out.days = dates.map((d) => ({ processDate: d, location: dayLocationOf(location, d) }));
  process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : formatStatus(out, Date.now()));
  return EXIT.ok;
}

function onlyDate(s: StatusJson, date: string): StatusJson {
  return {
    ...s,
    runs: s.runs.filter((r) => r.processDate === date),
    batches: s.batches.filter((b) => b.processDate === date),
  };
}

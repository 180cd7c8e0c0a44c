// `audio-extract demo`: the whole job on the embedded default with no Genesys account. It starts the
// bundled emulator in-process, points the real pipeline at it over a real socket, runs one process
// date into the storage (DATA_DIR/audio unless STORAGE_URL says otherwise) and shows what was
// downloaded and what would have been e-mailed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../config/schema.js';
import { describeLocation, storageLocation } from '../../config/storage-url.js';
import { buildEmulator } from '../../emulator/index.js';
import { localToday } from '../../lib/dates.js';
import { UsageError } from '../../lib/errors.js';
import { extractDays } from '../../scheduler/day-jobs.js';
import { planDates } from '../../scheduler/plan-days.js';
import { parseCommandArgs } from '../args.js';
import { compose } from '../compose.js';
import { EXIT, formatOutcome } from '../output.js';

const HELP = `audio-extract demo — a full extraction against the bundled Genesys emulator

Usage: audio-extract demo [--date YYYY-MM-DD] [--conversations N] [--seed S]

  --date D           process date, a finished day, as for run (default:
                     yesterday in TIMEZONE, Saturday if that was Sunday)
  --conversations N  conversations per day in the emulator (default 200)
  --seed S           emulator data seed (default 1)

Writes to DATA_DIR (default ./data): audio/<date>/*.wav, audio/<date>/manifest.jsonl, manifest.csv
and _SUCCESS, db/. With STORAGE_URL set, the audio and the manifests go there instead.
`;

export async function demoCommand(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'demo',
    argv,
    {
      date: { type: 'string' },
      conversations: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
    },
    HELP,
  );
  if (!values) return EXIT.ok;
  const perDay = Number(values.conversations);
  if (!Number.isInteger(perDay) || perDay < 1 || perDay > 50_000) {
    throw new UsageError(`--conversations "${values.conversations}" must be a whole number from 1 to 50000`);
  }
  const base = parseConfig(process.env);
  // One day, and never the earlier days a default `run` revisits: the demo shows one extraction.
  const processDate = planDates({ date: values.date }, localToday(Date.now(), base.TIMEZONE)).dates[0]!;
  const emulator = await buildEmulator({
    seed: values.seed,
    conversationsPerDay: perDay,
    timezone: base.TIMEZONE,
  });
  try {
    const queueIds = emulator.queueIds.slice(0, 2);
    const config = parseConfig({
      ...process.env,
      GENESYS_CLOUD_BASE_URL: emulator.url,
      GENESYS_CLOUD_CLIENT_ID: 'emulator',
      GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
      GENESYS_QUEUE_IDS: queueIds.join(','),
      NOTIFY_URL: `${emulator.url}/notify`,
      EMAILS: process.env.EMAILS || 'operaciones@example.com',
    });
    process.stdout.write(
      `Genesys emulator on ${emulator.url} (seed ${values.seed}, ${perDay} conversations/day)\n` +
        `Extracting ${processDate} for queues ${queueIds.join(', ')} into ${where(config)}\n\n`,
    );
    const app = await compose(config, { statusSnapshot: 'demo' });
    let ok = false;
    try {
      const [outcome] = await extractDays(app.deps, app.store, { date: processDate, queueIds });
      process.stdout.write(formatOutcome(outcome!));
      ok = outcome!.status === 'SUCCESS' && outcome!.retryable === 0;
    } finally {
      await app.close();
    }
    const mails = emulator.notifications();
    const last = mails.at(-1)?.body as { subject?: string; to?: { email: string }[] } | undefined;
    if (last) {
      const file = join(config.DATA_DIR, 'demo-notification.json');
      await writeFile(file, `${JSON.stringify(last, null, 2)}\n`);
      process.stdout.write(
        `\nCaptured notification (what NOTIFY_URL would receive): "${last.subject}" to ` +
          `${last.to?.map((t) => t.email).join(', ')}\n  full payload: ${file}\n`,
      );
    }
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    await emulator.close();
  }
}

/** DATA_DIR as given (the default storage is under it), or the storage STORAGE_URL names. */
function where(config: ReturnType<typeof parseConfig>): string {
  return config.STORAGE_URL ? describeLocation(storageLocation(config)) : config.DATA_DIR;
}

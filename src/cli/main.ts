// The `audio-extract` command: dispatches to one module per subcommand and turns errors into one clear
// message and an exit code (0 ok, 1 the run failed or left failures, 2 bad usage or configuration).
import { errorMessage, isAppError } from '../lib/errors.js';
import { redactText } from '../lib/redact.js';
import { EXIT } from './output.js';

const USAGE = `audio-extract — daily extraction of Genesys Cloud call recordings

Usage:
  audio-extract run [--date YYYY-MM-DD | --as-of YYYY-MM-DD | --from D --to D] [--queue ID ...] [--json]
  audio-extract status [--date YYYY-MM-DD] [--json]
  audio-extract demo [--date YYYY-MM-DD] [--conversations N] [--seed S]
  audio-extract serve [--host H] [--port N] [--no-schedule]
  audio-extract worker
  audio-extract doctor [--json]
  audio-extract emulator [--port N] [--seed S] [--faults FILE] ...
  audio-extract --help | <command> --help

Commands:
  run       extract the process date (default: yesterday in TIMEZONE; Saturday if yesterday was Sunday)
  status    show runs, counts and batches recorded in the database
  demo      start the bundled Genesys emulator and run a full extraction against it into DATA_DIR
  serve     run the daily schedule, the HTTP API, the dashboard and /metrics in one long-running process
  worker    work queued days and batches with other workers on one PostgreSQL (DATABASE_URL); no HTTP
  doctor    check configuration, database, storage, Genesys credentials and queue ids; exit 1 if any fails
  emulator  run the Genesys Cloud emulator (a sandbox for trying the tool without a Genesys org)

Configuration comes from environment variables (see README.md): GENESYS_CLOUD_CLIENT_ID,
GENESYS_CLOUD_CLIENT_SECRET, GENESYS_CLOUD_REGION, GENESYS_QUEUE_IDS, DATA_DIR, TIMEZONE, ...

Exit codes: 0 success, 1 the run failed or left failed recordings, 2 bad usage or configuration.
`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  emulator: async () => (await import('./commands/emulator.js')).emulatorCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`audio-extract: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await (await load())(rest);
  } catch (e) {
    return reportError(e);
  }
}

/** One clear message on stderr; usage/config errors exit 2, everything else 1. */
export function reportError(e: unknown): number {
  const message = redactText(errorMessage(e));
  if (isAppError(e) && (e.code === 'USAGE' || e.code === 'CONFIG_INVALID')) {
    process.stderr.write(`audio-extract: ${message}\n`);
    return EXIT.usage;
  }
  if (isAppError(e)) {
    process.stderr.write(`audio-extract: ${message}\n`);
    return EXIT.failed;
  }
  process.stderr.write(`audio-extract: unexpected error: ${message}\n`);
  if (process.env.LOG_LEVEL === 'debug' && e instanceof Error && e.stack) {
    process.stderr.write(`${redactText(e.stack)}\n`);
  }
  return EXIT.failed;
}

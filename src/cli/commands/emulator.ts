// `audio-extract emulator`: runs the Genesys Cloud emulator as a sandbox until SIGINT/SIGTERM and prints
// what to paste into .env to point audio-extract at it.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  buildEmulator,
  type EmulatorOptions,
  type FaultRule,
  validateFaultRule,
} from '../../emulator/index.js';
import { errorMessage, UsageError } from '../../lib/errors.js';

const HELP = `audio-extract emulator — run the Genesys Cloud emulator (sandbox)

Usage:
  audio-extract emulator [options]

Options:
  --port N                   port to listen on (default 8787; 0 = random)
  --host H                   interface to bind (default 127.0.0.1)
  --seed S                   data seed; same seed, same conversations (default 1)
  --faults FILE              JSON array of fault rules (see docs/emulator.md)
  --client-id ID             OAuth client id accepted (default emulator)
  --client-secret SECRET     OAuth client secret accepted (default emulator)
  --conversations-per-day N  conversations per local day (default 300)
  --token-ttl S              access token lifetime in seconds (default 86399)
  --rate-limit N             requests per minute per token (default 300)
  --url-ttl S                lifetime of batch download URLs in seconds (default 3600)
  --help                     show this help

Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
`;

function intFlag(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

async function loadFaults(file: string): Promise<FaultRule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--faults: cannot read ${file}: ${errorMessage(e)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--faults: ${file} is not valid JSON: ${errorMessage(e)}`);
  }
  if (!Array.isArray(parsed)) throw new UsageError(`--faults: ${file} must hold a JSON array of fault rules`);
  return parsed.map((rule, i) => {
    try {
      return validateFaultRule(rule);
    } catch (e) {
      throw new UsageError(`--faults: rule #${i} in ${file} is invalid: ${errorMessage(e)}`);
    }
  });
}

export async function emulatorCommand(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        faults: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'conversations-per-day': { type: 'string' },
        'token-ttl': { type: 'string' },
        'rate-limit': { type: 'string' },
        'url-ttl': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(`emulator: ${errorMessage(e)} (see audio-extract emulator --help)`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const str = (k: string) => values[k] as string | undefined;
  const options: EmulatorOptions = {
    port: intFlag('port', str('port'), 0) ?? 8787,
    host: str('host') ?? '127.0.0.1',
    seed: str('seed') ?? 1,
    clientId: str('client-id') ?? 'emulator',
    clientSecret: str('client-secret') ?? 'emulator',
  };
  const perDay = intFlag('conversations-per-day', str('conversations-per-day'), 0);
  if (perDay !== undefined) options.conversationsPerDay = perDay;
  const tokenTtl = intFlag('token-ttl', str('token-ttl'), 1);
  if (tokenTtl !== undefined) options.tokenTtlSeconds = tokenTtl;
  const rate = intFlag('rate-limit', str('rate-limit'), 1);
  if (rate !== undefined) options.ratePerMinute = rate;
  const urlTtl = intFlag('url-ttl', str('url-ttl'), 1);
  if (urlTtl !== undefined) options.resultUrlTtlSeconds = urlTtl;
  const faultsFile = str('faults');
  if (faultsFile) options.faults = await loadFaults(faultsFile);

  const emulator = await buildEmulator(options);
  process.stdout.write(
    [
      `Genesys Cloud emulator listening on ${emulator.url} (seed ${String(options.seed)})`,
      `Queues: ${emulator.queueIds.join(', ')}`,
      ...(options.faults?.length ? [`Fault rules loaded: ${options.faults.length} from ${faultsFile}`] : []),
      '',
      'Paste into .env to point audio-extract at it:',
      `GENESYS_CLOUD_BASE_URL=${emulator.url}`,
      `GENESYS_CLOUD_CLIENT_ID=${options.clientId}`,
      `GENESYS_CLOUD_CLIENT_SECRET=${options.clientSecret}`,
      `GENESYS_QUEUE_IDS=${emulator.queueIds.join(',')}`,
      `NOTIFY_URL=${emulator.url}/notify`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
  process.stdout.write('Emulator stopped.\n');
  return 0;
}

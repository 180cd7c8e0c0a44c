// `audio-extract emulator`: runs the Genesys Cloud emulator as a sandbox until SIGINT/SIGTERM and prints
// what to paste into .env to point audio-extract at it.
import { readFile } from 'node:fs/promises';
import {
  ALL_PERMISSIONS,
  buildEmulator,
  type EmulatorOptions,
  type EmulatorPermission,
  type FaultRule,
  PROFILES,
  validateFaultRule,
} from '../../emulator/index.js';
import { errorMessage, UsageError } from '../../lib/errors.js';
import { parseCommandArgs } from '../args.js';

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
  --profile NAME             default (a tidy day) or production (every case a real org sends;
                             see docs/emulator.md)
  --rate-limit-scope S       client (default: all tokens of a client share the budget) or token
  --missing-permissions LIST comma-separated permissions the client lacks (403 where needed), e.g.
                             recording:recording:view
  --look-back-days N         the details query refuses interval starts older than N days
                             (default 0 = no limit; production: 35)
  --separate-download-host   serve download URLs from a second port
  --tls                      serve https; the CA is written to a file (printed) for NODE_EXTRA_CA_CERTS
  --tls-ca-file PATH         where to write the CA certificate (default: a temporary file)
  --options FILE             JSON object of any other EmulatorOptions knob (docs/emulator.md)
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

async function readJson(flag: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${file}: ${errorMessage(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag}: ${file} is not valid JSON: ${errorMessage(e)}`);
  }
}

/** Knobs a JSON file may set: the data and behaviour ones (not the clock, the logger or the port). */
const FILE_OPTIONS = new Set([
  'otherMedia',
  'codecs',
  'genericContentTypeShare',
  'separateDownloadHost',
  'redirectShare',
  'sensitiveData',
  'emptyMediaUris',
  'metadataLag',
  'fileStates',
  'unusualParticipants',
  'handleTimeLag',
  'noRecordingFlag',
  'departedAgents',
  'lookBackDays',
  'dataLakeLagMs',
  'detailsJobDurationMs',
  'retentionDays',
  'rateLimitScope',
  'missingPermissions',
  'extraClients',
  'queueCount',
  'timezone',
  'latencyMs',
  'batchJobDurationMs',
  'audioBytes',
  'maxPageSize',
  'activityClause',
]);

async function loadOptions(file: string): Promise<EmulatorOptions> {
  const parsed = await readJson('--options', file);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--options: ${file} must hold a JSON object of emulator options`);
  }
  for (const key of Object.keys(parsed)) {
    if (!FILE_OPTIONS.has(key)) {
      throw new UsageError(
        `--options: ${file} sets "${key}", which is not a knob (known: ${[...FILE_OPTIONS].join(', ')})`,
      );
    }
  }
  return parsed as EmulatorOptions;
}

function permissionsFlag(raw: string): EmulatorPermission[] {
  const list = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of list) {
    if (!(ALL_PERMISSIONS as readonly string[]).includes(p)) {
      throw new UsageError(
        `--missing-permissions: unknown permission "${p}" (known: ${ALL_PERMISSIONS.join(', ')})`,
      );
    }
  }
  return list as EmulatorPermission[];
}

async function loadFaults(file: string): Promise<FaultRule[]> {
  const parsed = await readJson('--faults', file);
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
  const values: Record<string, string | boolean | undefined> | undefined = parseCommandArgs(
    'emulator',
    argv,
    {
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
      profile: { type: 'string' },
      'rate-limit-scope': { type: 'string' },
      'missing-permissions': { type: 'string' },
      'look-back-days': { type: 'string' },
      'separate-download-host': { type: 'boolean' },
      tls: { type: 'boolean' },
      'tls-ca-file': { type: 'string' },
      options: { type: 'string' },
    },
    HELP,
  );
  if (!values) return 0;
  const str = (k: string) => values[k] as string | undefined;
  const optionsFile = str('options');
  const profile = str('profile');
  if (profile !== undefined && !Object.hasOwn(PROFILES, profile)) {
    throw new UsageError(`--profile must be one of ${Object.keys(PROFILES).join(', ')}, got "${profile}"`);
  }
  const scope = str('rate-limit-scope');
  if (scope !== undefined && scope !== 'client' && scope !== 'token') {
    throw new UsageError(`--rate-limit-scope must be client or token, got "${scope}"`);
  }
  const options: EmulatorOptions = {
    ...(optionsFile ? await loadOptions(optionsFile) : {}),
    ...(profile ? { profile: profile as EmulatorOptions['profile'] } : {}),
    ...(scope ? { rateLimitScope: scope } : {}),
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
  const missing = str('missing-permissions');
  if (missing !== undefined) options.missingPermissions = permissionsFlag(missing);
  const lookBack = intFlag('look-back-days', str('look-back-days'), 0);
  if (lookBack !== undefined) options.lookBackDays = lookBack;
  if (values['separate-download-host']) options.separateDownloadHost = true;
  const caFile = str('tls-ca-file');
  if (values.tls || caFile) options.tls = caFile ? { caFile } : true;

  let emulator: Awaited<ReturnType<typeof buildEmulator>>;
  try {
    emulator = await buildEmulator(options);
  } catch (e) {
    // An option value the emulator refuses (a share above 1, an unknown permission…) is bad usage.
    if (e instanceof RangeError) throw new UsageError(`emulator: ${e.message}`);
    throw e;
  }
  process.stdout.write(
    [
      `Genesys Cloud emulator listening on ${emulator.url} (seed ${String(options.seed)}, profile ${emulator.profile})`,
      `Queues: ${emulator.queueIds.join(', ')}`,
      ...(emulator.downloadUrl !== emulator.url ? [`Downloads served from ${emulator.downloadUrl}`] : []),
      ...(options.faults?.length ? [`Fault rules loaded: ${options.faults.length} from ${faultsFile}`] : []),
      ...(emulator.tls
        ? [
            `TLS: start clients with NODE_EXTRA_CA_CERTS=${emulator.tls.caFile} in their environment`,
            '     (Node reads it at start-up, not from .env)',
          ]
        : []),
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

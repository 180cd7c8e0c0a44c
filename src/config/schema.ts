// The one declared configuration of audio-extract. Parsed once at start-up from the environment
// (loadConfig), frozen, and passed down. Variable names are a contract with operators: do not rename.
import { z } from 'zod';
import { isLoopbackHost } from '../lib/addresses.js';
import { ConfigError } from '../lib/errors.js';
import { GENESYS_REGIONS, nearestRegions, normalizeRegion } from './regions.js';
import { storageUrlProblem } from './storage-url.js';

const UUIDISH = /^[0-9a-fA-F-]{8,64}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

function isIanaZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const CRON_TOKEN = String.raw`(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?`;
const CRON_FIELD = new RegExp(`^${CRON_TOKEN}(,${CRON_TOKEN})*$`);

/** The shape of a cron expression (5 fields, or 6 with seconds); pg-boss checks the ranges itself. */
function isCronShape(expr: string): boolean {
  const fields = expr.trim().split(/\s+/);
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => CRON_FIELD.test(f));
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const intIn = (min: number, max: number, def: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ invalid_type_error: 'must be a whole number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(def),
  );
/** true/false (also 1/0, yes/no, any case); unset or empty is false. */
const booleanVar = () =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : undefined),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], {
        errorMap: () => ({ message: 'must be true or false' }),
      })
      .default('false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );
const commaList = (item: z.ZodString, what: string) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : (v ?? []),
    z.array(item.refine(() => true, what)),
  );

/** Each entry: schema, an example of a good value (used in error messages) and whether it is secret. */
export const ENV = {
  GENESYS_CLOUD_CLIENT_ID: { schema: optionalString, example: '3f1c2a9e-…-client-id', secret: false },
  GENESYS_CLOUD_CLIENT_SECRET: { schema: optionalString, example: '(the OAuth client secret)', secret: true },
  GENESYS_CLOUD_REGION: {
    schema: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? normalizeRegion(v) : 'mypurecloud.com'),
      z.string().refine((d) => d in GENESYS_REGIONS, 'is not a known Genesys Cloud region domain'),
    ),
    example: 'mypurecloud.com',
    secret: false,
  },
  GENESYS_CLOUD_BASE_URL: {
    schema: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .url('must be an absolute http(s) URL')
        .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
        .transform((u) => u.replace(/\/+$/, ''))
        .optional(),
    ),
    example: 'http://127.0.0.1:8787',
    secret: false,
  },
  GENESYS_QUEUE_IDS: {
    schema: commaList(z.string().regex(UUIDISH, 'each queue id must be a Genesys id (UUID)'), 'queue id'),
    example: '39988345-a7c5-4ce5-851e-334cb54efc79,0a3f…',
    secret: false,
  },
  BATCH_SIZE: { schema: intIn(1, 100, 100), example: '100', secret: false },
  NOTIFY_URL: {
    schema: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .url('must be an absolute https:// URL')
        // z.string().url() also accepts ftp:, mailto: and javascript: URLs.
        .refine((u) => /^https?:\/\//i.test(u), 'must start with https://')
        // The body lists the day's failures and the URL may carry an API key: never in clear text
        // over a network. Plain http is for a relay on this machine only.
        .refine(
          (u) => /^https:/i.test(u) || isLoopbackUrl(u),
          'must be https:// (plain http:// only to a loopback address such as http://127.0.0.1:8025/send)',
        )
        .optional(),
    ),
    example: 'https://notify.example.com/api/email',
    secret: false,
  },
  EMAILS: {
    schema: commaList(z.string().regex(EMAIL, 'each entry must be an e-mail address'), 'email'),
    example: 'ops@example.com,data@example.com',
    secret: false,
  },
  EMAIL_MESSAGE: {
    schema: z.preprocess(emptyToUndefined, z.string().default('Audios extraidos para la fecha ')),
    example: 'Audios extraidos para la fecha ',
    secret: false,
  },
  EMAIL_SUBJECT: {
    schema: z.preprocess(
      emptyToUndefined,
      z.string().default('Transcripcion y Analisis de AUDIOS-SAC {date}'),
    ),
    example: 'Transcripcion y Analisis de AUDIOS-SAC {date}',
    secret: false,
  },
  DATA_DIR: {
    schema: z.preprocess(emptyToUndefined, z.string().default('./data')),
    example: './data',
    secret: false,
  },
  DATA_GROUP_READ: {
    schema: booleanVar(),
    example: 'false',
    secret: false,
  },
  DATABASE_URL: {
    schema: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for the embedded database)')
        .optional(),
    ),
    example: 'postgres://audio:secret@127.0.0.1:5432/audio_extract',
    secret: true,
  },
  TIMEZONE: {
    schema: z.preprocess(
      emptyToUndefined,
      z.string().default('America/Lima').refine(isIanaZone, 'is not an IANA time zone name'),
    ),
    example: 'America/Lima',
    secret: false,
  },
  LOG_LEVEL: {
    schema: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : undefined),
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ),
    example: 'info',
    secret: false,
  },
  AUDIO_FORMAT: {
    schema: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : undefined),
      z.enum(['original', 'wav', 'wav_ulaw', 'mp3', 'ogg_vorbis', 'ogg_opus', 'webm']).default('original'),
    ),
    example: 'original',
    secret: false,
  },
  RECORDING_LOOKUP: {
    schema: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : undefined),
      z.enum(['metadata', 'conversation']).default('metadata'),
    ),
    example: 'metadata',
    secret: false,
  },
  RECONCILE_DAYS: { schema: intIn(0, 30, 2), example: '2', secret: false },
  GENESYS_RATE_LIMIT_PER_MINUTE: { schema: intIn(1, 100_000, 300), example: '300', secret: false },
  HTTP_TIMEOUT_MS: { schema: intIn(1000, 600_000, 30_000), example: '30000', secret: false },
  CONCURRENCY: { schema: intIn(1, 64, 8), example: '8', secret: false },
  BATCH_STALL_TIMEOUT_SECONDS: { schema: intIn(5, 24 * 3600, 1800), example: '1800', secret: false },
  // Real-org data (issue 16): how long a Completed batch job with results missing is waited for, and how
  // far back the synchronous details query reaches (older days go through the asynchronous jobs API).
  BATCH_COMPLETED_GRACE_SECONDS: { schema: intIn(0, 1800, 60), example: '60', secret: false },
  GENESYS_DETAILS_LOOKBACK_DAYS: { schema: intIn(1, 3650, 35), example: '35', secret: false },
  SCHEDULE: {
    schema: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default('0 6 * * *')
        .refine(
          isCronShape,
          'must be a cron expression of 5 fields: minute hour day-of-month month day-of-week',
        ),
    ),
    example: '0 6 * * *',
    secret: false,
  },
  HOST: {
    schema: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
    example: '127.0.0.1',
    secret: false,
  },
  PORT: { schema: intIn(0, 65535, 8080), example: '8080', secret: false },
  API_RATE_LIMIT_PER_MINUTE: { schema: intIn(0, 1_000_000, 600), example: '600', secret: false },
  API_TOKEN: {
    schema: z.preprocess(
      emptyToUndefined,
      z.string().min(32, 'must be at least 32 characters (make one with `openssl rand -hex 32`)').optional(),
    ),
    example: '(a random string of 32+ characters)',
    secret: true,
  },
  // Object storage (ADR 0012). Credentials come from the AWS SDK's own chain (AWS_ACCESS_KEY_ID and
  // AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance or task role, …), never from a variable of ours.
  STORAGE_URL: {
    schema: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .superRefine((v, ctx) => {
          const problem = storageUrlProblem(v);
          if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
        })
        .optional(),
    ),
    example: 's3://recordings/audio-extract',
    secret: false,
  },
  S3_ENDPOINT: {
    schema: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .url('must be an absolute http(s) URL')
        .refine(
          (u) => /^https?:\/\/[^/@\s]+(\/|$)/i.test(u),
          'must be http(s)://host[:port], without credentials',
        )
        .transform((u) => u.replace(/\/+$/, ''))
        .optional(),
    ),
    example: 'http://127.0.0.1:9000',
    secret: false,
  },
  S3_REGION: {
    schema: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[a-z0-9-]{2,32}$/, 'must be a region name such as us-east-1')
        .optional(),
    ),
    example: 'us-east-1',
    secret: false,
  },
  S3_FORCE_PATH_STYLE: {
    schema: booleanVar(),
    example: 'true',
    secret: false,
  },
  // What the manifest tells about each call (issue 17). Caller and dialled numbers are personal data:
  // neither stored nor written unless asked for.
  MANIFEST_ANI_DNIS: {
    schema: booleanVar(),
    example: 'false',
    secret: false,
  },
  // Several processes on one PostgreSQL (ADR 0016, docs/scaling.md).
  LEASE_SECONDS: { schema: intIn(2, 3600, 60), example: '60', secret: false },
} as const;

type EnvSpec = typeof ENV;
export type Config = Readonly<{ [K in keyof EnvSpec]: z.output<EnvSpec[K]['schema']> }>;

// Not secret as a whole, but NOTIFY_URL may carry an API key in its query string (or user:password@).
const URL_VARIABLES: ReadonlySet<string> = new Set([
  'NOTIFY_URL',
  'GENESYS_CLOUD_BASE_URL',
  'STORAGE_URL',
  'S3_ENDPOINT',
]);
function hideUrlCredentials(url: string): string {
  return url.replace(/\?.*$/s, '?[redacted]').replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1[redacted]@');
}

function describeValue(name: keyof EnvSpec, raw: string | undefined): string {
  if (raw === undefined) return 'is not set';
  if (ENV[name].secret) return 'has an invalid value';
  return `is "${URL_VARIABLES.has(name) ? hideUrlCredentials(raw) : raw}"`;
}

/**
 * Parses the whole environment at once. Every invalid variable is reported, each on its own line naming
 * the variable, what is wrong and a good value; the thrown ConfigError carries all of them.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of Object.keys(ENV) as (keyof EnvSpec)[]) {
    const spec = ENV[name];
    const raw = env[name];
    const r = spec.schema.safeParse(raw);
    if (r.success) {
      // Lists are frozen too, so a caller cannot push onto the shared EMAILS or GENESYS_QUEUE_IDS.
      out[name] = Array.isArray(r.data) ? Object.freeze(r.data) : r.data;
      continue;
    }
    const why = r.error.issues.map((i) => i.message).join('; ');
    let hint = `for example ${name}=${spec.example}`;
    if (name === 'GENESYS_CLOUD_REGION' && raw) hint = `did you mean ${nearestRegions(raw).join(', ')}?`;
    problems.push(`${name} ${describeValue(name, raw)}: ${why} (${hint})`);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n  - ${problems.join('\n  - ')}\nFix the environment variable(s) above and run again.`,
    );
  }
  return Object.freeze(out) as Config;
}

/** Credentials are needed only by commands that talk to Genesys; checked there, not at parse time. */
export function requireGenesysCredentials(config: Config): { clientId: string; clientSecret: string } {
  const missing = (['GENESYS_CLOUD_CLIENT_ID', 'GENESYS_CLOUD_CLIENT_SECRET'] as const).filter(
    (k) => !config[k],
  );
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: create an OAuth client with the ` +
        `Client Credentials grant in Genesys Cloud (Admin > Integrations > OAuth) and export its id and secret, ` +
        `or try the bundled emulator with \`npx audio-extract demo\`.`,
    );
  }
  return { clientId: config.GENESYS_CLOUD_CLIENT_ID!, clientSecret: config.GENESYS_CLOUD_CLIENT_SECRET! };
}

/** The login and API base URLs: one configured base URL (emulator or gateway) or the region's hosts. */
export function genesysBaseUrls(config: Config): { loginBaseUrl: string; apiBaseUrl: string } {
  if (config.GENESYS_CLOUD_BASE_URL) {
    return { loginBaseUrl: config.GENESYS_CLOUD_BASE_URL, apiBaseUrl: config.GENESYS_CLOUD_BASE_URL };
  }
  return {
    loginBaseUrl: `https://login.${config.GENESYS_CLOUD_REGION}`,
    apiBaseUrl: `https://api.${config.GENESYS_CLOUD_REGION}`,
  };
}

/** A printable copy of the config with every secret replaced. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(ENV) as (keyof EnvSpec)[]) {
    const v = config[name];
    if (ENV[name].secret && v !== undefined) out[name] = '[redacted]';
    else out[name] = URL_VARIABLES.has(name) && typeof v === 'string' ? hideUrlCredentials(v) : v;
  }
  return out;
}

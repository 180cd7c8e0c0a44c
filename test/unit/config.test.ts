import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GENESYS_REGIONS, nearestRegions, normalizeRegion } from '../../src/config/regions.js';
import {
  type Config,
  ENV,
  genesysBaseUrls,
  parseConfig,
  redactedConfig,
  requireGenesysCredentials,
} from '../../src/config/schema.js';
import { ConfigError } from '../../src/lib/errors.js';

type Env = Record<string, string | undefined>;

function configError(env: Env): ConfigError {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected parseConfig(${JSON.stringify(env)}) to throw`);
}

/** The "  - NAME …" lines of a ConfigError: one per invalid variable. */
function problemLines(err: Error): string[] {
  return err.message.split('\n').filter((l) => l.startsWith('  - '));
}

describe('parseConfig: an invalid variable is reported with its name and a good value', () => {
  // [variable, bad value, what the line must also say]
  const cases: [keyof typeof ENV, string, string][] = [
    ['BATCH_SIZE', '0', 'must be at least 1'],
    ['BATCH_SIZE', '101', 'must be at most 100'],
    ['BATCH_SIZE', 'abc', 'must be a whole number'],
    ['BATCH_SIZE', '2.5', 'must be a whole number'],
    ['GENESYS_CLOUD_REGION', 'mypurecloud.co', 'did you mean mypurecloud.com'],
    ['GENESYS_CLOUD_REGION', 'sae1.pure.clod', 'did you mean sae1.pure.cloud'],
    ['GENESYS_CLOUD_REGION', 'https://api.mypurecloud.e/', 'did you mean mypurecloud.ie'],
    ['TIMEZONE', 'Lima', 'IANA time zone'],
    ['TIMEZONE', 'America/Lim', 'IANA time zone'],
    ['GENESYS_CLOUD_BASE_URL', 'not a url', 'http'],
    ['GENESYS_CLOUD_BASE_URL', 'ftp://127.0.0.1:8787', 'must start with http:// or https://'],
    ['NOTIFY_URL', 'notify.example.com/api', 'absolute https:// URL'],
    ['NOTIFY_URL', 'ftp://notify.example.com/api', 'https://'],
    ['NOTIFY_URL', 'javascript:alert(1)', 'https://'],
    ['NOTIFY_URL', 'http://notify.example.com/api', 'plain http:// only to a loopback address'],
    ['NOTIFY_URL', 'http://10.0.0.7/api', 'plain http:// only to a loopback address'],
    ['EMAILS', 'ops@example.com,not-an-email', 'e-mail address'],
    ['EMAILS', 'ops@example', 'e-mail address'],
    ['GENESYS_QUEUE_IDS', 'support-queue', 'Genesys id'],
    ['GENESYS_QUEUE_IDS', '39988345-a7c5-4ce5-851e-334cb54efc79,sales', 'Genesys id'],
    ['LOG_LEVEL', 'loud', 'info'],
    ['SCHEDULE', 'every morning', '0 6 * * *'],
    ['AUDIO_FORMAT', 'flac', 'ogg_opus'],
    ['RECORDING_LOOKUP', 'both', 'conversation'],
    ['RECONCILE_DAYS', '31', 'must be at most 30'],
    ['RECONCILE_DAYS', '-1', 'must be at least 0'],
    ['GENESYS_RATE_LIMIT_PER_MINUTE', '0', 'must be at least 1'],
    ['HTTP_TIMEOUT_MS', '999', 'must be at least 1000'],
    ['CONCURRENCY', '65', 'must be at most 64'],
    ['PORT', '65536', 'must be at most 65535'],
    ['PORT', 'http', 'must be a whole number'],
    ['DATABASE_URL', 'mysql://audio:pw@127.0.0.1/audio', 'postgres://'],
    ['API_TOKEN', 'too-short', 'at least 32 characters'],
    ['API_TOKEN', 'x'.repeat(31), 'at least 32 characters'],
    ['DATA_GROUP_READ', 'maybe', 'must be true or false'],
    ['API_RATE_LIMIT_PER_MINUTE', '-1', 'must be at least 0'],
  ];

  it.each(cases)('%s=%j gives one line naming the variable and a good value', (name, value, says) => {
    const err = configError({ [name]: value });
    expect(err.code).toBe('CONFIG_INVALID');
    const lines = problemLines(err);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toContain(name);
    expect(line).toContain(says);
    if (name === 'GENESYS_CLOUD_REGION') {
      expect(line).toMatch(/did you mean [a-z0-9.-]+/);
    } else {
      expect(line).toContain(`for example ${name}=${ENV[name].example}`);
    }
    if (ENV[name].secret) {
      expect(err.message).not.toContain(value);
    } else {
      expect(line).toContain(`"${value}"`);
    }
  });

  it('every declared variable carries an example for its error message', () => {
    for (const [name, spec] of Object.entries(ENV)) {
      expect(spec.example, name).toMatch(/\S/);
    }
  });
});

describe('parseConfig: several invalid variables', () => {
  it('lists every one of them in a single error, in declaration order', () => {
    const err = configError({
      BATCH_SIZE: '0',
      TIMEZONE: 'Lima',
      LOG_LEVEL: 'loud',
      GENESYS_CLOUD_REGION: 'mypurecloud.co',
      EMAILS: 'nobody',
      PORT: 'eighty',
    });
    const names = problemLines(err).map((l) => /^ {2}- ([A-Z_]+) /.exec(l)?.[1]);
    const declared = Object.keys(ENV);
    const expected = ['BATCH_SIZE', 'TIMEZONE', 'LOG_LEVEL', 'GENESYS_CLOUD_REGION', 'EMAILS', 'PORT'].sort(
      (a, b) => declared.indexOf(a) - declared.indexOf(b),
    );
    expect(names).toEqual(expected);
    expect(err.message).toMatch(/^Invalid configuration:/);
    expect(err.message).toMatch(/Fix the environment variable\(s\) above and run again\.$/);
  });

  it('does not let a valid variable hide behind an invalid one', () => {
    const err = configError({ BATCH_SIZE: '50', CONCURRENCY: '0' });
    expect(problemLines(err)).toHaveLength(1);
    expect(err.message).toContain('CONCURRENCY');
    expect(err.message).not.toContain('BATCH_SIZE');
  });
});

describe('secrets never leak', () => {
  const clientSecret = 'cs-9f8e7d6c5b4a-TOP-SECRET';
  const dbPassword = 'hunter2-db-PASSWORD';
  const badDatabaseUrl = `mysql://audio:${dbPassword}@db.internal:3306/audio`;
  const shortToken = 'tok-SECRET-1';

  it('not in the error when secrets are invalid or sit next to invalid values', () => {
    const err = configError({
      GENESYS_CLOUD_CLIENT_ID: 'client-id-1',
      GENESYS_CLOUD_CLIENT_SECRET: clientSecret,
      DATABASE_URL: badDatabaseUrl,
      API_TOKEN: shortToken,
      BATCH_SIZE: '0',
    });
    expect(problemLines(err).map((l) => l.split(' ')[3])).toEqual([
      'BATCH_SIZE',
      'DATABASE_URL',
      'API_TOKEN',
    ]);
    const everything = [err.message, String(err), err.stack ?? '', inspect(err, { depth: 10 })].join('\n');
    for (const secret of [clientSecret, dbPassword, badDatabaseUrl, shortToken]) {
      expect(everything).not.toContain(secret);
    }
    expect(err.message).toContain('DATABASE_URL has an invalid value');
  });

  it('not in redactedConfig, which still shows that they are set', () => {
    const goodDatabaseUrl = `postgres://audio:${dbPassword}@127.0.0.1:5432/audio_extract`;
    const apiToken = 'api-token-0123456789-SECRET-0123456789';
    const config = parseConfig({
      GENESYS_CLOUD_CLIENT_ID: 'client-id-1',
      GENESYS_CLOUD_CLIENT_SECRET: clientSecret,
      DATABASE_URL: goodDatabaseUrl,
      API_TOKEN: apiToken,
    });
    expect(config.DATABASE_URL).toBe(goodDatabaseUrl);
    const shown = redactedConfig(config);
    expect(shown.GENESYS_CLOUD_CLIENT_SECRET).toBe('[redacted]');
    expect(shown.DATABASE_URL).toBe('[redacted]');
    expect(shown.API_TOKEN).toBe('[redacted]');
    expect(shown.GENESYS_CLOUD_CLIENT_ID).toBe('client-id-1');
    const printed = JSON.stringify(shown);
    for (const secret of [clientSecret, dbPassword, apiToken]) expect(printed).not.toContain(secret);
    expect(Object.keys(shown).sort()).toEqual(Object.keys(ENV).sort());
  });

  it('redactedConfig leaves unset secrets unset rather than pretending they exist', () => {
    const shown = redactedConfig(parseConfig({}));
    expect(shown.GENESYS_CLOUD_CLIENT_SECRET).toBeUndefined();
    expect(shown.DATABASE_URL).toBeUndefined();
  });

  it('an API key in the query string or userinfo of NOTIFY_URL is hidden in errors and redactedConfig', () => {
    const key = 'notify-API-KEY-123';
    const err = configError({ NOTIFY_URL: `ftp://user:${key}@notify.example.com/api?apikey=${key}` });
    expect(err.message).toContain('NOTIFY_URL is "ftp://[redacted]@notify.example.com/api?[redacted]"');
    expect(err.message).not.toContain(key);
    const shown = redactedConfig(
      parseConfig({ NOTIFY_URL: `https://notify.example.com/api/email?apikey=${key}` }),
    );
    expect(shown.NOTIFY_URL).toBe('https://notify.example.com/api/email?[redacted]');
    expect(JSON.stringify(shown)).not.toContain(key);
  });

  it('every variable that holds a credential is declared secret', () => {
    for (const name of ['GENESYS_CLOUD_CLIENT_SECRET', 'DATABASE_URL', 'API_TOKEN'] as const) {
      expect(ENV[name].secret, name).toBe(true);
    }
  });
});

describe('defaults', () => {
  it('an empty environment gives a working configuration', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      GENESYS_CLOUD_REGION: 'mypurecloud.com',
      GENESYS_QUEUE_IDS: [],
      BATCH_SIZE: 100,
      EMAILS: [],
      EMAIL_MESSAGE: 'Audios extraidos para la fecha ',
      EMAIL_SUBJECT: 'Transcripcion y Analisis de AUDIOS-SAC {date}',
      DATA_DIR: './data',
      TIMEZONE: 'America/Lima',
      LOG_LEVEL: 'info',
      AUDIO_FORMAT: 'original',
      RECORDING_LOOKUP: 'metadata',
      RECONCILE_DAYS: 2,
      GENESYS_RATE_LIMIT_PER_MINUTE: 300,
      HTTP_TIMEOUT_MS: 30_000,
      CONCURRENCY: 8,
      SCHEDULE: '0 6 * * *',
      HOST: '127.0.0.1',
      PORT: 8080,
      DATA_GROUP_READ: false,
      API_RATE_LIMIT_PER_MINUTE: 600,
    });
    for (const unset of [
      'GENESYS_CLOUD_CLIENT_ID',
      'GENESYS_CLOUD_CLIENT_SECRET',
      'GENESYS_CLOUD_BASE_URL',
      'NOTIFY_URL',
      'DATABASE_URL',
      'API_TOKEN',
    ] as const) {
      expect(c[unset], unset).toBeUndefined();
    }
  });

  it('treats empty and blank values as unset (a `VAR=` line in a .env file)', () => {
    const blank = Object.fromEntries(Object.keys(ENV).map((k) => [k, k.endsWith('_IDS') ? '' : '  ']));
    expect(parseConfig({ ...blank, EMAIL_MESSAGE: '', EMAIL_SUBJECT: '', SCHEDULE: '' })).toEqual(
      parseConfig({}),
    );
  });

  it('accepts the documented example of every variable', () => {
    const examples = Object.fromEntries(
      Object.entries(ENV)
        .filter(([, spec]) => !spec.example.startsWith('('))
        .map(([k, spec]) => [k, spec.example.replace(',0a3f…', '')]),
    );
    expect(() => parseConfig(examples)).not.toThrow();
  });

  it('reads lists, numbers and enums the forgiving way operators write them', () => {
    const c = parseConfig({
      BATCH_SIZE: ' 50 ',
      EMAILS: ' ops@example.com , data@example.com ,',
      GENESYS_QUEUE_IDS: '39988345-a7c5-4ce5-851e-334cb54efc79, 0a3f1c2e-1111-4222-8333-944455556666',
      LOG_LEVEL: 'DEBUG',
      AUDIO_FORMAT: 'MP3',
      GENESYS_CLOUD_BASE_URL: 'http://127.0.0.1:8787/',
    });
    expect(c.BATCH_SIZE).toBe(50);
    expect(c.EMAILS).toEqual(['ops@example.com', 'data@example.com']);
    expect(c.GENESYS_QUEUE_IDS).toEqual([
      '39988345-a7c5-4ce5-851e-334cb54efc79',
      '0a3f1c2e-1111-4222-8333-944455556666',
    ]);
    expect(c.LOG_LEVEL).toBe('debug');
    expect(c.AUDIO_FORMAT).toBe('mp3');
    expect(c.GENESYS_CLOUD_BASE_URL).toBe('http://127.0.0.1:8787');
  });

  it('takes NOTIFY_URL over https, or over plain http to this machine only', () => {
    for (const url of [
      'https://notify.example.com/api/email',
      'http://127.0.0.1:8025/send',
      'http://localhost:8025/send',
      'http://[::1]:8025/send',
    ]) {
      expect(parseConfig({ NOTIFY_URL: url }).NOTIFY_URL, url).toBe(url);
    }
  });

  it('reads DATA_GROUP_READ as a yes/no switch', () => {
    for (const [raw, value] of [
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ] as const) {
      expect(parseConfig({ DATA_GROUP_READ: raw }).DATA_GROUP_READ, raw).toBe(value);
    }
  });

  it('ignores environment variables it does not declare', () => {
    const c = parseConfig({ PATH: '/usr/bin', HOME: '/root' }) as Record<string, unknown>;
    expect(c.PATH).toBeUndefined();
    expect(c.HOME).toBeUndefined();
  });
});

describe('the parsed config is frozen', () => {
  it('cannot be changed after start-up, not even its lists', () => {
    const c = parseConfig({ EMAILS: 'ops@example.com', BATCH_SIZE: '10' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as { BATCH_SIZE: number }).BATCH_SIZE = 100;
    }).toThrow(TypeError);
    expect(c.BATCH_SIZE).toBe(10);
    expect(() => (c.EMAILS as string[]).push('intruder@example.com')).toThrow(TypeError);
    expect(c.EMAILS).toEqual(['ops@example.com']);
  });
});

describe('region', () => {
  it.each([
    ['https://api.mypurecloud.ie/', 'mypurecloud.ie'],
    ['login.sae1.pure.cloud', 'sae1.pure.cloud'],
    ['apps.mypurecloud.de', 'mypurecloud.de'],
    ['  MyPureCloud.COM  ', 'mypurecloud.com'],
    ['http://api.usw2.pure.cloud//', 'usw2.pure.cloud'],
    ['mypurecloud.com.au', 'mypurecloud.com.au'],
  ])('%j is understood as %s', (input, domain) => {
    expect(normalizeRegion(input)).toBe(domain);
    expect(parseConfig({ GENESYS_CLOUD_REGION: input }).GENESYS_CLOUD_REGION).toBe(domain);
  });

  it('knows every region of the SDK 262 host list', () => {
    expect(Object.keys(GENESYS_REGIONS).sort()).toEqual(
      [
        'mypurecloud.com',
        'mypurecloud.ie',
        'mypurecloud.com.au',
        'mypurecloud.jp',
        'mypurecloud.de',
        'usw2.pure.cloud',
        'cac1.pure.cloud',
        'apne2.pure.cloud',
        'euw2.pure.cloud',
        'aps1.pure.cloud',
        'use2.us-gov-pure.cloud',
        'sae1.pure.cloud',
        'mec1.pure.cloud',
        'apne3.pure.cloud',
        'euc2.pure.cloud',
        'mxc1.pure.cloud',
        'apse1.pure.cloud',
        'edee1.eusc-pure.cloud',
      ].sort(),
    );
    expect(Object.isFrozen(GENESYS_REGIONS)).toBe(true);
  });

  it.each([
    ['mypurecloud.co', 'mypurecloud.com'],
    ['sae1.pure.clod', 'sae1.pure.cloud'],
    ['mypurecloud.i', 'mypurecloud.ie'],
    ['https://api.usw2.pure.clud/', 'usw2.pure.cloud'],
    ['mypurecloud.com.a', 'mypurecloud.com.au'],
  ])('a typo %j suggests %s first', (typo, best) => {
    expect(nearestRegions(typo)[0]).toBe(best);
  });

  it('suggests three regions by default and as many as asked', () => {
    expect(nearestRegions('nowhere.example')).toHaveLength(3);
    expect(nearestRegions('nowhere.example', 1)).toHaveLength(1);
  });
});

describe('requireGenesysCredentials', () => {
  const base = (env: Env): Config => parseConfig(env);

  it('returns the id and secret when both are set', () => {
    expect(
      requireGenesysCredentials(
        base({ GENESYS_CLOUD_CLIENT_ID: 'id-1', GENESYS_CLOUD_CLIENT_SECRET: 's-1' }),
      ),
    ).toEqual({ clientId: 'id-1', clientSecret: 's-1' });
  });

  it('names both variables when neither is set, and points at the demo', () => {
    const run = () => requireGenesysCredentials(base({}));
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/GENESYS_CLOUD_CLIENT_ID and GENESYS_CLOUD_CLIENT_SECRET are not set/);
    expect(run).toThrow(/audio-extract demo/);
  });

  it('names only the missing one and never echoes the secret that is set', () => {
    const secret = 'only-the-secret-is-set-XYZ';
    let message = '';
    try {
      requireGenesysCredentials(base({ GENESYS_CLOUD_CLIENT_SECRET: secret }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^GENESYS_CLOUD_CLIENT_ID is not set/);
    expect(message).not.toContain(secret);
    expect(() => requireGenesysCredentials(base({ GENESYS_CLOUD_CLIENT_ID: 'id-1' }))).toThrow(
      /^GENESYS_CLOUD_CLIENT_SECRET is not set/,
    );
  });

  it('treats a blank value as missing', () => {
    expect(() =>
      requireGenesysCredentials(base({ GENESYS_CLOUD_CLIENT_ID: '  ', GENESYS_CLOUD_CLIENT_SECRET: 's' })),
    ).toThrow(/GENESYS_CLOUD_CLIENT_ID is not set/);
  });
});

describe('genesysBaseUrls', () => {
  it('builds login and api hosts from the region', () => {
    expect(genesysBaseUrls(parseConfig({ GENESYS_CLOUD_REGION: 'https://api.mypurecloud.ie/' }))).toEqual({
      loginBaseUrl: 'https://login.mypurecloud.ie',
      apiBaseUrl: 'https://api.mypurecloud.ie',
    });
    expect(genesysBaseUrls(parseConfig({}))).toEqual({
      loginBaseUrl: 'https://login.mypurecloud.com',
      apiBaseUrl: 'https://api.mypurecloud.com',
    });
  });

  it('sends both to GENESYS_CLOUD_BASE_URL (the emulator) when it is set, whatever the region', () => {
    expect(
      genesysBaseUrls(
        parseConfig({
          GENESYS_CLOUD_REGION: 'sae1.pure.cloud',
          GENESYS_CLOUD_BASE_URL: 'http://127.0.0.1:8787/',
        }),
      ),
    ).toEqual({ loginBaseUrl: 'http://127.0.0.1:8787', apiBaseUrl: 'http://127.0.0.1:8787' });
  });
});

// `audio-extract doctor`: checks what a nightly run needs, one line per check with ok/FAIL and the fix,
// cheaply: configuration, storage (DATA_DIR/audio writable, or the S3 bucket: exists, region, a write probe),
// database (open, migrate, set up the job queue), Genesys credentials
// (one token request), the two permissions a run needs (one cheap call each, permissionChecks) and
// queue ids (the first pages of yesterday's details query, stopping as soon as every configured queue
// was seen). Exit 0 when every check passes, 1 otherwise.
import { DateTime } from 'luxon';
import { type Config, parseConfig, requireGenesysCredentials } from '../../config/schema.js';
import { conversationFacts } from '../../genesys/conversation-facts.js';
import { GenesysPermissionError } from '../../genesys/errors.js';
import type { GenesysClient } from '../../genesys/types.js';
import { localDayInterval, localToday } from '../../lib/dates.js';
import { errorMessage, isAppError } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import { redactText } from '../../lib/redact.js';
import { type AudioStorage, openStorage } from '../../storage/index.js';
import { parseCommandArgs } from '../args.js';
import { genesysFor, openStore } from '../compose.js';
import { namesCheck } from '../doctor-names.js';
import { EXIT } from '../output.js';

const HELP = `audio-extract doctor — check the configuration and everything a run depends on

Usage: audio-extract doctor [--json]

Checks: config (environment variables), storage (DATA_DIR/audio writable with its free space; with
STORAGE_URL=s3://…: the bucket exists, the region is right, a probe object can be written and deleted,
incomplete uploads can be listed), database (open, migrate, job queue),
credentials (one OAuth token request), analytics and recordings (the OAuth client's role has
analytics:conversationDetail:view and recording:recording:view: one small call each), queues (is each
GENESYS_QUEUE_IDS id seen in yesterday's calls), names (may the client look up queue, user and wrap-up
code names: a warning when not).
Prints one line per check; exit 0 when all pass, 1 otherwise. A queue with no call yesterday is a
warning (it may just have been idle), not a failure.
`;

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'FAIL' | 'skipped';
  detail: string;
  fix?: string;
}

/** Conversations read at most while looking for the configured queues (100 per request). */
const QUEUE_SCAN_LIMIT = 500;

async function attempt(
  name: string,
  fn: () => Promise<string>,
  fix?: (e: unknown) => string | undefined,
): Promise<Check> {
  try {
    return { name, status: 'ok', detail: await fn() };
  } catch (e) {
    return { name, status: 'FAIL', detail: redactText(errorMessage(e)), fix: fix?.(e) };
  }
}

async function queueChecks(config: Config, genesys: GenesysClient): Promise<Check[]> {
  const ids = config.GENESYS_QUEUE_IDS;
  if (ids.length === 0) {
    return [
      {
        name: 'queues',
        status: 'FAIL',
        detail: 'GENESYS_QUEUE_IDS is empty',
        fix: 'set GENESYS_QUEUE_IDS=<queue id>,…',
      },
    ];
  }
  const day = DateTime.fromISO(localToday(Date.now(), config.TIMEZONE)).minus({ days: 1 }).toISODate()!;
  const seen = new Map<string, number>();
  let read = 0;
  try {
    for await (const c of genesys.conversationDetails({
      ...localDayInterval(day, config.TIMEZONE),
      queueIds: ids,
    })) {
      for (const q of conversationFacts(c, Date.now()).queueIds) seen.set(q, (seen.get(q) ?? 0) + 1);
      if (++read >= QUEUE_SCAN_LIMIT || ids.every((q) => seen.has(q))) break;
    }
  } catch (e) {
    return [
      {
        name: 'queues',
        status: 'FAIL',
        detail: redactText(errorMessage(e)),
        fix: 'check the OAuth client has analytics:conversationDetail:view',
      },
    ];
  }
  return ids.map((q) => {
    const n = seen.get(q);
    return n
      ? {
          name: `queue ${q}`,
          status: 'ok',
          detail: `calls seen on ${day}${read >= QUEUE_SCAN_LIMIT ? ' (sampled)' : ''}`,
        }
      : {
          name: `queue ${q}`,
          status: 'warn',
          detail: `no call seen on ${day} (first ${read} conversations of the configured queues)`,
          fix: 'if the queue was not idle, check the id in Admin > Contact Center > Queues (the id is in the URL)',
        };
  });
}

/** A conversation id no conversation has: the recordings probe reads nothing. */
const NO_CONVERSATION = '00000000-0000-0000-0000-000000000000';

/**
 * The permissions a run needs, one cheap call each, chosen because they read no conversation data and
 * cost one request of the rate budget:
 * - analytics:conversationDetail:view: GET …/analytics/conversations/details/jobs/availability (one
 *   timestamp; Genesys checks that permission on it, and backfills use the jobs it guards);
 * - recording:recording:view: GET /conversations/{id}/recordingmetadata for a conversation id that does
 *   not exist: 404 (or []) with the permission, 403 missing.any.permissions without it; no media.
 * recording:recording:viewSensitiveData cannot be checked without a recording that has sensitive data:
 * without it such recordings are left out of batches (the manifest says so).
 */
async function permissionChecks(genesys: GenesysClient): Promise<Check[]> {
  const probe = async (name: string, permission: string, call: () => Promise<unknown>): Promise<Check> => {
    try {
      await call();
      return { name, status: 'ok', detail: `the OAuth client's role has ${permission}` };
    } catch (e) {
      return {
        name,
        status: 'FAIL',
        detail: redactText(errorMessage(e)),
        fix:
          e instanceof GenesysPermissionError
            ? `add ${permission} to the OAuth client's role (Admin > Roles / Permissions)`
            : undefined,
      };
    }
  };
  return [
    await probe('analytics', 'analytics:conversationDetail:view', () => genesys.detailsAvailability()),
    await probe('recordings', 'recording:recording:view', () => genesys.recordingMetadata(NO_CONVERSATION)),
  ];
}

/** The store STORAGE_URL names: DATA_DIR/audio writable, or the bucket (exists, region, write probe). */
async function storageChecks(config: Config): Promise<Check[]> {
  let storage: AudioStorage;
  try {
    storage = await openStorage(config);
  } catch (e) {
    return [{ name: 'storage', status: 'FAIL', detail: redactText(errorMessage(e)) }];
  }
  try {
    return (await storage.check()).map((c) => ({
      name: c.name,
      status: c.ok ? 'ok' : 'FAIL',
      detail: redactText(c.detail),
      ...(c.fix ? { fix: c.fix } : {}),
    }));
  } finally {
    await storage.close();
  }
}

export async function runChecks(env: Record<string, string | undefined>): Promise<Check[]> {
  const checks: Check[] = [];
  let config: Config;
  try {
    config = parseConfig(env);
    checks.push({ name: 'config', status: 'ok', detail: 'environment variables are valid' });
  } catch (e) {
    checks.push({ name: 'config', status: 'FAIL', detail: errorMessage(e) });
    for (const name of ['storage', 'database', 'credentials', 'analytics', 'recordings', 'queues']) {
      checks.push({ name, status: 'skipped', detail: 'needs a valid configuration' });
    }
    return checks;
  }
  checks.push(...(await storageChecks(config)));
  checks.push(
    await attempt(
      'database',
      async () => {
        const store = await openStore(config);
        await store.close();
        return `${store.kind} at ${store.location} is reachable, migrated and has the job queue's schema`;
      },
      (e) => {
        if (isAppError(e) && e.code === 'DB_IN_USE')
          return 'stop the other process using DATA_DIR, or use PostgreSQL';
        return config.DATABASE_URL ? 'check DATABASE_URL and that PostgreSQL is running' : 'check DATA_DIR';
      },
    ),
  );
  let genesys: GenesysClient | undefined;
  try {
    requireGenesysCredentials(config);
    const logger = createLogger({ level: 'silent', destination: process.stderr });
    genesys = await genesysFor(config, logger);
  } catch (e) {
    checks.push({ name: 'credentials', status: 'FAIL', detail: errorMessage(e) });
    for (const name of ['analytics', 'recordings', 'queues'])
      checks.push({ name, status: 'skipped', detail: 'needs working credentials' });
    return checks;
  }
  try {
    const credentials = await attempt('credentials', async () => {
      await genesys!.checkCredentials();
      return `token obtained for client ${config.GENESYS_CLOUD_CLIENT_ID} (${config.GENESYS_CLOUD_BASE_URL ?? config.GENESYS_CLOUD_REGION})`;
    });
    checks.push(credentials);
    if (credentials.status === 'ok') {
      const permissions = await permissionChecks(genesys);
      checks.push(...permissions);
      if (permissions[0]!.status === 'ok') checks.push(...(await queueChecks(config, genesys)));
      else
        checks.push({ name: 'queues', status: 'skipped', detail: 'needs analytics:conversationDetail:view' });
      checks.push(await namesCheck(config, genesys));
    } else
      for (const name of ['analytics', 'recordings', 'queues'])
        checks.push({ name, status: 'skipped', detail: 'needs working credentials' });
  } finally {
    await genesys.close();
  }
  return checks;
}

export function formatCheck(c: Check): string {
  const head = `${c.status.padEnd(7)} ${c.name.padEnd(12)} ${c.detail.replace(/\n\s*/g, ' ')}`;
  return c.fix ? `${head}\n${' '.repeat(21)}fix: ${c.fix}` : head;
}

export async function doctorCommand(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'doctor',
    argv,
    {
      json: { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!values) return EXIT.ok;
  const checks = await runChecks(process.env);
  const ok = checks.every((c) => c.status !== 'FAIL');
  if (values.json) process.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
  else
    process.stdout.write(
      `${checks.map(formatCheck).join('\n')}\n${ok ? 'all checks passed' : 'some checks FAILED'}\n`,
    );
  return ok ? EXIT.ok : EXIT.failed;
}

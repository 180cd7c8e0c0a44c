// Secrets stay secret: a chaos extraction at LOG_LEVEL=debug through a recording proxy, which sees the
// access tokens the emulator issued and the pre-signed URLs of the batch results. None of them — nor
// the client secret — may appear in what a user or an attacker with the disk could read: stdout,
// stderr, anything under DATA_DIR (database files included), the manifest, the e-mail.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { type ChaosReport, runChaos } from '../support/chaos.js';
import { type CliExit, errorsLogged, REPO_ROOT, runCli } from '../support/cli.js';
import { dataDirTemplate } from '../support/data-dirs.js';
import { type RecordingProxy, startProxy } from '../support/recording-proxy.js';

const CLIENT_ID = 'secrets-test-client';
const SECRET = `SeCrEt-${randomBytes(24).toString('hex')}`;

async function filesUnder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  return names.filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

/** Every row of every table, as text: catches values PostgreSQL stored compressed (TOAST). */
async function databaseText(dataDir: string): Promise<string> {
  const handle = await openDb({ dataDir });
  try {
    const { rows } = await handle.sql.executeSql(
      `select table_schema || '.' || table_name as t from information_schema.tables
       where table_schema in ('public', 'pgboss', 'drizzle') and table_type = 'BASE TABLE'`,
      [],
    );
    const out: string[] = [];
    for (const { t } of rows as { t: string }[]) {
      const res = await handle.sql.executeSql(`select row_to_json(x)::text as j from ${t} x`, []);
      for (const r of res.rows as { j: string }[]) out.push(r.j);
    }
    return out.join('\n');
  } finally {
    await handle.close();
  }
}

describe('secrets during a chaos extraction at LOG_LEVEL=debug', () => {
  let template: string;
  let proxy: RecordingProxy | undefined;
  let report: ChaosReport;
  let status: CliExit;
  let tokens: string[];
  let signatures: string[];
  let basic: string[];
  let haystacks: { where: string; text: string | Buffer }[];

  beforeAll(async () => {
    template = await dataDirTemplate();
    report = await runChaos({
      conversations: 60,
      seed: 9,
      tokenTtlSeconds: 5,
      stallTimeoutSeconds: 5,
      stuckJobs: 1,
      batchSize: 20,
      template,
      keep: true,
      emulator: { clientId: CLIENT_ID, clientSecret: SECRET },
      env: { GENESYS_CLOUD_CLIENT_ID: CLIENT_ID, LOG_LEVEL: 'debug' },
      front: async (url) => {
        proxy = await startProxy(url);
        return proxy;
      },
    });
    status = await runCli(['status', '--json'], {
      DATA_DIR: report.dataDir,
      LOG_LEVEL: 'debug',
      GENESYS_CLOUD_CLIENT_SECRET: SECRET,
    });

    const exchanges = proxy!.exchanges;
    tokens = exchanges
      .filter((x) => x.path === '/oauth/token' && x.status === 200)
      .map((x) => (JSON.parse(x.body) as { access_token: string }).access_token);
    basic = exchanges
      .filter((x) => x.path === '/oauth/token')
      .map((x) => String(x.requestHeaders.authorization ?? '').replace(/^Basic /i, ''))
      .filter(Boolean);
    const urls = exchanges
      .filter((x) => x.path.startsWith('/api/v2/recording/batchrequests/') && x.status === 200)
      .flatMap((x) => (JSON.parse(x.body) as { results?: { resultUrl?: string }[] }).results ?? [])
      .map((r) => r.resultUrl)
      .filter((u): u is string => Boolean(u));
    signatures = [
      ...new Set([
        ...urls.map((u) => new URL(u).searchParams.get('X-Amz-Signature')!),
        ...report.emulator.journal
          .entries()
          .filter((e) => e.path.startsWith('/s3/'))
          .map((e) => e.query['X-Amz-Signature']!),
      ]),
    ].filter(Boolean);

    haystacks = [
      { where: 'run stdout', text: report.exit.stdout },
      { where: 'run stderr (debug log)', text: report.exit.stderr },
      { where: 'status stdout', text: status.stdout },
      { where: 'status stderr', text: status.stderr },
      { where: 'notification', text: JSON.stringify(report.emulator.notifications()) },
      { where: 'database rows', text: await databaseText(report.dataDir) },
    ];
    for (const f of await filesUnder(report.dataDir)) {
      haystacks.push({ where: path.relative(report.dataDir, f), text: await readFile(f) });
    }
  }, 15 * 60_000);

  afterAll(async () => {
    if (report?.dataDir) await rm(report.dataDir, { recursive: true, force: true });
    if (template) await rm(template, { recursive: true, force: true });
  });

  it('the extraction really ran at debug level, renewing tokens and downloading through pre-signed URLs', () => {
    expect(report.problems, errorsLogged(report.exit)).toEqual([]);
    expect(report.exit.records.filter((r) => r.level === 'debug').length).toBeGreaterThan(50);
    expect(tokens.length).toBeGreaterThan(1);
    expect(signatures.length).toBeGreaterThan(10);
    expect(basic.length).toBeGreaterThan(0);
    expect(haystacks.filter((h) => h.where.startsWith('db')).length).toBeGreaterThan(10);
    expect(haystacks.some((h) => h.where.endsWith('manifest.jsonl'))).toBe(true);
    expect(status.code).toBe(0);
  });

  const leaks = (needles: string[]) => {
    const found: string[] = [];
    for (const n of needles) {
      for (const h of haystacks) {
        const hit = typeof h.text === 'string' ? h.text.includes(n) : h.text.includes(Buffer.from(n));
        if (hit) found.push(`${n.slice(0, 12)}… in ${h.where}`);
      }
    }
    return found;
  };

  it('the client secret appears nowhere (nor its Basic-auth encoding)', () => {
    expect(leaks([SECRET, ...new Set(basic)])).toEqual([]);
  });

  it('no access token appears anywhere', () => {
    expect(leaks(tokens)).toEqual([]);
  });

  it('no pre-signed URL signature appears anywhere', () => {
    expect(leaks(signatures)).toEqual([]);
  });

  it('result URLs are downloaded without an Authorization header', () => {
    const downloads = report.emulator.journal.entries().filter((e) => e.path.startsWith('/s3/'));
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.filter((e) => e.authorization !== 'none')).toEqual([]);
  });

  it('TLS certificate verification is never turned off in src/', async () => {
    const offenders: string[] = [];
    for (const f of await filesUnder(path.join(REPO_ROOT, 'src'))) {
      const text = await readFile(f, 'utf8');
      if (
        /rejectUnauthorized\s*:\s*(false|0)|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity\s*:/.test(text)
      )
        offenders.push(path.relative(REPO_ROOT, f));
    }
    expect(offenders).toEqual([]);
  });
});

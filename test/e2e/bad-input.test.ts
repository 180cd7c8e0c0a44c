// Bad input gets a clear error and loses nothing. The CLI runs as a subprocess; each row is one way an
// operator or "Genesys" can get it wrong, and what a user would see: the exit code, one message that
// names the variable or the likely cause, no stack trace, no secret, and nothing already extracted lost.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { type CliExit, cliEnv, runCli, spawnCli } from '../support/cli.js';
import { dataDirTemplate, freshDataDir, snapshotDb, snapshotOutput } from '../support/data-dirs.js';
import { expectedRecordings, pastWeekday } from '../support/expected.js';
import { type RecordingProxy, startProxy } from '../support/recording-proxy.js';

const ZONE = 'America/Lima';
const TODAY = DateTime.now().setZone(ZONE).startOf('day');
const DATE = pastWeekday(3, ZONE);
const SECRET = 'bad-input-secret-7f3c9a1e5b2d4c6e8a0b';
/** A hang guard, not a time limit: a CLI start-up takes from 1 s to over a minute on a loaded machine. */
const CLI_TESTS = { timeout: 10 * 60_000 };

/** The final message(s): stderr lines that are not JSON log records. */
const messageOf = (e: CliExit) => e.stderrText.trim();
const everything = (e: CliExit) =>
  `${e.stdout}\n${e.stderrText}\n${e.records.map((r) => JSON.stringify(r)).join('\n')}`;
const noStack = (e: CliExit) =>
  expect(everything(e)).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|unexpected error/);

let emu: Emulator;
let template: string;
const dirs: string[] = [];
const newDir = async (prefix: string) => {
  const d = await freshDataDir(prefix, template);
  dirs.push(d);
  return d;
};
const baseEnv = (dataDir: string, extra: Record<string, string> = {}) =>
  cliEnv(emu, dataDir, {
    GENESYS_CLOUD_CLIENT_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    BATCH_SIZE: '20',
    ...extra,
  });

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 31,
    conversationsPerDay: 60,
    ratePerMinute: 100_000,
    clientSecret: SECRET,
    batchJobDurationMs: { min: 100, max: 500 },
  });
  template = await dataDirTemplate();
}, 5 * 60_000);

afterAll(async () => {
  await emu?.close();
  await Promise.all([template, ...dirs].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

// Each row: variable, bad value (undefined = unset), what the message must say. Free-text variables
// (EMAIL_MESSAGE, EMAIL_SUBJECT, HOST, DATA_DIR) have no invalid value; DATA_DIR pointing somewhere
// unusable is its own row below.
const ENV_ROWS: [string, string | undefined, RegExp][] = [
  ['GENESYS_CLOUD_CLIENT_ID', undefined, /GENESYS_CLOUD_CLIENT_ID is not set/],
  ['GENESYS_CLOUD_CLIENT_SECRET', undefined, /GENESYS_CLOUD_CLIENT_SECRET is not set/],
  ['GENESYS_CLOUD_REGION', 'mypurecloud.cmo', /GENESYS_CLOUD_REGION is "mypurecloud.cmo".*did you mean/],
  ['GENESYS_CLOUD_BASE_URL', 'ftp://genesys.example.com', /GENESYS_CLOUD_BASE_URL .*http/],
  ['GENESYS_QUEUE_IDS', 'sales queue', /GENESYS_QUEUE_IDS .*queue id/],
  ['GENESYS_QUEUE_IDS', undefined, /set GENESYS_QUEUE_IDS/],
  ['BATCH_SIZE', '500', /BATCH_SIZE is "500": must be at most 100/],
  ['BATCH_SIZE', 'ten', /BATCH_SIZE is "ten": must be a whole number/],
  ['NOTIFY_URL', 'mailto:ops@example.com', /NOTIFY_URL .*http/],
  ['EMAILS', 'ops@example', /EMAILS is "ops@example": each entry must be an e-mail address/],
  [
    'DATABASE_URL',
    'mysql://audio:hunter2-db-password@db/x',
    /DATABASE_URL has an invalid value: must be a postgres:\/\/ URL/,
  ],
  ['TIMEZONE', 'America/Lma', /TIMEZONE is "America\/Lma": is not an IANA time zone/],
  ['LOG_LEVEL', 'verbose', /LOG_LEVEL is "verbose"/],
  ['AUDIO_FORMAT', 'flac', /AUDIO_FORMAT is "flac"/],
  ['RECORDING_LOOKUP', 'guess', /RECORDING_LOOKUP is "guess"/],
  ['RECONCILE_DAYS', '-1', /RECONCILE_DAYS is "-1": must be at least 0/],
  ['GENESYS_RATE_LIMIT_PER_MINUTE', '0', /GENESYS_RATE_LIMIT_PER_MINUTE is "0": must be at least 1/],
  ['HTTP_TIMEOUT_MS', '50', /HTTP_TIMEOUT_MS is "50": must be at least 1000/],
  ['CONCURRENCY', '0', /CONCURRENCY is "0": must be at least 1/],
  ['BATCH_STALL_TIMEOUT_SECONDS', '1', /BATCH_STALL_TIMEOUT_SECONDS is "1": must be at least 5/],
  ['PORT', '99999', /PORT is "99999": must be at most 65535/],
  ['API_TOKEN', 'short-token', /API_TOKEN has an invalid value: must be at least 32 characters/],
];

describe.concurrent('every invalid environment variable: exit 2 and one message naming it', CLI_TESTS, () => {
  it.for(ENV_ROWS)('%s=%s', async ([name, value, message]) => {
    const dataDir = await newDir('ae-bad-env-');
    const env: Record<string, string> = baseEnv(dataDir);
    if (value === undefined) delete env[name];
    else env[name] = value;
    const res = await runCli(['run', '--date', DATE], env);
    expect(res.code, messageOf(res)).toBe(2);
    expect(messageOf(res)).toMatch(message);
    expect(messageOf(res).match(/^ {2}- /gm)?.length ?? 1).toBe(1); // one variable, one line
    expect(res.stdout).toBe('');
    noStack(res);
    expect(everything(res)).not.toContain(SECRET);
    if (value && /password|token/.test(value)) expect(everything(res)).not.toContain(value);
    // Nothing was started: no run recorded, no Genesys call for this data dir.
    expect(await readdir(path.join(dataDir, 'audio')).catch(() => [])).toEqual([]);
  });

  // SCHEDULE is checked by the config schema, before anything starts.
  it('SCHEDULE that is not a cron expression (serve): exit 2 naming it', async () => {
    const dataDir = await newDir('ae-bad-schedule-');
    const res = await runCli(['serve'], baseEnv(dataDir, { SCHEDULE: 'every morning', PORT: '0' }), 120_000);
    expect(res.code, messageOf(res)).toBe(2);
    expect(messageOf(res)).toMatch(/SCHEDULE is "every morning": must be a cron expression/);
    noStack(res);
  });
});

const DATE_ROWS: [string, string, RegExp][] = [
  ['malformed', '24/11/2026', /--date "24\/11\/2026" is not a date: use YYYY-MM-DD/],
  ['not a calendar day', '2026-02-30', /--date "2026-02-30" is not a calendar date/],
  [
    'in the future',
    TODAY.plus({ days: 3 }).toISODate()!,
    /in the future.*only finished days can be extracted/,
  ],
  ['today', TODAY.toISODate()!, /is today.*only finished days/],
];

describe.concurrent('dates Genesys cannot serve: exit 2 naming the rule', CLI_TESTS, () => {
  it.for(DATE_ROWS)('%s (%s)', async ([, date, message]) => {
    const dataDir = await newDir('ae-bad-date-');
    const res = await runCli(['run', '--date', date], baseEnv(dataDir));
    expect(res.code, messageOf(res)).toBe(2);
    expect(messageOf(res)).toMatch(message);
    noStack(res);
  });
});

describe('the Genesys side is wrong', CLI_TESTS, () => {
  let done: string;
  let before: Awaited<ReturnType<typeof snapshotOutput>>;

  beforeAll(async () => {
    // A day already extracted: the failures below must not lose any of it.
    done = await newDir('ae-bad-done-');
    const first = await runCli(['run', '--date', DATE], baseEnv(done));
    expect(first.code, first.stderrText).toBe(0);
    before = await snapshotOutput(done, DATE);
    expect(before.files.size).toBeGreaterThan(10);
  }, 5 * 60_000);

  const unchanged = async () => {
    const after = await snapshotOutput(done, DATE);
    expect(after.manifest).toBe(before.manifest);
    expect([...after.files].sort()).toEqual([...before.files].sort());
  };

  it('a wrong client secret: exit 1, one message naming the secret as the likely cause, no secret shown', async () => {
    const wrong = 'wrong-secret-0123456789abcdef0123456789';
    const res = await runCli(['run', '--date', DATE], baseEnv(done, { GENESYS_CLOUD_CLIENT_SECRET: wrong }));
    expect(res.code).toBe(1);
    expect(everything(res)).toMatch(
      /Genesys login failed: authentication failed: wrong client secret \(GENESYS_CLOUD_CLIENT_SECRET\)/,
    );
    expect(everything(res)).not.toContain(wrong);
    expect(everything(res)).not.toContain(SECRET);
    noStack(res);
    await unchanged();
  });

  it('a base URL where nothing listens: exit 1, one message naming GENESYS_CLOUD_BASE_URL', async () => {
    const res = await runCli(
      ['run', '--date', DATE],
      baseEnv(done, { GENESYS_CLOUD_BASE_URL: 'http://127.0.0.1:9' }),
    );
    expect(res.code).toBe(1);
    expect(everything(res)).toMatch(
      /cannot reach 127\.0\.0\.1:9 \(ECONNREFUSED\): check GENESYS_CLOUD_REGION \/ GENESYS_CLOUD_BASE_URL/,
    );
    noStack(res);
    await unchanged();
  });

  it("the wrong region (another org's login does not know the client): exit 1 naming client id or region", async () => {
    const other = await buildEmulator({ seed: 32, clientId: 'someone-else', clientSecret: 'x'.repeat(20) });
    try {
      const res = await runCli(['run', '--date', DATE], baseEnv(done, { GENESYS_CLOUD_BASE_URL: other.url }));
      expect(res.code).toBe(1);
      expect(everything(res)).toMatch(
        /client not found: wrong client id .*or the region .* is not the org's region/,
      );
      expect(everything(res)).not.toContain(SECRET);
      noStack(res);
    } finally {
      await other.close();
    }
    await unchanged();
  });

  it('an unknown queue: success, zero conversations, a warning naming the queue', async () => {
    const unknown = '00000000-0000-4000-8000-00000000beef';
    const res = await runCli(
      ['run', '--date', DATE, '--queue', unknown],
      baseEnv(await newDir('ae-bad-queue-')),
    );
    expect(res.code, res.stderrText).toBe(0);
    expect(res.stdout).toContain(`warning: queue ${unknown} had no agent-handled conversation`);
    expect(res.stdout).toMatch(/conversations 0/);
  });
});

describe('Genesys answers garbage', CLI_TESTS, () => {
  it('malformed JSON on the details query, metadata and batch status is retried; a conversation that only gets garbage is reported, not a crash', async () => {
    const dataDir = await newDir('ae-bad-json-');
    const queues = emu.queueIds.slice(0, 2);
    const expected = expectedRecordings(emu, DATE, queues);
    const victim = [...expected.downloadable.values()][0]!.conversationId;
    emu.faults.clear();
    emu.faults.add({
      match: { path: '/api/v2/analytics/conversations/details/query' },
      times: 1,
      invalidJson: true,
    });
    emu.faults.add({
      match: { path: `/api/v2/conversations/${victim}/recordingmetadata` },
      invalidJson: true,
    });
    emu.faults.add({ match: { path: '/recordingmetadata$/' }, times: 2, invalidJson: true });
    emu.faults.add({
      match: { method: 'GET', path: '/api/v2/recording/batchrequests/*' },
      times: 2,
      invalidJson: true,
    });
    emu.journal.clear();
    let res: CliExit;
    try {
      res = await runCli(['run', '--date', DATE], { ...baseEnv(dataDir), LOG_LEVEL: 'info' });
    } finally {
      emu.faults.clear();
    }
    expect(emu.journal.entries().filter((e) => e.fault === 'invalidJson').length).toBeGreaterThanOrEqual(6);
    noStack(res);
    expect(res.code, messageOf(res)).toBe(0);
    const retried = res.records.filter(
      (r) => r.msg === 'genesys request will be retried' && r.reason === 'protocol',
    );
    expect(retried.length).toBeGreaterThanOrEqual(4);
    const gaveUp = res.records.find(
      (r) => r.msg === 'recording lookup failed' && r.conversationId === victim,
    );
    expect(String(gaveUp?.err)).toMatch(/unexpected response|GENESYS_PROTOCOL|malformed/);
    const out = await snapshotOutput(dataDir, DATE);
    const line = out.lines.find((l) => l.conversationId === victim);
    expect(line).toMatchObject({ status: 'pending', recordingId: null });
    expect(line!.reason).toBeTruthy();
    expect(out.files.size).toBe(expected.downloadable.size - 1);
  });

  it('an unexpected fileState is reported with its value, the rest of the day is extracted', async () => {
    const dataDir = await newDir('ae-bad-enum-');
    const queues = emu.queueIds.slice(0, 2);
    const expected = expectedRecordings(emu, DATE, queues);
    const victim = [...expected.downloadable.values()][1]!;
    const proxy: RecordingProxy = await startProxy(emu.url, {
      response: (p, body) =>
        Array.isArray(body) && p.endsWith('/recordingmetadata')
          ? body.map((r: { id?: string }) =>
              r.id === victim.recordingId ? { ...r, fileState: 'QUARANTINED' } : r,
            )
          : body,
    });
    let res: CliExit;
    try {
      res = await runCli(['run', '--date', DATE], baseEnv(dataDir, { GENESYS_CLOUD_BASE_URL: proxy.url }));
    } finally {
      await proxy.close();
    }
    expect(res.code, messageOf(res)).toBe(0);
    noStack(res);
    const out = await snapshotOutput(dataDir, DATE);
    const line = out.lines.find((l) => l.recordingId === victim.recordingId);
    expect(line).toMatchObject({ status: 'unavailable', reason: 'unexpected fileState "QUARANTINED"' });
    expect(out.files.size).toBe(expected.downloadable.size - 1);
  });

  it('a recording id that would escape DATA_DIR is rejected: nothing is written outside, the reason says why', async () => {
    const dataDir = await newDir('ae-bad-path-');
    const queues = emu.queueIds.slice(0, 2);
    const expected = expectedRecordings(emu, DATE, queues);
    const victim = [...expected.downloadable.values()][2]!;
    const evil = `../../../${path.basename(dataDir)}-escaped`;
    // "Genesys" calls the recording `evil` everywhere; the proxy maps it back on the way in.
    const swap =
      (from: string, to: string) =>
      (_p: string, body: unknown): unknown => {
        const walk = (v: unknown): unknown => {
          if (Array.isArray(v)) return v.map(walk);
          if (v && typeof v === 'object') {
            return Object.fromEntries(
              Object.entries(v).map(([k, x]) => [
                k,
                (k === 'id' || k === 'recordingId') && x === from ? to : walk(x),
              ]),
            );
          }
          return v;
        };
        return walk(body);
      };
    const proxy = await startProxy(emu.url, {
      request: swap(evil, victim.recordingId),
      response: swap(victim.recordingId, evil),
    });
    let res: CliExit;
    try {
      res = await runCli(['run', '--date', DATE], baseEnv(dataDir, { GENESYS_CLOUD_BASE_URL: proxy.url }));
    } finally {
      await proxy.close();
    }
    noStack(res);
    expect(res.code).toBe(1); // a failed recording
    const escaped = (await readdir(path.dirname(dataDir))).filter((f) => f.includes('escaped'));
    expect(escaped).toEqual([]);
    const out = await snapshotOutput(dataDir, DATE);
    const line = out.lines.find((l) => l.recordingId === evil);
    expect(line?.status).toBe('failed');
    expect(line?.reason).toMatch(/unsafe recording id/);
    expect(out.files.size).toBe(expected.downloadable.size - 1);
  });
});

describe('the machine is wrong', CLI_TESTS, () => {
  it('DATA_DIR under a regular file: exit 1, DATA_DIR named, and a later run with a good DATA_DIR works', async () => {
    const parent = await newDir('ae-bad-notdir-');
    await writeFile(path.join(parent, 'file'), 'not a directory');
    const dataDir = path.join(parent, 'file', 'data');
    const res = await runCli(['run', '--date', DATE], baseEnv(dataDir));
    expect(res.code).toBe(1);
    expect(messageOf(res)).toMatch(/DATA_DIR/);
    expect(messageOf(res)).toMatch(/ENOTDIR|not a directory|not writable|cannot (use|write)/);
    noStack(res);
    await rm(path.join(parent, 'file'));
    await mkdir(path.join(parent, 'file'));
    await cp(path.join(template, 'db'), path.join(dataDir, 'db'), { recursive: true });
    const again = await runCli(['run', '--date', DATE], baseEnv(dataDir));
    expect(again.code, again.stderrText).toBe(0);
  });

  it('a full disk: exit 1 naming the folder and the space needed, nothing recorded that is not on disk, and the run resumes once there is space', async (ctx) => {
    const dataDir = await newDir('ae-bad-full-');
    const audio = path.join(dataDir, 'audio', DATE);
    await mkdir(audio, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160k', 'tmpfs', audio], { stdio: 'ignore' });
    } catch {
      ctx.skip(); // mounting a small tmpfs needs root and a kernel that allows it
    }
    try {
      const res = await runCli(['run', '--date', DATE], baseEnv(dataDir));
      expect(res.code).toBe(1);
      // One message: the folder, what did not fit and what is free, and what the rest of the day needs.
      const error = /error: (disk full writing .*)/.exec(res.stdout)?.[1];
      expect(error, res.stdout).toBeDefined();
      expect(error).toContain(`disk full writing ${audio}`);
      expect(error).toMatch(/\.wav (needs [\d.]+ (kB|bytes)|did not fit), [\d.]+ (kB|bytes) free/);
      expect(error).toMatch(/free space there .*run again; finished files are kept/);
      expect(error).toMatch(/\d+ recordings? of this day still to download: about [\d.]+ (kB|MB) more/);
      noStack(res);
      const partial = await snapshotOutput(dataDir, DATE);
      expect(partial.leftovers).toEqual([]);
      // Every recording the database calls downloaded is on disk, whole.
      const downloaded = (await snapshotDb(dataDir)).recordings.filter((r) => r.state === 'downloaded');
      expect(downloaded.length).toBeGreaterThan(0);
      for (const r of downloaded) expect(partial.files.get(r.file!), r.file!).toBe(r.sha256);
      execFileSync('mount', ['-o', 'remount,size=64m', audio]);
      const again = await runCli(['run', '--date', DATE], baseEnv(dataDir));
      expect(again.code, again.stderrText).toBe(0);
      const out = await snapshotOutput(dataDir, DATE);
      const expected = expectedRecordings(emu, DATE, emu.queueIds.slice(0, 2));
      expect(out.files.size).toBe(expected.downloadable.size);
      for (const e of expected.downloadable.values()) {
        const name = [...out.files.keys()].find((f) => f.startsWith(`${e.conversationId}_${e.recordingId}.`));
        expect(out.files.get(name ?? '')).toBe(e.sha256);
      }
      // Files finished before the disk filled up were kept, not downloaded again.
      for (const [name, hash] of partial.files) expect(out.files.get(name)).toBe(hash);
    } finally {
      execFileSync('umount', [audio]);
    }
  });

  it('a database already in use by another run: exit 1 with DB_IN_USE, the first run unharmed', async () => {
    const dataDir = await newDir('ae-bad-inuse-');
    // The first run is held at its first details query until the second one has come and gone.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const proxy = await startProxy(emu.url, {
      hold: (p) => (p.endsWith('/details/query') ? released : undefined),
    });
    const first = spawnCli(
      ['run', '--date', DATE],
      baseEnv(dataDir, { GENESYS_CLOUD_BASE_URL: proxy.url, LOG_LEVEL: 'info', HTTP_TIMEOUT_MS: '600000' }),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (first.records.some((r) => r.msg === 'querying conversation details')) {
            clearInterval(t);
            resolve();
          }
        }, 50);
        first.done.then(() => {
          clearInterval(t);
          reject(new Error('the first run ended before the second started'));
        });
      });
      const second = await runCli(['run', '--date', DATE], baseEnv(dataDir));
      expect(second.code).toBe(1);
      expect(messageOf(second)).toMatch(/already in use by another audio-extract process \(pid \d+\)/);
      noStack(second);
      release();
      const res = await first.done;
      expect(res.code, res.stderrText).toBe(0);
      const expected = expectedRecordings(emu, DATE, emu.queueIds.slice(0, 2));
      expect((await snapshotOutput(dataDir, DATE)).files.size).toBe(expected.downloadable.size);
    } finally {
      release();
      first.kill();
      await proxy.close();
    }
  });
});

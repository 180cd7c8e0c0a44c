// A day worked by several `worker` processes on one PostgreSQL (issue 19, ADR 0016), the way an
// operator runs it: N workers started first, then `run --date D` queues the day and coordinates it; the
// emulator counts the rate limit per OAuth client. The report holds what the tests check and what the
// benchmark prints: the rate windows, the share of the budget used while lookups were pending, items
// submitted and URLs fetched more than once, which process worked which batch, the files and manifest,
// the e-mails. Options kill one worker in the middle of a transfer, or restart PostgreSQL mid-day.
//
// test/scale/scale-out.test.ts runs it at CI size; bench/run.ts (`--scale-out`) at any size.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import type { RateWindow } from '../../src/emulator/types.js';
import { type DbHandle, openDb } from '../../src/store/db.js';
import { type CliExit, type CliProcess, emulatorEnv, type LogRecord, spawnCli } from './cli.js';
import { type OutputSnapshot, snapshotOutput } from './data-dirs.js';
import { batchSubmissions, expectedRecordings } from './expected.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export type LookupMode = 'metadata' | 'conversation';

export interface ScaleOutOptions {
  emu: Emulator;
  date: string;
  lookup: LookupMode;
  databaseUrl: string;
  /** the one DATA_DIR every process shares */
  dataDir: string;
  workers: number;
  ratePerMinute: number;
  batchSize?: number;
  leaseSeconds?: number;
  /** SIGKILL worker 0 once it is downloading a batch's results */
  killWorker?: boolean;
  /** called once, when the first batch has been submitted (e.g. restart PostgreSQL) */
  midDay?: (ctx: { workers: CliProcess[]; coordinator: CliProcess }) => Promise<void>;
  extraEnv?: Record<string, string>;
  /** a hang guard for the whole day */
  timeoutMs?: number;
}

export interface ScaleOutReport {
  coordinator: CliExit;
  workers: CliExit[];
  wallMs: number;
  /** the emulator's 60 s windows for the client */
  windows: RateWindow[];
  /** rate-limited requests per second while lookups were pending, over the budget (metadata mode) */
  lookupBudgetUse?: { share: number; requests: number; seconds: number };
  /** `conversationId/recordingId` items submitted more than once */
  duplicateItems: string[];
  /** recording ids whose result URL was fetched more than once */
  duplicateFetches: string[];
  /** download requests that did not answer 200 */
  failedFetches: number;
  /** batches each worker finished ('batch downloaded' lines), and the coordinator's own */
  batchesByWorker: number[];
  batchesByCoordinator: number;
  /** the emulator's /api/v2 requests (what Genesys' rate limit counts), and what the day's run rows say */
  apiRequests: number;
  runApiCalls: number[];
  /** batch ids the killed worker had submitted or resumed, and the items of those batches */
  killed?: { batchIds: number[]; items: Set<string>; recordings: Set<string> };
  output: OutputSnapshot;
  /** files whose bytes differ from the emulator's, or missing */
  fileProblems: string[];
  downloadable: number;
  notifications: number;
  /** total bytes downloaded */
  bytes: number;
}

function waitFor(
  records: LogRecord[] | (() => LogRecord[]),
  test: (r: LogRecord) => boolean,
  ms: number,
  what: string,
) {
  const read = typeof records === 'function' ? records : () => records;
  return new Promise<LogRecord>((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const found = read().find(test);
      if (found) return resolve(found);
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

function lastWords(p: CliProcess): string {
  return p.records
    .filter((r) => r.level !== 'info' && r.level !== 'debug' && r.level !== undefined)
    .slice(-5)
    .map((r) => JSON.stringify(r))
    .join('\n  ');
}

export function scaleOutEnv(opts: ScaleOutOptions): Record<string, string> {
  return emulatorEnv(opts.emu, opts.dataDir, {
    DATABASE_URL: opts.databaseUrl,
    GENESYS_QUEUE_IDS: opts.emu.queueIds.slice(0, 2).join(','),
    GENESYS_RATE_LIMIT_PER_MINUTE: String(opts.ratePerMinute),
    RECORDING_LOOKUP: opts.lookup,
    BATCH_SIZE: String(opts.batchSize ?? 100),
    LEASE_SECONDS: String(opts.leaseSeconds ?? 60),
    NOTIFY_URL: `${opts.emu.url}/notify`,
    EMAILS: 'ops@example.com',
    LOG_LEVEL: 'info',
    ...opts.extraEnv,
  });
}

export async function runScaleOut(opts: ScaleOutOptions): Promise<ScaleOutReport> {
  const env = scaleOutEnv(opts);
  const queues = opts.emu.queueIds.slice(0, 2);
  const workers: CliProcess[] = [];
  let coordinator: CliProcess | undefined;
  const guard = opts.timeoutMs ?? 10 * 60_000;
  try {
    for (let i = 0; i < opts.workers; i++) {
      // The worker to kill logs each request, so the kill can wait for a download of its own.
      const own: Record<string, string> = opts.killWorker && i === 0 ? { LOG_LEVEL: 'debug' } : {};
      workers.push(spawnCli(['worker'], { ...env, ...own }));
    }
    await Promise.all(
      workers.map((w, i) =>
        waitFor(w.records, (r) => r.msg === 'worker started', 60_000, `worker ${i} to start`),
      ),
    );
    opts.emu.journal.clear();
    const started = Date.now();
    coordinator = spawnCli(['run', '--date', opts.date], env);
    const hang = setTimeout(() => coordinator?.kill(), guard);

    let killedAt: number | undefined;
    if (opts.killWorker) {
      const victim = workers[0]!;
      // Mid-transfer: it has a batch submitted and is downloading one of its results.
      void waitFor(victim.records, (r) => r.msg === 'batch submitted', guard, 'a batch on worker 0')
        .then(() =>
          waitFor(
            victim.records,
            (r) => r.msg === 'genesys request' && r.endpoint === 'download',
            guard,
            'a download on worker 0',
          ),
        )
        .then(() => {
          killedAt = Date.now();
          victim.kill();
        })
        .catch(() => {});
    }
    if (opts.midDay) {
      const all = () => [coordinator!, ...workers].flatMap((p) => p.records);
      await waitFor(all, (r) => r.msg === 'batch submitted', guard, 'the first batch');
      await opts.midDay({ workers, coordinator: coordinator! });
    }

    const coordinatorExit = await coordinator!.done;
    clearTimeout(hang);
    const wallMs = Date.now() - started;
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    const workerExits = await Promise.all(workers.map((w) => w.done));
    return await report(opts, queues, coordinatorExit, workerExits, wallMs, killedAt);
  } catch (e) {
    // What each process said, for whoever reads the failure.
    const named: [string, CliProcess][] = workers.map((w, i) => [`worker ${i}`, w]);
    if (coordinator) named.push(['run', coordinator]);
    const tails = await Promise.all(
      named.map(async ([name, p]) => {
        const exited = p.child.exitCode !== null || p.child.signalCode !== null;
        const done = exited ? await p.done : undefined;
        const said = done ? `\n${done.stdout.slice(-1500)}\n${done.stderrText.slice(-1500)}` : '';
        return `${name} (exit ${p.child.exitCode ?? p.child.signalCode}): ${lastWords(p)}${said}`;
      }),
    );
    throw new Error(`${(e as Error).message}\n${tails.join('\n')}`, { cause: e });
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.kill();
  }
}

async function withStore<T>(databaseUrl: string, fn: (store: DbHandle) => Promise<T>): Promise<T> {
  const store = await openDb({ databaseUrl, dataDir: '/nonexistent' });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function report(
  opts: ScaleOutOptions,
  queues: string[],
  coordinator: CliExit,
  workers: CliExit[],
  wallMs: number,
  killedAt: number | undefined,
): Promise<ScaleOutReport> {
  const { emu } = opts;
  const journal = emu.journal.entries();
  const api = journal.filter((e) => e.path.startsWith('/api/v2/'));

  let lookupBudgetUse: ScaleOutReport['lookupBudgetUse'];
  const lookups = api.filter((e) => e.path.endsWith('/recordingmetadata'));
  if (lookups.length > 1) {
    const from = lookups[0]!.at;
    const to = lookups.at(-1)!.at;
    const requests = api.filter((e) => e.at >= from && e.at <= to).length;
    const seconds = (to - from) / 1000;
    lookupBudgetUse = { share: requests / ((opts.ratePerMinute / 60) * seconds), requests, seconds };
  }

  const submitted = new Map<string, number>();
  for (const s of batchSubmissions(emu))
    for (const k of s.keys) submitted.set(k, (submitted.get(k) ?? 0) + 1);
  const downloads = journal.filter((e) => e.path.startsWith('/s3/recordings/'));
  const fetched = new Map<string, number>();
  for (const d of downloads) {
    const id = path.basename(d.path).replace(/\.[a-z0-9]+$/, '');
    fetched.set(id, (fetched.get(id) ?? 0) + 1);
  }

  const finished = (records: LogRecord[]) => records.filter((r) => r.msg === 'batch downloaded').length;
  let killed: ScaleOutReport['killed'];
  if (opts.killWorker && killedAt !== undefined) {
    // Batches it held: every batch its log names (submitted, or resumed with a recorded job id).
    const batchIds = [
      ...new Set(workers[0]!.records.map((r) => r.batchId).filter((b): b is number => typeof b === 'number')),
    ];
    const items = new Set<string>();
    const recordings = new Set<string>();
    await withStore(opts.databaseUrl, async (store) => {
      const rows = (
        await store.sql.executeSql(
          'select conversation_id, recording_id from recordings where batch_id = any($1::bigint[])',
          [batchIds],
        )
      ).rows as { conversation_id: string; recording_id: string }[];
      for (const r of rows) {
        items.add(`${r.conversation_id}/${r.recording_id || 'undefined'}`);
        if (r.recording_id) recordings.add(r.recording_id);
      }
    });
    killed = { batchIds, items, recordings };
  }

  const runApiCalls = await withStore(opts.databaseUrl, async (store) =>
    (
      (await store.sql.executeSql('select counts from runs where process_date = $1', [opts.date])).rows as {
        counts: { apiCalls?: number } | null;
      }[]
    ).map((r) => r.counts?.apiCalls ?? 0),
  );

  const output = await snapshotOutput(opts.dataDir, opts.date);
  const expected = expectedRecordings(emu, opts.date, queues);
  const fileProblems: string[] = [];
  for (const r of expected.downloadable.values()) {
    const name = [...output.files.keys()].find((f) => f.startsWith(`${r.conversationId}_${r.recordingId}.`));
    if (!name) fileProblems.push(`missing ${r.conversationId}/${r.recordingId}`);
    else if (output.files.get(name) !== r.sha256) fileProblems.push(`bytes differ: ${name}`);
  }
  let bytes = 0;
  for (const r of expected.downloadable.values()) bytes += r.bytes;

  return {
    coordinator,
    workers,
    wallMs,
    windows: emu.journal.rateWindows('emulator'),
    lookupBudgetUse,
    apiRequests: api.length,
    runApiCalls,
    duplicateItems: [...submitted].filter(([, n]) => n > 1).map(([k]) => k),
    duplicateFetches: [...fetched].filter(([, n]) => n > 1).map(([k]) => k),
    failedFetches: downloads.filter((d) => d.status !== 200).length,
    batchesByWorker: workers.map((w) => finished(w.records)),
    batchesByCoordinator: finished(coordinator.records),
    killed,
    output,
    fileProblems,
    downloadable: expected.downloadable.size,
    notifications: emu.notifications().length,
    bytes,
  };
}

/** The manifest of the same day extracted by one `run` on the embedded database (the reference). */
export async function singleProcessManifest(
  emu: Emulator,
  date: string,
  lookup: LookupMode,
  dataDir: string,
  batchSize = 100,
): Promise<string> {
  const env = emulatorEnv(emu, dataDir, {
    GENESYS_QUEUE_IDS: emu.queueIds.slice(0, 2).join(','),
    GENESYS_RATE_LIMIT_PER_MINUTE: '100000',
    RECORDING_LOOKUP: lookup,
    BATCH_SIZE: String(batchSize),
  });
  const run = spawnCli(['run', '--date', date], env);
  const exit = await run.done;
  if (exit.code !== 0)
    throw new Error(`the reference run failed (${exit.code}): ${exit.stderr.slice(-2000)}`);
  return readFile(path.join(dataDir, 'audio', date, 'manifest.jsonl'), 'utf8');
}

/** Resolves once a log line with `msg` has come (records grow as the process writes). */
export async function untilLogged(records: LogRecord[], msg: string, ms = 120_000): Promise<void> {
  await waitFor(records, (r) => r.msg === msg, ms, `"${msg}"`);
}

export interface SharedDayFixture {
  emu: Emulator;
  testDb: TestDatabase;
  store: DbHandle;
  dataDir: string;
  /** the environment of every process of the day (metadata lookups, batches of 25) */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/**
 * A day of `conversations` at `rate` a minute (metadata lookups: about one call per recorded
 * conversation, so the day lasts ≈ 0.77 × conversations ÷ rate minutes), a database and a DATA_DIR.
 */
export async function sharedDayFixture(o: {
  name: string;
  date: string;
  conversations: number;
  rate: number;
  leaseSeconds: number;
}): Promise<SharedDayFixture> {
  const emu = await buildEmulator({
    seed: o.name,
    conversationsPerDay: o.conversations,
    ratePerMinute: o.rate,
  });
  const testDb = await createTestDatabase(o.name);
  const store = await openDb({ databaseUrl: testDb.url, dataDir: '/nonexistent' });
  const dataDir = await mkdtemp(path.join(tmpdir(), `ae-${o.name}-`));
  const env = scaleOutEnv({
    emu,
    date: o.date,
    lookup: 'metadata',
    databaseUrl: testDb.url,
    dataDir,
    workers: 1,
    ratePerMinute: o.rate,
    batchSize: 25,
    leaseSeconds: o.leaseSeconds,
  });
  return {
    emu,
    testDb,
    store,
    dataDir,
    env,
    async dispose() {
      await store.close();
      await emu.close();
      await testDb.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

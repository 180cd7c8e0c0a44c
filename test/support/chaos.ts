// A day of chaos (issue #4.2): the emulator injects what a bad night on Genesys Cloud looks like, and one
// `audio-extract run` (child process) must still finish with every downloadable recording on disk with
// the right hash, every other one in the manifest with its reason, and no unhandled error.
//
// Injected, per request, from a seeded RNG (see chaosFaults below): ~10 % 429 with Retry-After 1-3 s,
// 2 % 503, 1 % responses slower than HTTP_TIMEOUT_MS, 1 % connection resets, 1 % expired result URLs,
// 2 % truncated audio bodies; plus access tokens that expire every `tokenTtlSeconds` and batch jobs that
// stall (BATCH_STALL_TIMEOUT_SECONDS low).
//
// test/chaos/chaos.test.ts runs runChaos() at a small size; bench/chaos.ts at any size from the command
// line.
import { rm } from 'node:fs/promises';
import {
  buildEmulator,
  type Emulator,
  type EmulatorOptions,
  type FaultRule,
} from '../../src/emulator/index.js';
import { type CliExit, cliEnv, runCli } from './cli.js';
import { freshDataDir, type OutputSnapshot, snapshotDb, snapshotOutput } from './data-dirs.js';
import { batchSubmissions, type Expected, expectedRecordings, pastWeekday } from './expected.js';

const GENESYS = '/^\\/(api\\/v2|oauth|s3)\\//';

/**
 * The night's faults. The first rule that matches (and wins its draw) applies, so shares are approximate.
 * The first rules fire once each, on the first request they match, so that even a small day meets
 * every kind of fault; the first `stuckJobs` batch jobs stall.
 */
export function chaosFaults(o: { httpTimeoutMs: number; stuckJobs: number }): FaultRule[] {
  const slow = o.httpTimeoutMs + 1_500;
  return [
    { match: { path: '/oauth/token' }, times: 1, delayMs: slow },
    {
      match: { path: '/api/v2/analytics/conversations/details/query' },
      times: 1,
      status: 429,
      retryAfter: 2,
    },
    { match: { path: '/recordingmetadata$/' }, times: 1, status: 503 },
    { match: { method: 'GET', path: '/api/v2/recording/batchrequests/*' }, times: 1, reset: true },
    // The first submission is reset after it was sent: not retried blindly (it is not idempotent).
    { match: { method: 'POST', path: '/api/v2/recording/batchrequests' }, times: 1, reset: true },
    {
      match: { method: 'POST', path: '/api/v2/recording/batchrequests' },
      times: o.stuckJobs,
      stuckJob: true,
    },
    { match: { path: '/s3/*' }, times: 1, truncate: true },
    { match: { path: '/s3/*' }, times: 1, expireUrl: true },
    { match: { path: '/api/v2/*' }, probability: 0.034, status: 429, retryAfter: 1 },
    { match: { path: '/api/v2/*' }, probability: 0.034, status: 429, retryAfter: 2 },
    { match: { path: '/api/v2/*' }, probability: 0.034, status: 429, retryAfter: 3 },
    { match: { path: '/api/v2/*' }, probability: 0.02, status: 503 },
    { match: { path: GENESYS }, probability: 0.01, delayMs: slow },
    { match: { path: GENESYS }, probability: 0.01, reset: true },
    { match: { path: '/s3/*' }, probability: 0.01, expireUrl: true },
    { match: { path: '/s3/*' }, probability: 0.02, truncate: true },
  ];
}

export interface ChaosOptions {
  conversations: number;
  seed?: number;
  /** access token lifetime (s) */
  tokenTtlSeconds: number;
  /** BATCH_STALL_TIMEOUT_SECONDS (≥ 5) */
  stallTimeoutSeconds: number;
  /** HTTP_TIMEOUT_MS of the client; slow answers take 1.5 s longer */
  httpTimeoutMs?: number;
  /** batch jobs that never complete */
  stuckJobs?: number;
  batchSize?: number;
  template?: string;
  /** more emulator options (e.g. clientSecret) */
  emulator?: Partial<EmulatorOptions>;
  /** more environment for the run (e.g. LOG_LEVEL=debug) */
  env?: Record<string, string>;
  /** puts something between the run and the emulator (a recording proxy); returns the URL to use */
  front?: (emulatorUrl: string) => Promise<{ url: string; close(): Promise<void> }>;
  keep?: boolean;
  log?: (line: string) => void;
}

export interface ChaosReport {
  processDate: string;
  conversations: number;
  exit: CliExit;
  expected: Expected;
  output: OutputSnapshot;
  db: Awaited<ReturnType<typeof snapshotDb>>;
  dataDir: string;
  /** requests the emulator saw, by endpoint */
  requests: Record<string, number>;
  /** fault label → endpoint → count, from the journal */
  injected: Record<string, Record<string, number>>;
  /** 401 answers to expired tokens, and tokens issued */
  expiredTokenAnswers: number;
  tokensIssued: number;
  survived: {
    retriedRequests: number;
    retryReasons: Record<string, number>;
    stalledJobs: number;
    batchPosts: number;
    jobsRecorded: number;
    duplicateItemSubmissions: number;
    downloadsRetried: number;
  };
  downloadedOk: number;
  problems: string[];
  seconds: number;
  emulator: Emulator;
}

function endpointOf(method: string, p: string): string {
  if (p === '/oauth/token') return 'token';
  if (p.endsWith('/details/query')) return 'details-query';
  if (p.endsWith('/recordingmetadata')) return 'recording-metadata';
  if (p === '/api/v2/recording/batchrequests') return 'batch-submit';
  if (p.startsWith('/api/v2/recording/batchrequests/')) return 'batch-status';
  if (p.startsWith('/s3/')) return 'download';
  if (p === '/notify') return 'notify';
  return `${method} ${p}`;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const httpTimeoutMs = o.httpTimeoutMs ?? 2_000;
  const date = pastWeekday(4);
  const emu = await buildEmulator({
    seed: o.seed ?? 5,
    conversationsPerDay: o.conversations,
    ratePerMinute: 100_000,
    tokenTtlSeconds: o.tokenTtlSeconds,
    batchJobDurationMs: { min: 300, max: 2_500 },
    faults: chaosFaults({ httpTimeoutMs, stuckJobs: o.stuckJobs ?? 2 }),
    ...o.emulator,
  });
  const front = o.front ? await o.front(emu.url) : undefined;
  const dataDir = await freshDataDir('ae-chaos-', o.template);
  const problems: string[] = [];
  try {
    const env = cliEnv(emu, dataDir, {
      GENESYS_CLOUD_CLIENT_SECRET: o.emulator?.clientSecret ?? 'emulator',
      HTTP_TIMEOUT_MS: String(httpTimeoutMs),
      BATCH_STALL_TIMEOUT_SECONDS: String(o.stallTimeoutSeconds),
      BATCH_SIZE: String(o.batchSize ?? 50),
      ...(front ? { GENESYS_CLOUD_BASE_URL: front.url, NOTIFY_URL: `${front.url}/notify` } : {}),
      ...o.env,
    });
    log(`chaos: ${date}, ${o.conversations} conversations, running ${dataDir}`);
    const exit = await runCli(['run', '--date', date], env);
    log(
      `chaos: run exited ${exit.code ?? exit.signal} after ${Math.round((exit.endedAt - exit.startedAt) / 1000)} s`,
    );

    // What had to happen, and what did.
    const queues = emu.queueIds.slice(0, 2);
    const expected = expectedRecordings(emu, date, queues);
    const output = await snapshotOutput(dataDir, date);
    const db = await snapshotDb(dataDir);
    if (exit.code !== 0) problems.push(`the run exited ${exit.code ?? exit.signal}`);
    if (!/ {2}SUCCESS/.test(exit.stdout))
      problems.push(`the summary does not say SUCCESS: ${exit.stdout.slice(0, 500)}`);
    if (exit.stderrText.trim() !== '')
      problems.push(`stderr has more than log lines: ${exit.stderrText.slice(0, 2000)}`);
    const fatal = exit.records.filter(
      (r) => r.level === 'fatal' || /unexpected|uncaught|unhandled/i.test(String(r.msg)),
    );
    if (fatal.length) problems.push(`unhandled errors logged: ${fatal.map((r) => r.msg).join('; ')}`);
    if (output.leftovers.length) problems.push(`leftover files: ${output.leftovers.join(', ')}`);

    let downloadedOk = 0;
    for (const e of expected.downloadable.values()) {
      const name = [...output.files.keys()].find((f) =>
        f.startsWith(`${e.conversationId}_${e.recordingId}.`),
      );
      if (!name) problems.push(`not on disk: ${e.conversationId}/${e.recordingId}`);
      else if (output.files.get(name) !== e.sha256) problems.push(`wrong hash: ${name}`);
      else downloadedOk++;
    }
    if (output.files.size !== expected.downloadable.size)
      problems.push(`${output.files.size} audio files on disk, ${expected.downloadable.size} expected`);
    const byKey = new Map(output.lines.map((l) => [`${l.conversationId}/${l.recordingId}`, l]));
    for (const [key, state] of expected.notDownloadable) {
      const line = byKey.get(key);
      if (!line) problems.push(`no manifest line for ${key} (${state})`);
      else if (line.status === 'downloaded' || !line.reason) problems.push(`${key} (${state}) has no reason`);
    }
    for (const l of output.lines) {
      if (l.status !== 'downloaded' && !l.reason)
        problems.push(`manifest line without reason: ${JSON.stringify(l)}`);
      if (l.status === 'failed') problems.push(`failed: ${l.conversationId}/${l.recordingId}: ${l.reason}`);
    }
    if (emu.notifications().length !== 1) problems.push(`${emu.notifications().length} notifications`);

    // Injected and survived, from the journal and the run's own log.
    const journal = emu.journal.entries();
    const requests: Record<string, number> = {};
    const injected: Record<string, Record<string, number>> = {};
    for (const e of journal) {
      const ep = endpointOf(e.method, e.path);
      requests[ep] = (requests[ep] ?? 0) + 1;
      if (e.fault) {
        const label = e.fault.replace(/^delay:\d+$/, 'slow');
        injected[label] ??= {};
        injected[label]![ep] = (injected[label]![ep] ?? 0) + 1;
      }
    }
    const retryReasons: Record<string, number> = {};
    for (const r of exit.records) {
      if (r.msg === 'genesys request will be retried') {
        const reason = String(r.reason);
        retryReasons[reason] = (retryReasons[reason] ?? 0) + 1;
      }
    }
    const posts = batchSubmissions(emu);
    const items = new Map<string, number>();
    for (const p of posts) for (const k of p.keys) items.set(k, (items.get(k) ?? 0) + 1);
    const jobsRecorded = db.batches.filter((b) => b.jobId).length;
    return {
      processDate: date,
      conversations: o.conversations,
      exit,
      expected,
      output,
      db,
      dataDir,
      requests,
      injected,
      expiredTokenAnswers: journal.filter(
        (e) => e.status === 401 && !e.fault && e.path.startsWith('/api/v2/'),
      ).length,
      tokensIssued: journal.filter((e) => e.path === '/oauth/token' && e.status === 200).length,
      survived: {
        retriedRequests: Object.values(retryReasons).reduce((a, b) => a + b, 0),
        retryReasons,
        stalledJobs: exit.records.filter((r) => r.msg === 'batch job stalled').length,
        batchPosts: posts.length,
        jobsRecorded,
        duplicateItemSubmissions: [...items.values()].reduce((a, n) => a + n - 1, 0),
        downloadsRetried:
          journal.filter((e) => e.path.startsWith('/s3/')).length - expected.downloadable.size,
      },
      downloadedOk,
      problems,
      seconds: Math.round((Date.now() - t0) / 1000),
      emulator: emu,
    };
  } finally {
    await front?.close();
    await emu.close();
    if (!o.keep) await rm(dataDir, { recursive: true, force: true });
  }
}

export function formatChaos(r: ChaosReport): string {
  const fmt = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const total = Object.values(r.requests).reduce((a, b) => a + b, 0);
  return [
    `chaos: ${r.processDate}, ${r.conversations} conversations/day → ${r.expected.downloadable.size} downloadable, ${r.expected.notDownloadable.size} not downloadable recordings`,
    `  requests ${total}: ${fmt(r.requests)}`,
    '  injected:',
    ...Object.entries(r.injected).map(([label, by]) => `    ${label.padEnd(22)} ${fmt(by)}`),
    `    expired tokens          ${r.expiredTokenAnswers} × 401; ${r.tokensIssued} tokens issued`,
    '  survived:',
    `    retried requests        ${r.survived.retriedRequests} (${fmt(r.survived.retryReasons)})`,
    `    stalled batch jobs      ${r.survived.stalledJobs} given up and re-requested`,
    `    batch POSTs             ${r.survived.batchPosts} accepted, ${r.survived.jobsRecorded} job ids recorded, ${r.survived.duplicateItemSubmissions} item re-submissions`,
    `    extra download requests ${r.survived.downloadsRetried} (expired URLs, truncated bodies, resets, timeouts)`,
    `  result: exit ${r.exit.code ?? r.exit.signal}; ${r.downloadedOk}/${r.expected.downloadable.size} on disk with the right sha256; ${r.output.lines.filter((l) => l.status !== 'downloaded').length} manifest lines with a reason; ${r.problems.length} problems`,
    `  ${r.seconds} s wall (run ${Math.round((r.exit.endedAt - r.exit.startedAt) / 1000)} s)`,
    ...r.problems.slice(0, 30).map((p) => `  PROBLEM: ${p}`),
  ].join('\n');
}

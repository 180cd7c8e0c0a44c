// Crash at any point, resume, same result (issue #4.1).
//
// Runs `audio-extract run --date D` as a child process against the emulator and SIGKILLs it at random
// moments spread over the pipeline's stages (placed from the JSON log lines on stderr), restarting the
// same command after every kill until one attempt exits 0. An uninterrupted run of the same date on a
// second emulator with the same seed (so the same data) runs alongside, into its own DATA_DIR. Then the
// two are compared: manifest bytes, audio files (sha256), database rows; and the killed one is checked
// for *.part leftovers, duplicate batch submissions not explained by a kill, and e-mails sent twice.
//
//   npx tsx bench/kill-resume.ts --conversations 300 --kills 20 [--seed 11] [--batch-size 10]
//
// Prints the figures and exits 1 on any loss or duplicate. test/chaos/kill-resume.test.ts imports
// runKillResume() and runs it at a small size. The helpers exported here (CLI as a child process,
// expected recordings computed from the emulator's data, output and database snapshots) are shared
// with bench/chaos.ts and the tests in test/chaos and test/e2e.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { asc } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { AnalyticsConversation } from '../src/contracts/genesys.js';
import { buildEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js';
import { startEngine } from '../src/engine/work.js';
import { createLogger } from '../src/lib/logger.js';
import { openDb } from '../src/store/db.js';
import { batches, conversations, notifications, recordings, runs } from '../src/store/schema.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(REPO_ROOT, 'bin', 'audio-extract.js');

// ---------------------------------------------------------------------------------------------------
// The CLI as a child process

export interface LogRecord {
  /** harness clock (ms) when the line arrived */
  at: number;
  msg?: string;
  level?: string;
  [key: string]: unknown;
}

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stderr as written */
  stderr: string;
  /** stderr lines that were not JSON log records (error messages, stack traces) */
  stderrText: string;
  records: LogRecord[];
  startedAt: number;
  endedAt: number;
}

export interface CliProcess {
  child: ChildProcess;
  records: LogRecord[];
  done: Promise<CliExit>;
  kill(): void;
}

/** Starts `audio-extract <args>` with exactly `env` (plus PATH); JSON log lines are parsed as they come. */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string>,
  onRecord?: (r: LogRecord) => void,
): CliProcess {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const records: LogRecord[] = [];
  let stdout = '';
  let stderr = '';
  let stderrText = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  const takeLine = (line: string) => {
    if (line.trim() === '') return;
    let rec: LogRecord | undefined;
    if (line.startsWith('{')) {
      try {
        rec = { ...(JSON.parse(line) as Record<string, unknown>), at: Date.now() };
      } catch {
        rec = undefined;
      }
    }
    if (!rec) {
      stderrText += `${line}\n`;
      return;
    }
    records.push(rec);
    onRecord?.(rec);
  };
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    partial += d;
    for (let i = partial.indexOf('\n'); i >= 0; i = partial.indexOf('\n')) {
      takeLine(partial.slice(0, i));
      partial = partial.slice(i + 1);
    }
  });
  const done = new Promise<CliExit>((resolve) => {
    child.on('close', (code, signal) => {
      takeLine(partial);
      resolve({ code, signal, stdout, stderr, stderrText, records, startedAt, endedAt: Date.now() });
    });
  });
  return { child, records, done, kill: () => child.kill('SIGKILL') };
}

/** Runs the CLI to its end (a generous hang guard kills it after `hangMs`). */
export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  hangMs = 15 * 60_000,
): Promise<CliExit> {
  const p = spawnCli(args, env);
  const guard = setTimeout(() => p.kill(), hangMs);
  try {
    return await p.done;
  } finally {
    clearTimeout(guard);
  }
}

// ---------------------------------------------------------------------------------------------------
// Dates, expectations from the emulator's data, and what is on disk

/**
 * A weekday at least `daysAgo` days before today in `zone`: old enough for the emulator's wrap-ups and
 * uploads to be over (they resolve 8 h after the day), well inside Genesys' 35-day look-back.
 */
export function pastWeekday(daysAgo = 4, zone = 'America/Lima', nowMs = Date.now()): string {
  let d = DateTime.fromMillis(nowMs, { zone }).startOf('day').minus({ days: daysAgo });
  while (d.weekday > 5) d = d.minus({ days: 1 });
  return d.toISODate()!;
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface Expected {
  /** `conversationId/recordingId` of every audio recording the run must download */
  downloadable: Map<string, { conversationId: string; recordingId: string; sha256: string; bytes: number }>;
  /** audio recordings Genesys cannot serve (archived, deleted, still uploading) */
  notDownloadable: Map<string, string>;
  /** agent-handled conversations of the queues still in wrap-up (no conversationEnd yet) */
  notReady: Set<string>;
}

/** What a run must produce, computed from the emulator's data without the product's own code. */
export function expectedRecordings(emu: Emulator, date: string, queues: readonly string[]): Expected {
  const out: Expected = { downloadable: new Map(), notDownloadable: new Map(), notReady: new Set() };
  for (const c of emu.dataset.conversationsOnLocalDay(date) as AnalyticsConversation[]) {
    const parts = c.participants ?? [];
    const touches = parts.some((p) =>
      (p.sessions ?? []).some((s) => (s.segments ?? []).some((g) => g.queueId && queues.includes(g.queueId))),
    );
    const hasAgent = parts.some((p) => p.purpose === 'agent');
    const recorded = parts.some((p) => (p.sessions ?? []).some((s) => s.recording === true));
    if (!touches || !hasAgent) continue;
    if (!c.conversationEnd) {
      out.notReady.add(c.conversationId);
      continue;
    }
    if (!recorded) continue;
    for (const r of emu.dataset.recordingsOf(c.conversationId)) {
      if (r.media !== 'audio') continue;
      const key = `${c.conversationId}/${r.id}`;
      if (r.fileState === 'AVAILABLE') {
        const bytes = emu.dataset.audioOf(r.id).bytes;
        out.downloadable.set(key, {
          conversationId: c.conversationId,
          recordingId: r.id,
          sha256: sha256(bytes),
          bytes: bytes.length,
        });
      } else out.notDownloadable.set(key, String(r.fileState));
    }
  }
  return out;
}

export interface OutputSnapshot {
  manifest: string;
  lines: Record<string, unknown>[];
  /** audio file name → sha256 */
  files: Map<string, string>;
  /** names under DATA_DIR/audio that are not final files (*.part, *.tmp) */
  leftovers: string[];
}

/** The date folder: manifest text, every file's hash, and leftovers anywhere under DATA_DIR/audio. */
export async function snapshotOutput(dataDir: string, date: string): Promise<OutputSnapshot> {
  const dir = path.join(dataDir, 'audio', date);
  const manifest = await readFile(path.join(dir, 'manifest.jsonl'), 'utf8').catch(() => '');
  const files = new Map<string, string>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name === 'manifest.jsonl' || name.endsWith('.part') || name.endsWith('.tmp')) continue;
    files.set(name, sha256(await readFile(path.join(dir, name))));
  }
  const leftovers: string[] = [];
  const all = await readdir(path.join(dataDir, 'audio'), { recursive: true }).catch(() => [] as string[]);
  for (const f of all) if (f.endsWith('.part') || f.endsWith('.tmp')) leftovers.push(f);
  const lines = manifest
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { manifest, lines, files, leftovers };
}

/** The rows that say what was extracted, without volatile columns (timestamps, attempts, batch ids). */
export async function snapshotDb(dataDir: string) {
  const handle = await openDb({ dataDir });
  try {
    const { db } = handle;
    const recs = await db
      .select({
        conversationId: recordings.conversationId,
        recordingId: recordings.recordingId,
        processDate: recordings.processDate,
        media: recordings.media,
        fileState: recordings.fileState,
        state: recordings.state,
        reason: recordings.reason,
        file: recordings.file,
        bytes: recordings.bytes,
        sha256: recordings.sha256,
        contentType: recordings.contentType,
      })
      .from(recordings)
      .orderBy(asc(recordings.conversationId), asc(recordings.recordingId));
    const convs = await db
      .select({
        conversationId: conversations.conversationId,
        processDate: conversations.processDate,
        queueId: conversations.queueId,
        queueIds: conversations.queueIds,
        agentUserIds: conversations.agentUserIds,
        conversationStart: conversations.conversationStart,
        conversationEnd: conversations.conversationEnd,
        durationMs: conversations.durationMs,
        direction: conversations.direction,
        state: conversations.state,
        recorded: conversations.recorded,
        lookedUp: conversations.lookedUp,
      })
      .from(conversations)
      .orderBy(asc(conversations.conversationId));
    const runRows = await db
      .select({
        processDate: runs.processDate,
        queueId: runs.queueId,
        status: runs.status,
        counts: runs.counts,
      })
      .from(runs)
      .orderBy(asc(runs.processDate), asc(runs.queueId));
    const mails = await db
      .select({
        processDate: notifications.processDate,
        status: notifications.status,
        payload: notifications.payload,
      })
      .from(notifications)
      .orderBy(asc(notifications.id));
    const batchRows = await db
      .select({
        jobId: batches.jobId,
        status: batches.status,
        items: batches.items,
        submissions: batches.submissions,
        error: batches.error,
      })
      .from(batches)
      .orderBy(asc(batches.id));
    return {
      recordings: recs,
      conversations: convs,
      runs: runRows,
      notifications: mails,
      batches: batchRows,
    };
  } finally {
    await handle.close();
  }
}

/**
 * A DATA_DIR whose embedded database is already created and migrated (work engine schema included).
 * Creating one costs ~10 s of CPU (PGlite's initdb); the harnesses copy one template instead.
 */
export async function dataDirTemplate(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ae-template-'));
  const handle = await openDb({ dataDir: dir });
  try {
    const engine = await startEngine(handle, createLogger({ level: 'silent' }));
    await engine.stop();
  } finally {
    await handle.close();
  }
  return dir;
}

export async function freshDataDir(prefix: string, template?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  if (template) await cp(path.join(template, 'db'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

/** The environment of a CLI run against `emu`. */
export function cliEnv(emu: Emulator, dataDir: string, extra: Record<string, string> = {}) {
  return {
    GENESYS_CLOUD_BASE_URL: emu.url,
    GENESYS_CLOUD_CLIENT_ID: 'emulator',
    GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
    GENESYS_QUEUE_IDS: emu.queueIds.slice(0, 2).join(','),
    GENESYS_RATE_LIMIT_PER_MINUTE: '100000',
    NOTIFY_URL: `${emu.url}/notify`,
    EMAILS: 'ops@example.com',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Every item of every accepted POST /recording/batchrequests, with when it arrived. */
export function batchSubmissions(emu: Emulator) {
  return emu.journal
    .entries()
    .filter((e) => e.method === 'POST' && e.path === '/api/v2/recording/batchrequests' && e.status === 200)
    .map((e) => ({
      at: e.at,
      keys: (
        e.body as { batchDownloadRequestList: { conversationId: string; recordingId?: string }[] }
      ).batchDownloadRequestList.map((i) => `${i.conversationId}/${i.recordingId}`),
    }));
}

// ---------------------------------------------------------------------------------------------------
// The kill schedule

export const STAGES = [
  'startup',
  'discover',
  'lookup',
  'submit',
  'poll',
  'download',
  'report',
  'notify',
  'exit',
] as const;
export type Stage = (typeof STAGES)[number];
/** The stages a kill is aimed at (startup and exit happen on the way). */
const TARGETS: Stage[] = ['discover', 'lookup', 'submit', 'poll', 'download', 'report', 'notify'];

/**
 * The stage a log line starts (LOG_LEVEL=info). Lookups, batches and downloads overlap, so a kill is
 * placed by the last marker before it — approximate inside the transfer, exact for the other stages —
 * except that a batch POST still unanswered at the kill makes it a `submit` kill (from the journal).
 */
const MARKERS: Record<string, Stage> = {
  'querying conversation details': 'discover',
  'discovery done': 'lookup',
  'recording lookup done': 'poll',
  'batch submitted': 'poll',
  'batch completed': 'download',
  'batch downloaded': 'poll',
  'writing the manifest': 'report',
  'day done': 'notify',
  'notification sent': 'exit',
  'this outcome was already e-mailed': 'exit',
};
/** How long after its stage's first marker a kill may land (ms, uniform): stages differ in length. */
const KILL_DELAY_MS: Record<Stage, number> = {
  startup: 0,
  // Discovery of the test's one page takes ≈ 110–550 ms, and lookups run alone for ≈ 140–340 ms before
  // the first batch POST (after which a kill counts as `submit`): aim inside those windows.
  discover: 100,
  lookup: 120,
  submit: 300, // < SUBMIT_DELAY_MS: the kill falls while the POST is being answered
  poll: 800,
  download: 200,
  report: 40,
  notify: 40,
  exit: 0,
};
const idx = (s: Stage) => STAGES.indexOf(s);
const BATCH_PATH = '/api/v2/recording/batchrequests';
const SUBMIT_DELAY_MS = 400;

function planKills(kills: number): Stage[] {
  const plan: Stage[] = [];
  for (let i = 0; i < kills; i++) plan.push(TARGETS[Math.floor((i * TARGETS.length) / kills)]!);
  return plan;
}

// ---------------------------------------------------------------------------------------------------
// The harness

export interface KillResumeOptions {
  conversations: number;
  kills: number;
  seed?: number;
  batchSize?: number;
  /** copied into both DATA_DIRs so the runs skip creating the embedded database */
  template?: string;
  log?: (line: string) => void;
  /** keep the DATA_DIRs (their paths are in the report) */
  keep?: boolean;
}

export interface KillResumeReport {
  processDate: string;
  conversations: number;
  downloadable: number;
  notDownloadable: number;
  kills: number;
  killsPerStage: Record<string, number>;
  resumes: number;
  attemptsEndedOnTheirOwn: { code: number | null; stderr: string }[];
  batchPosts: number;
  batchPostsReference: number;
  duplicateSubmissions: number;
  /** duplicates that no kill between the POST and its job id being recorded can explain */
  unexplainedDuplicates: string[];
  notificationsSent: number;
  /** e-mails beyond the first that a kill between sending and recording it explains */
  notificationsExplainedByKill: number;
  filesVerified: number;
  problems: string[];
  dataDirs: { killed: string; reference: string };
  seconds: number;
}

export async function runKillResume(o: KillResumeOptions): Promise<KillResumeReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const seed = o.seed ?? 11;
  const date = pastWeekday(4);
  const emuOpts: EmulatorOptions = {
    seed,
    conversationsPerDay: o.conversations,
    ratePerMinute: 100_000,
    batchJobDurationMs: { min: 200, max: 1500 },
    // Submissions take a little while, so kills aimed at them land between the POST reaching Genesys
    // and the job id being recorded: the one window in which a job can be orphaned.
    faults: [{ match: { method: 'POST', path: BATCH_PATH }, delayMs: SUBMIT_DELAY_MS }],
  };
  const [emuKilled, emuRef] = await Promise.all([buildEmulator(emuOpts), buildEmulator(emuOpts)]);
  const killedDir = await freshDataDir('ae-killed-', o.template);
  const refDir = await freshDataDir('ae-reference-', o.template);
  const extra = { BATCH_SIZE: String(o.batchSize ?? 5) };
  const args = ['run', '--date', date];
  const problems: string[] = [];
  const killsPerStage: Record<string, number> = {};
  const attemptsEndedOnTheirOwn: KillResumeReport['attemptsEndedOnTheirOwn'] = [];
  const killWindows: { from: number; to: number; stage: Stage; notifiedBefore: boolean }[] = [];
  let kills = 0;
  let attempts = 0;
  try {
    const reference = runCli(args, cliEnv(emuRef, refDir, extra));
    const plan = planKills(o.kills);
    let finished: CliExit | undefined;
    for (let i = 0; !finished; i++) {
      const target = plan[i];
      attempts++;
      let current: Stage = 'startup';
      let timer: NodeJS.Timeout | undefined;
      let killedIn: Stage | undefined;
      let killedAt = 0;
      const startedAt = Date.now();
      const arm = () => {
        timer ??= setTimeout(
          () => {
            // A batch POST that reached the emulator and whose job id is not recorded yet ('batch
            // submitted' is logged after that) means the kill fell inside a submission.
            const posts = emuKilled.journal
              .entries()
              .filter((e) => e.method === 'POST' && e.path === BATCH_PATH && e.at >= startedAt).length;
            const recorded = p.records.filter((r) => r.msg === 'batch submitted').length;
            killedIn = posts > recorded ? 'submit' : current;
            killedAt = Date.now();
            p.kill();
          },
          Math.floor(Math.random() * KILL_DELAY_MS[target ?? 'exit']),
        );
      };
      const p = spawnCli(args, cliEnv(emuKilled, killedDir, extra), (r) => {
        const stage = r.msg ? MARKERS[r.msg] : undefined;
        if (stage) current = stage;
        if (!target || !stage || idx(stage) < idx(target)) return;
        // Aimed at a submission: wait for one to reach the emulator (below), unless the transfer is over.
        if (target === 'submit' && idx(stage) < idx('report')) return;
        arm();
      });
      const watch =
        target === 'submit'
          ? setInterval(() => {
              const posted = emuKilled.journal
                .entries()
                .some((e) => e.method === 'POST' && e.path === BATCH_PATH && e.at >= startedAt);
              if (posted) arm();
            }, 20)
          : undefined;
      const hang = setTimeout(() => p.kill(), 15 * 60_000);
      const exit = await p.done;
      clearTimeout(hang);
      clearTimeout(timer);
      clearInterval(watch);
      if (killedIn && exit.signal === 'SIGKILL') {
        kills++;
        killsPerStage[killedIn] = (killsPerStage[killedIn] ?? 0) + 1;
        const notifiedBefore = exit.records.some((r) => r.msg === 'notification sent');
        // Until the close event: a request the child sent just before dying may be handled after the kill.
        killWindows.push({ from: exit.startedAt, to: exit.endedAt, stage: killedIn, notifiedBefore });
        log(`kill ${kills}: aimed at ${target}, landed in ${killedIn} after ${killedAt - exit.startedAt} ms`);
        continue;
      }
      attemptsEndedOnTheirOwn.push({ code: exit.code, stderr: exit.stderrText.slice(0, 2000) });
      if (exit.code === 0) finished = exit;
      else {
        problems.push(
          `attempt ${attempts} exited ${exit.code ?? exit.signal} on its own: ${exit.stderrText}`,
        );
        if (attemptsEndedOnTheirOwn.length > 3) throw new Error(problems.join('\n'));
      }
    }
    const ref = await reference;
    if (ref.code !== 0) problems.push(`the uninterrupted run exited ${ref.code}: ${ref.stderrText}`);
    if (!/ {2}SUCCESS/.test(finished.stdout))
      problems.push(`the last attempt did not say SUCCESS: ${finished.stdout}`);
    log(`completed after ${kills} kills; comparing with the uninterrupted run`);

    // The same data on both emulators, and what the day must yield.
    const queues = emuKilled.queueIds.slice(0, 2);
    const expected = expectedRecordings(emuKilled, date, queues);
    if (
      JSON.stringify(emuRef.dataset.conversationsOnLocalDay(date)) !==
      JSON.stringify(emuKilled.dataset.conversationsOnLocalDay(date))
    )
      problems.push('the two emulators do not hold the same day (seeded data differs)');

    // Output: manifest bytes, files and hashes, leftovers.
    const [outKilled, outRef] = await Promise.all([
      snapshotOutput(killedDir, date),
      snapshotOutput(refDir, date),
    ]);
    if (outKilled.manifest === '') problems.push('the killed run wrote no manifest');
    if (outKilled.manifest !== outRef.manifest) problems.push('manifest differs from the uninterrupted run');
    for (const dir of [outKilled, outRef])
      if (dir.leftovers.length) problems.push(`leftover files: ${dir.leftovers.join(', ')}`);
    const killedFiles = [...outKilled.files].sort();
    if (JSON.stringify(killedFiles) !== JSON.stringify([...outRef.files].sort()))
      problems.push('audio files (names or hashes) differ from the uninterrupted run');
    let filesVerified = 0;
    for (const e of expected.downloadable.values()) {
      const name = [...outKilled.files.keys()].find((f) =>
        f.startsWith(`${e.conversationId}_${e.recordingId}.`),
      );
      if (!name) problems.push(`lost: ${e.conversationId}/${e.recordingId} is not on disk`);
      else if (outKilled.files.get(name) !== e.sha256) problems.push(`wrong bytes in ${name}`);
      else filesVerified++;
    }
    if (outKilled.files.size !== expected.downloadable.size)
      problems.push(
        `${outKilled.files.size} audio files on disk, ${expected.downloadable.size} expected (a duplicate?)`,
      );

    // Database rows.
    const [dbKilled, dbRef] = [await snapshotDb(killedDir), await snapshotDb(refDir)];
    for (const table of ['recordings', 'conversations', 'runs', 'notifications'] as const) {
      if (JSON.stringify(dbKilled[table]) !== JSON.stringify(dbRef[table]))
        problems.push(`database table ${table} differs from the uninterrupted run`);
    }

    // Batch submissions: once per recording, plus at most one per kill that landed after its POST and
    // before the job id was recorded (the only window in which a job id can be lost).
    const posts = batchSubmissions(emuKilled);
    const seen = new Map<string, number[]>();
    for (const post of posts) for (const k of post.keys) seen.set(k, [...(seen.get(k) ?? []), post.at]);
    let duplicateSubmissions = 0;
    const unexplainedDuplicates: string[] = [];
    for (const [key, times] of seen) {
      if (times.length <= 1) continue;
      duplicateSubmissions += times.length - 1;
      // Every submission but the last must lie inside an attempt that was then killed.
      const explained = times.slice(0, -1).every((at) => killWindows.some((w) => at >= w.from && at <= w.to));
      const killsInvolved = new Set(
        times.map((at) => killWindows.findIndex((w) => at >= w.from && at <= w.to)).filter((i) => i >= 0),
      ).size;
      if (!explained || times.length - 1 > killsInvolved)
        unexplainedDuplicates.push(`${key} ×${times.length}`);
    }
    if (unexplainedDuplicates.length)
      problems.push(`duplicate submissions without a kill: ${unexplainedDuplicates.join(', ')}`);

    // The e-mail: once. A kill after the POST reached the service and before the run recorded it as
    // sent makes the next attempt send it again (at-least-once, docs/reliability.md): counted apart.
    const mails = emuKilled.notifications();
    // Every e-mail but the last must have been sent by an attempt that was then killed before it could
    // record the send (the run's log never said "notification sent").
    const explainedByKill = mails
      .slice(0, -1)
      .filter((m) => killWindows.some((w) => m.at >= w.from && m.at <= w.to && !w.notifiedBefore)).length;
    if (mails.length === 0) problems.push('no notification was sent');
    if (mails.length - 1 > explainedByKill) {
      // Say what differed, so a failure can be told apart from a real second outcome.
      const texts = mails.map((m) =>
        String((m.body as { htmlContent?: string }).htmlContent ?? '')
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .slice(0, 400),
      );
      problems.push(
        `${mails.length} notifications sent: ${texts.map((t, i) => `#${i + 1} ${t}`).join(' | ')}`,
      );
    }
    if (emuRef.notifications().length !== 1)
      problems.push('the uninterrupted run did not send exactly one notification');

    return {
      processDate: date,
      conversations: o.conversations,
      downloadable: expected.downloadable.size,
      notDownloadable: expected.notDownloadable.size,
      kills,
      killsPerStage,
      resumes: attempts - 1,
      attemptsEndedOnTheirOwn,
      batchPosts: posts.length,
      batchPostsReference: batchSubmissions(emuRef).length,
      duplicateSubmissions,
      unexplainedDuplicates,
      notificationsSent: mails.length,
      notificationsExplainedByKill: explainedByKill,
      filesVerified,
      problems,
      dataDirs: { killed: killedDir, reference: refDir },
      seconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    await Promise.all([emuKilled.close(), emuRef.close()]);
    if (!o.keep)
      await Promise.all([
        rm(killedDir, { recursive: true, force: true }),
        rm(refDir, { recursive: true, force: true }),
      ]);
  }
}

export function formatKillResume(r: KillResumeReport): string {
  const stages = STAGES.filter((s) => r.killsPerStage[s]).map((s) => `${s} ${r.killsPerStage[s]}`);
  return [
    `kill-resume: ${r.processDate}, ${r.conversations} conversations/day, ${r.downloadable} downloadable + ${r.notDownloadable} not downloadable recordings`,
    `  kills ${r.kills} (${stages.join(', ')}), resumes ${r.resumes}`,
    `  batch POSTs ${r.batchPosts} (uninterrupted run: ${r.batchPostsReference}), duplicate item submissions ${r.duplicateSubmissions}, unexplained ${r.unexplainedDuplicates.length}`,
    `  notifications ${r.notificationsSent} (re-sent because a kill hit the send window: ${r.notificationsExplainedByKill})`,
    `  files verified ${r.filesVerified}; manifest, files and database equal to the uninterrupted run: ${r.problems.length === 0 ? 'yes' : 'NO'}`,
    `  ${r.seconds} s wall`,
    ...r.problems.map((p) => `  PROBLEM: ${p}`),
  ].join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      conversations: { type: 'string', default: '300' },
      kills: { type: 'string', default: '20' },
      seed: { type: 'string', default: '11' },
      'batch-size': { type: 'string', default: '10' },
      keep: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const template = await dataDirTemplate();
  try {
    const report = await runKillResume({
      conversations: Number(values.conversations),
      kills: Number(values.kills),
      seed: Number(values.seed),
      batchSize: Number(values['batch-size']),
      template,
      keep: values.keep,
      log: values.quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(`${formatKillResume(report)}\n`);
    if (values.keep) process.stdout.write(`  data: ${report.dataDirs.killed} ${report.dataDirs.reference}\n`);
    process.exitCode = report.problems.length === 0 && report.kills >= Number(values.kills) ? 0 : 1;
  } finally {
    await rm(template, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

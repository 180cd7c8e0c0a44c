// Crash at any point, resume, same result (issue #4.1).
//
// Runs `audio-extract run --date D` as a child process against the emulator and SIGKILLs it at random
// moments spread over the pipeline's stages (placed from the JSON log lines on stderr), restarting the
// same command after every kill until one attempt exits 0. An uninterrupted run of the same date on a
// second emulator with the same seed (so the same data) runs alongside, into its own DATA_DIR. Then the
// two are compared: manifest bytes, audio files (sha256), database rows; and the killed one is checked
// for *.part leftovers, duplicate batch submissions not explained by a kill, and e-mails sent twice.
//
// test/chaos/kill-resume.test.ts runs runKillResume() at a small size; bench/kill-resume.ts at any size
// from the command line.
import { rm } from 'node:fs/promises';
import { buildEmulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { type CliExit, cliEnv, runCli, spawnCli } from './cli.js';
import { freshDataDir, snapshotDb, snapshotOutput } from './data-dirs.js';
import { batchSubmissions, expectedRecordings, pastWeekday } from './expected.js';

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
/**
 * The e-mail takes this long to be answered (and recorded by the emulator), so the run's last stage is
 * a window every pending kill can land in: a kill armed earlier whose delay would outlast the run is
 * fired at 'day done' instead, and the run cannot end unkilled while kills are still planned.
 */
const NOTIFY_DELAY_MS = 400;

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
    faults: [
      { match: { method: 'POST', path: BATCH_PATH }, delayMs: SUBMIT_DELAY_MS },
      { match: { method: 'POST', path: '/notify' }, delayMs: NOTIFY_DELAY_MS },
    ],
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
      // The delay is the stage's that is running when the kill is armed: once earlier attempts have done
      // most of the day, a resumed run skips the target's stage, and the target's longer window (800 ms
      // for a poll) would let the short report and notify stages finish, ending the run unkilled.
      const killNow = () => {
        if (killedIn) return;
        clearTimeout(timer);
        // A batch POST that reached the emulator and whose job id is not recorded yet ('batch
        // submitted' is logged after that) means the kill fell inside a submission.
        const posts = emuKilled.journal
          .entries()
          .filter((e) => e.method === 'POST' && e.path === BATCH_PATH && e.at >= startedAt).length;
        const recorded = p.records.filter((r) => r.msg === 'batch submitted').length;
        killedIn = posts > recorded ? 'submit' : current;
        killedAt = Date.now();
        p.kill();
      };
      let armedIn: Stage | undefined;
      const arm = (at: Stage) => {
        if (armedIn) return;
        armedIn = at;
        timer = setTimeout(killNow, Math.floor(Math.random() * KILL_DELAY_MS[at]));
      };
      const p = spawnCli(args, cliEnv(emuKilled, killedDir, extra), (r) => {
        const stage = r.msg ? MARKERS[r.msg] : undefined;
        if (stage) current = stage;
        // The last window (the e-mail, NOTIFY_DELAY_MS long): a kill still pending from an earlier stage
        // lands now rather than after the run has ended.
        if (target && stage === 'notify' && armedIn && armedIn !== 'notify') return killNow();
        if (!target || !stage || idx(stage) < idx(target)) return;
        // Aimed at a submission: wait for one to reach the emulator (below), unless the transfer is over.
        if (target === 'submit' && idx(stage) < idx('report')) return;
        arm(stage);
      });
      const watch =
        target === 'submit'
          ? setInterval(() => {
              const posted = emuKilled.journal
                .entries()
                .some((e) => e.method === 'POST' && e.path === BATCH_PATH && e.at >= startedAt);
              if (posted) arm('submit');
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
    if (outKilled.csv !== outRef.csv) problems.push('manifest.csv differs from the uninterrupted run');
    if (outKilled.marker !== outRef.marker) problems.push('_SUCCESS differs from the uninterrupted run');
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
      // The emulator records an e-mail once its NOTIFY_DELAY_MS has passed, even when the sender was
      // killed meanwhile: such an e-mail is stamped up to that long after the attempt ended.
      .filter((m) =>
        killWindows.some((w) => m.at >= w.from && m.at <= w.to + NOTIFY_DELAY_MS + 250 && !w.notifiedBefore),
      ).length;
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
    `  files verified ${r.filesVerified}; manifest (jsonl, csv, _SUCCESS), files and database equal to the uninterrupted run: ${r.problems.length === 0 ? 'yes' : 'NO'}`,
    `  ${r.seconds} s wall`,
    ...r.problems.map((p) => `  PROBLEM: ${p}`),
  ].join('\n');
}

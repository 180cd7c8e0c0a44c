// The scale-out scenario of `npm run bench` (issue 19): the same day worked by 1 and then by N `worker`
// processes on one PostgreSQL, coordinated by `run --date D`, against a bench emulator in its own
// process. What it measures: the wall time from `run`'s start to its exit, recordings and MB per
// second, the batches each worker finished, each process' CPU time, and the machine's load. Every
// process (emulator, workers, coordinator, PostgreSQL) shares this machine's cores, which bounds what
// the figure can show: see the report's note.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { buildDist, distIsFresh } from '../bin/dist.js';
import { type CliProcess, spawnCli } from '../test/support/cli.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { type EmulatorKnobs, startEmulatorProcess } from './emulator.js';
import { journalFigures } from './metrics.js';

export interface ScaleOutRow {
  workers: number;
  lookup: 'metadata' | 'conversation';
  status: 'ok' | 'failed';
  wallMs: number;
  downloaded: number;
  bytes: number;
  recordingsPerSecond: number;
  mbPerSecond: number;
  batchesByWorker: number[];
  /** batches `run` took itself (none waited 2 s for a worker) */
  batchesByCoordinator: number;
  /** CPU seconds (user + system) of the coordinator, then each worker */
  cpuSeconds: number[];
  /** CPU seconds of the emulator process during the day */
  emulatorCpuSeconds: number;
  apiCalls: number;
  status429: number;
  loadAverage: number[];
  note?: string;
}

async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

async function folderBytes(dir: string): Promise<{ files: number; bytes: number }> {
  let bytes = 0;
  let files = 0;
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    if (n.startsWith('manifest') || n.endsWith('.part') || n.endsWith('.tmp')) continue;
    bytes += (await stat(path.join(dir, n))).size;
    files++;
  }
  return { files, bytes };
}

const waitForLine = async (p: CliProcess, msg: string, ms = 120_000) => {
  const started = Date.now();
  while (!p.records.some((r) => r.msg === msg)) {
    if (p.child.exitCode !== null) throw new Error(`a worker exited before "${msg}"`);
    if (Date.now() - started > ms) throw new Error(`timed out waiting for "${msg}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** One day worked by `workers` workers and a coordinating `run`; a fresh database and DATA_DIR each. */
export async function scaleOutRun(o: {
  root: string;
  knobs: EmulatorKnobs;
  date: string;
  workers: number;
  lookup: 'metadata' | 'conversation';
  rate: number;
}): Promise<ScaleOutRow> {
  if (!distIsFresh(o.root)) await buildDist(o.root);
  const emu = await startEmulatorProcess(o.knobs, o.root);
  const db = await createTestDatabase(`bench_scale_${o.workers}`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-scale-'));
  const procs: CliProcess[] = [];
  try {
    await emu.warm(o.date);
    const env = {
      GENESYS_CLOUD_BASE_URL: emu.url,
      GENESYS_CLOUD_CLIENT_ID: 'emulator',
      GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
      GENESYS_QUEUE_IDS: emu.queueIds.join(','),
      GENESYS_RATE_LIMIT_PER_MINUTE: String(o.rate),
      RECORDING_LOOKUP: o.lookup,
      NOTIFY_URL: `${emu.url}/notify`,
      EMAILS: 'bench@example.com',
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    };
    // The database is created and migrated once, before anything is timed.
    const status = await spawnCli(['status', '--json'], env).done;
    if (status.code !== 0) throw new Error(`audio-extract status failed: ${status.stderrText}`);
    for (let i = 0; i < o.workers; i++) procs.push(spawnCli(['worker'], env));
    await Promise.all(procs.map((p) => waitForLine(p, 'worker started')));
    const cpuBefore = await Promise.all(procs.map((p) => cpuSeconds(p.child.pid)));
    const emulatorBefore = await cpuSeconds(emu.pid);
    const started = performance.now();
    const coordinator = spawnCli(['run', '--date', o.date], env);
    // CPU is read just before each process ends: the coordinator's once its day is done.
    let coordinatorCpu = 0;
    const sampler = setInterval(async () => {
      coordinatorCpu = Math.max(coordinatorCpu, await cpuSeconds(coordinator.child.pid));
    }, 250);
    const exit = await coordinator.done;
    clearInterval(sampler);
    const wallMs = performance.now() - started;
    const cpuAfter = await Promise.all(procs.map((p) => cpuSeconds(p.child.pid)));
    const emulatorCpuSeconds = (await cpuSeconds(emu.pid)) - emulatorBefore;
    for (const p of procs) p.child.kill('SIGTERM');
    const exits = await Promise.all(procs.map((p) => p.done));
    const { files, bytes } = await folderBytes(path.join(dataDir, 'audio', o.date));
    const journal = journalFigures(await emu.journal(), o.rate);
    const ok = exit.code === 0 && exits.every((e) => e.code === 0);
    return {
      workers: o.workers,
      lookup: o.lookup,
      status: ok ? 'ok' : 'failed',
      wallMs,
      downloaded: files,
      bytes,
      recordingsPerSecond: files / (wallMs / 1000),
      mbPerSecond: bytes / 1e6 / (wallMs / 1000),
      batchesByWorker: exits.map((e) => e.records.filter((r) => r.msg === 'batch downloaded').length),
      batchesByCoordinator: exit.records.filter((r) => r.msg === 'batch downloaded').length,
      cpuSeconds: [coordinatorCpu, ...cpuAfter.map((c, i) => c - cpuBefore[i]!)],
      emulatorCpuSeconds,
      apiCalls: journal.apiCalls,
      status429: journal.status429,
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
      note: ok ? undefined : `run exit ${exit.code}: ${exit.stderrText.slice(-400)}`,
    };
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.kill();
    await emu.stop();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The markdown table of the scale-out rows. */
export function scaleOutTable(rows: ScaleOutRow[]): string {
  const head =
    '| workers | lookup | status | wall | recordings/s | MB/s | batches (run; workers) | CPU s (run; workers) | emulator CPU s | API calls | 429 | load after |';
  const sep = '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const lines = rows.map(
    (r) =>
      `| ${r.workers} | ${r.lookup} | ${r.status} | ${(r.wallMs / 1000).toFixed(1)} s | ${r.recordingsPerSecond.toFixed(1)} | ` +
      `${r.mbPerSecond.toFixed(1)} | ${r.batchesByCoordinator}; ${r.batchesByWorker.join(' / ')} | ` +
      `${r.cpuSeconds[0]!.toFixed(1)}; ${r.cpuSeconds
        .slice(1)
        .map((c) => c.toFixed(1))
        .join(
          ' / ',
        )} | ${r.emulatorCpuSeconds.toFixed(1)} | ${r.apiCalls} | ${r.status429} | ${r.loadAverage[0]} |`,
  );
  return [head, sep, ...lines].join('\n');
}

/**
 * What the rows say about growth, in words: the speed-up from the first row to the last, and where the
 * time went (the CPU the processes used against the cores this machine has).
 */
export function scaleOutNote(rows: ScaleOutRow[]): string {
  const ok = rows.filter((r) => r.status === 'ok');
  const fewest = Math.min(...ok.map((r) => r.workers));
  const most = Math.max(...ok.map((r) => r.workers));
  // The best run of each count: the machine is shared, and a run's worst is mostly the others' load.
  const best = (n: number) => ok.filter((r) => r.workers === n).sort((a, b) => a.wallMs - b.wallMs)[0];
  const [one, many] = [best(fewest), best(most)];
  if (!one || !many || one === many) return '';
  const speedup = one.wallMs / many.wallMs;
  const cpu = (r: ScaleOutRow) => r.cpuSeconds.reduce((a, b) => a + b, 0);
  const busy = (r: ScaleOutRow) => (cpu(r) + r.emulatorCpuSeconds) / (r.wallMs / 1000);
  return (
    `Best runs: ${many.workers} workers made ${speedup.toFixed(2)}× the throughput of ${one.workers} (${one.mbPerSecond.toFixed(1)} → ` +
    `${many.mbPerSecond.toFixed(1)} MB/s). Our processes used ${busy(one).toFixed(2)} and ${busy(many).toFixed(2)} ` +
    `cores on average (coordinator, workers and the emulator; PostgreSQL not counted) of the ${os.cpus().length} this ` +
    'machine has, shared with the emulator serving the files, PostgreSQL and anything else running: once ' +
    'they are busy, more workers on the same machine cannot add throughput.'
  );
}

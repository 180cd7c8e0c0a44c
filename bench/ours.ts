// Runs the real CLI, `audio-extract run --date D --json`, as a child process against a bench emulator,
// with a fresh DATA_DIR (embedded database) and the emulator's rate limit as its budget, storing the
// audio in DATA_DIR or, with `storage`, wherever its STORAGE_URL says (the object-storage scenario). The database
// in that DATA_DIR is created first, by `audio-extract status`, and timed apart (`dbCreateMs`, with its
// peak RSS): a daily job creates it once, on its first run, and opens it every day after
// (docs/performance.md); that first command is what a new user waits for. Peak RSS comes
// from GNU time's "Maximum resident set size" when /usr/bin/time exists, else from polling VmHWM in
// /proc/<pid>/status.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildDist, distIsFresh } from '../bin/dist.js';
import { isAudioFile } from '../test/support/data-dirs.js';

export interface OursOptions {
  cwd: string;
  baseUrl: string;
  queueIds: readonly string[];
  date: string;
  ratePerMinute: number;
  lookup: 'metadata' | 'conversation';
  /** Where the audio goes instead of DATA_DIR: the environment that says so, and how to count what got there. */
  storage?: { env: Record<string, string>; storedBytes(date: string): Promise<number> };
}

export interface OursResult {
  /** creating the embedded database in the fresh DATA_DIR (`audio-extract status`), before the timed run */
  dbCreateMs: number;
  /** peak RSS of that first command (MB), from /usr/bin/time -v; null without GNU time */
  dbCreatePeakRssMb: number | null;
  exitCode: number;
  wallMs: number;
  /** epoch ms just before spawn and just after exit (to split the wall time with the journal) */
  spawnedAt: number;
  exitedAt: number;
  peakRssMb: number | null;
  rssSource: string;
  downloaded: number;
  bytes: number;
  byStatus: Record<string, number>;
  dayStatus: string;
  error?: string;
  stderrTail: string;
}

const GNU_TIME = '/usr/bin/time';

async function vmHwmKb(pid: number): Promise<number | null> {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function audioBytes(dir: string): Promise<number> {
  let total = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    if (!isAudioFile(n)) continue;
    total += (await stat(path.join(dir, n))).size;
  }
  return total;
}

export async function runOurs(o: OursOptions): Promise<OursResult> {
  // The CLI runs dist/ only while it matches the sources (ADR 0007): build it first, so what is timed
  // is the code as it is now, not the slower tsx fallback.
  if (!distIsFresh(o.cwd)) await buildDist(o.cwd);
  // The first command on a new DATA_DIR starts from the image `npm ci` builds (ADR 0014): measure that.
  if (!existsSync(path.join(o.cwd, 'dist', 'db-image', 'pglite.json'))) {
    const built = spawnSync(process.execPath, ['bin/db-image.js'], { cwd: o.cwd, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('bin/db-image.js failed: the database image could not be built');
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-ours-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GENESYS_CLOUD_BASE_URL: o.baseUrl,
    GENESYS_CLOUD_CLIENT_ID: 'emulator',
    GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
    GENESYS_QUEUE_IDS: o.queueIds.join(','),
    GENESYS_RATE_LIMIT_PER_MINUTE: String(o.ratePerMinute),
    RECORDING_LOOKUP: o.lookup,
    NOTIFY_URL: `${o.baseUrl}/notify`,
    EMAILS: 'bench@example.com',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...o.storage?.env,
    // For profiling (bench/timeline.ts): extra Node options for the CLI only.
    ...(process.env.BENCH_CLI_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_CLI_NODE_OPTIONS } : {}),
  };
  const useTime = existsSync(GNU_TIME);
  const timed = (cli: string[]) => (useTime ? [GNU_TIME, '-v', ...cli] : cli);
  const createStarted = performance.now();
  const created = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const [createCmd, ...createArgs] = timed([process.execPath, 'bin/audio-extract.js', 'status', '--json']);
    const c = spawn(createCmd!, createArgs, {
      cwd: o.cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-4000);
    });
    c.on('close', (code) => resolve({ code: code ?? 1, stderr: err }));
  });
  const dbCreateMs = performance.now() - createStarted;
  if (created.code !== 0)
    throw new Error(`audio-extract status (database creation) failed: ${created.stderr}`);
  const createdRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(created.stderr);
  const dbCreatePeakRssMb = createdRss ? Number(createdRss[1]) / 1024 : null;
  const [cmd, ...args] = timed([process.execPath, 'bin/audio-extract.js', 'run', '--date', o.date, '--json']);
  const spawnedAt = Date.now();
  const started = performance.now();
  const child = spawn(cmd!, args, { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-20_000);
  });
  let polledKb = 0;
  const poll = useTime
    ? undefined
    : setInterval(async () => {
        const kb = child.pid ? await vmHwmKb(child.pid) : null;
        if (kb) polledKb = Math.max(polledKb, kb);
      }, 200);
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const wallMs = performance.now() - started;
  const exitedAt = Date.now();
  if (poll) clearInterval(poll);

  let peakRssMb: number | null = null;
  let rssSource = 'none';
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  if (useTime && m) {
    peakRssMb = Number(m[1]) / 1024;
    rssSource = '/usr/bin/time -v (max RSS)';
  } else if (polledKb > 0) {
    peakRssMb = polledKb / 1024;
    rssSource = '/proc/<pid>/status VmHWM, polled every 200 ms';
  }

  let byStatus: Record<string, number> = {};
  let dayStatus = 'unknown';
  let error: string | undefined;
  try {
    const out = JSON.parse(stdout) as {
      days: { status: string; error?: string; summary?: { byStatus: Record<string, number> } }[];
    };
    const day = out.days[0];
    byStatus = day?.summary?.byStatus ?? {};
    dayStatus = day?.status ?? 'unknown';
    error = day?.error;
  } catch {
    error = `no JSON outcome on stdout (exit ${exitCode})`;
  }
  const bytes = o.storage
    ? await o.storage.storedBytes(o.date)
    : await audioBytes(path.join(dataDir, 'audio', o.date));
  await rm(dataDir, { recursive: true, force: true });
  const logTail = stderr.replace(/\tCommand being timed:[\s\S]*$/, '').slice(-8000);
  return {
    dbCreateMs,
    dbCreatePeakRssMb,
    exitCode,
    wallMs,
    spawnedAt,
    exitedAt,
    peakRssMb,
    rssSource,
    downloaded: byStatus.downloaded ?? 0,
    bytes,
    byStatus,
    dayStatus,
    error,
    stderrTail: logTail,
  };
}

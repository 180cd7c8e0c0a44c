// The real CLI (`bin/audio-extract.js`) as a child process, the way an operator runs it, and the
// environments that point it at an emulator. Used by the e2e and chaos tests and by the benchmark's
// reliability harnesses (bench/kill-resume.ts, bench/chaos.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '../../src/emulator/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPO_ROOT, 'bin', 'audio-extract.js');

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

/** A run against `emu` into `dataDir`, on its first queue, with a rate budget that keeps tests quick. */
export function emulatorEnv(
  emu: Emulator,
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    GENESYS_CLOUD_BASE_URL: emu.url,
    GENESYS_CLOUD_CLIENT_ID: 'emulator',
    GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
    GENESYS_QUEUE_IDS: emu.queueIds[0]!,
    GENESYS_RATE_LIMIT_PER_MINUTE: '6000',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/**
 * The reliability harnesses' run: two queues, no rate limit to speak of, the emulator's notification
 * service, and info logs (the kill schedule places kills from them).
 */
export function cliEnv(emu: Emulator, dataDir: string, extra: Record<string, string> = {}) {
  return emulatorEnv(emu, dataDir, {
    GENESYS_QUEUE_IDS: emu.queueIds.slice(0, 2).join(','),
    GENESYS_RATE_LIMIT_PER_MINUTE: '100000',
    NOTIFY_URL: `${emu.url}/notify`,
    EMAILS: 'ops@example.com',
    LOG_LEVEL: 'info',
    ...extra,
  });
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const RETRIED = 'genesys request will be retried';

/**
 * For an assertion's message when a run ended otherwise than expected: its errors, and its warnings
 * other than the requests it retried (the last `max`), one JSON record a line.
 */
export function errorsLogged(exit: Pick<CliExit, 'records'>, max = 40): string {
  const lines = exit.records
    .filter((r) => r.level === 'error' || r.level === 'fatal' || (r.level === 'warn' && r.msg !== RETRIED))
    .slice(-max)
    .map(({ at: _at, time: _time, pid: _pid, hostname: _host, ...r }) => `  ${JSON.stringify(r)}`);
  return ['the run logged:', ...lines].join('\n');
}

// Runs the real CLI (`bin/audio-extract.js`) as a subprocess, the way an operator would, and builds the
// environment that points it at an emulator.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Emulator } from '../../src/emulator/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 170_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/audio-extract.js', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Environment for a run against `emu` into `dataDir`; a generous rate budget keeps tests quick. */
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

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

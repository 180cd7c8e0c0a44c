// `status` in a second terminal while a `run` holds the embedded database: it shows the running day's
// live progress (from the snapshot the run keeps) instead of "in use", never opens the database itself,
// and, once the run is over, shows the history from the database as before.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { cliEnv, runCli, spawnCli } from '../support/cli.js';
import { freshDataDir } from '../support/data-dirs.js';
import { pastWeekday } from '../support/expected.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';

const DATE = pastWeekday(3);
let emu: Emulator;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 43,
    conversationsPerDay: 40,
    ratePerMinute: 100_000,
    // Batch jobs that take a while: the run is still going when status asks.
    batchJobDurationMs: { min: 8_000, max: 9_000 },
  });
  dataDir = await freshDataDir('ae-status-live-');
  // Two queues, the emulator's e-mail service, no rate limit to speak of.
  env = cliEnv(emu, dataDir, { LOG_LEVEL: 'warn' });
}, 120_000);

afterAll(async () => {
  await emu?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Status {
  live?: { pid: number; command: string; writtenAt: string };
  runs: { processDate: string; status: string; progress?: { total: number; done: number } }[];
}

describe('status while a run holds the embedded database', () => {
  it('shows the running day live, then the history once the run is over', async () => {
    const run = spawnCli(['run', '--date', DATE], env);
    let live: Status | undefined;
    let human = '';
    try {
      // Once the run holds the database it writes its first snapshot; status asked earlier would open the
      // free database itself (and could make the starting run find it in use).
      const file = path.join(dataDir, 'status.json');
      for (let i = 0; i < 600 && !(await stat(file).catch(() => undefined)); i++) {
        if (run.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (let i = 0; i < 20 && !live?.runs.some((r) => r.status === 'RUNNING'); i++) {
        const res = await runCli(['status', '--json'], env);
        expect(res.code, res.stderr).toBe(0);
        live = JSON.parse(res.stdout) as Status;
      }
      expect(live, 'status never showed the run live').toBeDefined();
      expect(live!.live).toMatchObject({ pid: run.child.pid, command: 'run' });
      const running = live!.runs.filter((r) => r.processDate === DATE);
      expect(running.map((r) => r.status)).toEqual(['RUNNING', 'RUNNING']);
      expect(running.every((r) => r.progress && r.progress.total >= r.progress.done)).toBe(true);
      const snapshot = await stat(path.join(dataDir, 'status.json'));
      expect(snapshot.mode & 0o777).toBe(0o600);

      const text = await runCli(['status'], env);
      expect(text.code, text.stderr).toBe(0);
      human = text.stdout;
    } finally {
      const exit = await run.done;
      expect(exit.code, exit.stderrText).toBe(0);
    }
    expect(human).toMatch(new RegExp(`in use by \`run\` \\(pid ${run.child.pid}\\)`));
    expect(human).toMatch(new RegExp(`${DATE}  .*  RUNNING  attempts 1  recordings \\d+/\\d+ done`));

    // Over: the snapshot is gone and status reads the database again, names included.
    expect(await readdir(dataDir)).not.toContain('status.json');
    const after = await runCli(['status', '--json'], env);
    expect(after.code).toBe(0);
    const done = JSON.parse(after.stdout) as {
      live?: unknown;
      runs: { status: string; queueName: string | null }[];
    };
    expect(done.live).toBeUndefined();
    expect(done.runs.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(done.runs.every((r) => typeof r.queueName === 'string')).toBe(true);
  }, 300_000);

  // PostgreSQL is shared: status reads it directly, and a run in progress shows its progress there too.
  it.runIf(requirePostgres())(
    'on PostgreSQL, status reads the database and shows the running day live',
    async () => {
      const pgDb = await createTestDatabase('status_live');
      const pgEnv = { ...env, DATABASE_URL: pgDb.url };
      const run = spawnCli(['run', '--date', DATE], pgEnv);
      try {
        let running: Status | undefined;
        for (let i = 0; i < 200 && !running; i++) {
          const res = await runCli(['status', '--json'], pgEnv);
          if (res.code === 0) {
            const s = JSON.parse(res.stdout) as Status;
            if (s.runs.some((r) => r.status === 'RUNNING' && r.progress)) running = s;
          }
          if (!running) await new Promise((r) => setTimeout(r, 250));
        }
        expect(running, 'status never showed the run with progress').toBeDefined();
        expect(running!.live).toBeUndefined();
        for (const r of running!.runs.filter((x) => x.status === 'RUNNING'))
          expect(r.progress!.total).toBeGreaterThanOrEqual(r.progress!.done);
      } finally {
        const exit = await run.done;
        expect(exit.code, exit.stderrText).toBe(0);
        await pgDb.drop();
      }
    },
    300_000,
  );
});

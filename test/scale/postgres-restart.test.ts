// PostgreSQL restarted (fast shutdown, then start) in the middle of a day worked by three workers and
// coordinated by `run`. What an operator would notice if this failed: a worker that exits for good or
// burns a core retrying while the database is down, a day that fails or never completes, files missing
// or a second e-mail once the database is back. The test starts a PostgreSQL of its own, since it
// restarts it (PG_RESTART_TEST_PORT, default 54339, or the next free port).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { openDb } from '../../src/store/db.js';
import { REPO_ROOT } from '../support/cli.js';
import { pastWeekday } from '../support/expected.js';
import { requirePostgres } from '../support/postgres.js';
import { runScaleOut, type ScaleOutReport } from '../support/scale-out.js';

const pgAvailable = requirePostgres();
const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'pg-test-server.sh');
const DATE = pastWeekday(6);
const DOWN_MS = 2_000;

/** CPU seconds (user + system) a process has used so far, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe.skipIf(!pgAvailable)('PostgreSQL restarted in the middle of a multi-worker day', () => {
  let pgDir: string;
  let dataDir: string;
  let emu: Emulator;
  let report: ScaleOutReport;
  let outage: { ms: number; cpu: number[] };

  const server = async (verb: 'start' | 'stop', port?: string) => {
    const env = { ...process.env, PG_TEST_PORT: port ?? process.env.PG_RESTART_TEST_PORT ?? '54339' };
    const { stdout } = await run('bash', [SCRIPT, verb, pgDir], { env });
    return stdout.match(/TEST_DATABASE_URL=(\S+)/)?.[1];
  };

  beforeAll(async () => {
    pgDir = await mkdtemp(path.join(tmpdir(), 'ae-pg-restart-'));
    await run('chmod', ['755', pgDir]);
    const url = await server('start');
    if (!url) throw new Error('the test PostgreSQL did not start');
    const port = new URL(url).port;
    await (await openDb({ databaseUrl: url, dataDir: '/nonexistent' })).close();
    // About 450 lookups at 1,200/min: the restart falls while the coordinator looks recordings up and
    // the workers run batches.
    emu = await buildEmulator({ seed: 'restart', conversationsPerDay: 600, ratePerMinute: 1200 });
    dataDir = await mkdtemp(path.join(tmpdir(), 'ae-restart-'));
    report = await runScaleOut({
      emu,
      date: DATE,
      lookup: 'metadata',
      databaseUrl: url,
      dataDir,
      workers: 3,
      ratePerMinute: 1200,
      batchSize: 50,
      leaseSeconds: 20,
      midDay: async ({ workers, coordinator }) => {
        const pids = [coordinator, ...workers].map((p) => p.child.pid!);
        const before = await Promise.all(pids.map(cpuSeconds));
        const started = Date.now();
        await server('stop');
        await new Promise((r) => setTimeout(r, DOWN_MS));
        await server('start', port);
        const after = await Promise.all(pids.map(cpuSeconds));
        outage = { ms: Date.now() - started, cpu: after.map((a, i) => a - before[i]!) };
      },
    });
    process.stdout.write(
      `postgres restart: down ${outage.ms} ms, CPU during it ${outage.cpu.map((c) => c.toFixed(2)).join(', ')} s ` +
        `(coordinator, workers); day ${report.wallMs} ms, batches ${report.batchesByWorker.join('/')}\n`,
    );
    if (report.coordinator.code !== 0) {
      const said = report.coordinator.records.filter((r) => r.level === 'error' || r.level === 'warn');
      process.stdout.write(
        `run: ${report.coordinator.stdout}\n${said.map((r) => JSON.stringify(r)).join('\n')}\n`,
      );
    }
  }, 10 * 60_000);

  afterAll(async () => {
    await emu?.close();
    if (pgDir) {
      await server('stop').catch(() => {});
      await rm(pgDir, { recursive: true, force: true });
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the day completes with every file and one e-mail', () => {
    expect(report.coordinator.stderrText).toBe('');
    expect(report.coordinator.code).toBe(0);
    expect(report.coordinator.stdout).toContain(`${DATE}  SUCCESS`);
    expect(report.fileProblems).toEqual([]);
    expect(report.downloadable).toBeGreaterThan(300);
    expect(report.output.leftovers).toEqual([]);
    expect(report.notifications).toBe(1);
  });

  it('no worker exited on its own: each was still working when stopped, and stopped cleanly', () => {
    for (const w of report.workers) {
      expect(w.signal).toBeNull();
      expect(w.code).toBe(0);
      expect(w.records.some((r) => r.msg === 'worker stopped')).toBe(true);
    }
    // The outage was seen (at least one process logged it; an idle one may not have asked the
    // database while it was down), and they all went on: the day completed above.
    const noticed = [report.coordinator, ...report.workers].filter((p) =>
      p.records.some((r) => r.msg === 'database unreachable; trying again' || r.msg === 'job queue error'),
    );
    expect(noticed.length).toBeGreaterThan(0);
  });

  it('none spun while the database was down (well under half a core each)', () => {
    for (const cpu of outage.cpu) expect(cpu / (outage.ms / 1000)).toBeLessThan(0.5);
  });
});

// The daily schedule of `serve`: on PostgreSQL, two instances register one schedule and fire it once
// per due minute; on the embedded database, a second `serve` on the same DATA_DIR is refused clearly,
// and SIGTERM stops the first one cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import { systemClock } from '../../src/lib/clock.js';
import { defaultProcessDate, localToday } from '../../src/lib/dates.js';
import {
  SCHEDULE_QUEUE,
  type Scheduler,
  startScheduler,
  workDailyRun,
} from '../../src/scheduler/daily-schedule.js';
import { startDays } from '../../src/scheduler/day-jobs.js';
import { type JobQueue, QUEUES, startJobQueue } from '../../src/scheduler/job-queue.js';
import { type DbHandle, openDb } from '../../src/store/db.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';

const Q = '11111111-1111-4111-8111-111111111111';
const TZ = 'America/Lima';
const pgUrl = requirePostgres();
const silent = pino({ level: 'silent' });

interface Instance {
  store: DbHandle;
  queue: JobQueue;
  scheduler: Scheduler;
}

describe.skipIf(!pgUrl)('schedule on PostgreSQL with two serve instances', () => {
  let testDb: TestDatabase;
  const instances: Instance[] = [];
  const rows = async (text: string, values: unknown[] = []) =>
    (await instances[0]!.store.sql.executeSql(text, values)).rows as Record<string, unknown>[];

  beforeAll(async () => {
    testDb = await createTestDatabase('serve_schedule');
    const config = parseConfig({ GENESYS_QUEUE_IDS: Q, TIMEZONE: TZ, RECONCILE_DAYS: '0' });
    for (let i = 0; i < 2; i++) {
      const store = await openDb({ databaseUrl: testDb.url, dataDir: '/nonexistent' });
      const queue = await startJobQueue(store, silent);
      // Every minute, checked every second: `* * * * *` is due at once (its last minute began < 60 s
      // ago), so both instances race to fire it right after start.
      const scheduler = await startScheduler(store, silent, {
        cron: '* * * * *',
        timezone: TZ,
        cronMonitorIntervalSeconds: 1,
      });
      const start = (request: object) =>
        startDays({ db: store.db, config, clock: systemClock, logger: silent, queue }, request);
      await workDailyRun(queue, start, silent);
      instances.push({ store, queue, scheduler });
    }
  });

  afterAll(async () => {
    for (const i of instances) {
      await i.scheduler.stop();
      await i.queue.stop();
      await i.store.close();
    }
    await testDb?.drop();
  });

  it('keeps one schedule row however many instances registered it', async () => {
    for (const i of instances) {
      const schedules = await i.scheduler.boss.getSchedules();
      expect(schedules).toHaveLength(1);
      expect(schedules[0]).toMatchObject({ name: SCHEDULE_QUEUE, cron: '* * * * *', timezone: TZ });
    }
  });

  it('fires once per due minute, and the fired job enqueues the default process date once', async () => {
    const started = Date.now();
    for (;;) {
      const done = await rows(`select id from pgboss.job where name = $1 and state = 'completed'`, [
        SCHEDULE_QUEUE,
      ]);
      if (done.length > 0) break;
      if (Date.now() - started > 30_000) throw new Error('the schedule did not fire within 30 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    // Let both instances evaluate the cron a few more times (every second) before counting.
    await new Promise((r) => setTimeout(r, 5000));
    const sends = await rows(
      `select singleton_on, count(*)::int as n from pgboss.job where name = '__pgboss__send-it' and singleton_key = $1 group by 1`,
      [SCHEDULE_QUEUE],
    );
    expect(sends.length).toBeGreaterThanOrEqual(1);
    for (const s of sends) expect(s.n).toBe(1);
    const fired = await rows(`select count(*)::int as n from pgboss.job where name = $1`, [SCHEDULE_QUEUE]);
    expect(fired[0]!.n).toBe(sends.length);
    const days = await rows(`select data from pgboss.job where name = $1`, [QUEUES.extractDay]);
    expect(days.map((d) => d.data)).toEqual([
      { processDate: defaultProcessDate(localToday(Date.now(), TZ)), queueIds: [Q] },
    ]);
  }, 60_000);
});

function serve(env: Record<string, string>): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['bin/audio-extract.js', 'serve', '--no-schedule'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('serve on the embedded database', () => {
  let dir: string;
  let env: Record<string, string>;
  let first: ReturnType<typeof serve> | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-serve-'));
    env = {
      DATA_DIR: dir,
      PORT: '0',
      GENESYS_QUEUE_IDS: Q,
      GENESYS_CLOUD_CLIENT_ID: 'id',
      GENESYS_CLOUD_CLIENT_SECRET: 'secret',
      GENESYS_CLOUD_BASE_URL: 'http://127.0.0.1:9',
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    if (first && first.child.exitCode === null) first.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second instance on the same DATA_DIR with DB_IN_USE, and stops the first on SIGTERM', async () => {
    first = serve(env);
    const started = Date.now();
    while (!/listening on (http:\/\/\S+)/.test(first.stdout())) {
      if (first.child.exitCode !== null) throw new Error(`serve exited: ${first.stderr()}`);
      if (Date.now() - started > 180_000) throw new Error(`serve did not start: ${first.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const address = /listening on (http:\/\/\S+)/.exec(first.stdout())![1]!;
    expect((await fetch(`${address}/readyz`)).status).toBe(200);

    const second = serve(env);
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toMatch(/is already in use by another audio-extract process \(pid \d+\)/);
    expect(second.stderr()).toContain('use PostgreSQL (DATABASE_URL)');
    expect((await fetch(`${address}/healthz`)).status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(existsSync(path.join(dir, 'db', 'audio-extract.lock'))).toBe(false);
  }, 300_000);
});

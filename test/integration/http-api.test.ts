// The operations API on a real embedded database (PGlite) seeded through the store functions, with the
// real job queue (pg-boss) behind the write actions. Requests go through app.inject().
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import { type AppDeps, buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics/index.js';
import { startDays } from '../../src/scheduler/day-jobs.js';
import { type JobQueue, QUEUES, startJobQueue } from '../../src/scheduler/job-queue.js';
import { LocalStorage } from '../../src/storage/local.js';
import { createBatch, finishBatch, markBatchSubmitted } from '../../src/store/batches.js';
import { recordLookup, upsertConversations } from '../../src/store/conversations.js';
import { type DbHandle, openDb } from '../../src/store/db.js';
import { recordDownloaded, recordOutcome } from '../../src/store/recordings.js';
import { finishRun, startRuns } from '../../src/store/runs.js';

const Q1 = '11111111-1111-4111-8111-111111111111';
const Q2 = '22222222-2222-4222-8222-222222222222';
const DAY = '2026-11-20';
const NOW = Date.parse('2026-11-24T15:00:00Z'); // 10:00 in Lima
const clock = { now: () => NOW, sleep: async () => {} };

let dir: string;
let store: DbHandle;
let queue: JobQueue;

async function seed(db: DbHandle['db']): Promise<void> {
  await startRuns(db, DAY, [Q1, Q2]);
  const conv = (i: number, queueId: string, durationMs: number) => ({
    conversationId: `c-${i}`,
    processDate: DAY,
    queueId,
    queueIds: [queueId],
    agentUserIds: [`u-${i}`],
    conversationStart: `${DAY}T1${i}:00:00.000Z`,
    conversationEnd: `${DAY}T1${i}:05:00.000Z`,
    durationMs,
    direction: 'inbound',
    state: 'ready' as const,
    recorded: true,
  });
  await upsertConversations(db, [
    conv(1, Q1, 45_000),
    conv(2, Q1, 200_000),
    conv(3, Q1, 250_000),
    conv(4, Q2, 700_000),
  ]);
  for (const i of [1, 2, 3, 4]) {
    await recordLookup(db, `c-${i}`, DAY, [
      { recordingId: `r-${i}`, media: 'audio', fileState: 'AVAILABLE', state: 'pending', reason: null },
    ]);
  }
  const batch = await createBatch(
    db,
    DAY,
    [1, 2, 3, 4].map((i) => ({ conversationId: `c-${i}`, recordingId: `r-${i}` })),
  );
  await markBatchSubmitted(db, batch.id, 'job-1');
  await recordDownloaded(
    db,
    { conversationId: 'c-1', recordingId: 'r-1' },
    { file: 'c-1.wav', bytes: 1000, sha256: 'a'.repeat(64), contentType: 'audio/wav' },
  );
  await recordDownloaded(
    db,
    { conversationId: 'c-4', recordingId: 'r-4' },
    { file: 'c-4.wav', bytes: 3000, sha256: 'b'.repeat(64), contentType: 'audio/wav' },
  );
  await recordOutcome(
    db,
    { conversationId: 'c-2', recordingId: 'r-2' },
    'failed',
    'download failed: HTTP 500',
  );
  await recordOutcome(
    db,
    { conversationId: 'c-3', recordingId: 'r-3' },
    'failed',
    'download failed: HTTP 500',
  );
  await finishBatch(db, batch.id, 'completed');
  await finishRun(db, DAY, Q1, 'SUCCESS', { conversations: 3, recordings: 3 }, null);
  await finishRun(db, DAY, Q2, 'FAILED', {}, 'boom');
}

function appDeps(over: Partial<AppDeps['config']> = {}, extra: Partial<AppDeps> = {}): AppDeps {
  const config = parseConfig({ DATA_DIR: dir, GENESYS_QUEUE_IDS: `${Q1},${Q2}`, TIMEZONE: 'America/Lima' });
  return {
    config: { ...config, ...over },
    db: store.db,
    storage: new LocalStorage(path.join(dir, 'audio')),
    ping: async () => {
      await store.sql.executeSql('select 1', []);
    },
    startDays: (request) =>
      startDays({ db: store.db, config, clock, logger: pino({ level: 'silent' }), queue }, request),
    metrics: createMetrics({ db: store.db, processMetrics: false }),
    clock,
    ...extra,
  };
}

let app: FastifyInstance;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-http-'));
  store = await openDb({ dataDir: dir });
  queue = await startJobQueue(store, pino({ level: 'silent' }));
  await seed(store.db);
  app = await buildApp(appDeps());
});
afterAll(async () => {
  await app?.close();
  await queue?.stop();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const json = { 'content-type': 'application/json' };

describe('health', () => {
  it('answers liveness and readiness while the database is up', async () => {
    expect((await app.inject('/healthz')).json()).toMatchObject({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('reports not ready (503, DB_UNREACHABLE) when the database does not answer', async () => {
    const down = await buildApp(
      appDeps({}, { ping: async () => Promise.reject(new Error('connection refused')) }),
    );
    const res = await down.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('DB_UNREACHABLE');
    await down.close();
  });
});

describe('GET /api/runs', () => {
  it('lists the runs with their progress', async () => {
    const res = await app.inject('/api/runs');
    expect(res.statusCode).toBe(200);
    const runs = res.json().runs;
    expect(runs).toHaveLength(2);
    const q1 = runs.find((r: { queueId: string }) => r.queueId === Q1);
    expect(q1).toMatchObject({
      processDate: DAY,
      status: 'SUCCESS',
      attempts: 1,
      counts: { conversations: 3 },
    });
    expect(q1.progress).toEqual({
      total: 3,
      done: 3,
      conversations: 3,
      byState: { downloaded: 1, failed: 2 },
    });
    expect(typeof q1.durationMs).toBe('number');
  });

  it('filters by status, queue and date range', async () => {
    const failed = (await app.inject('/api/runs?status=FAILED')).json().runs;
    expect(failed.map((r: { queueId: string }) => r.queueId)).toEqual([Q2]);
    expect((await app.inject(`/api/runs?queue=${Q1}`)).json().runs).toHaveLength(1);
    expect((await app.inject('/api/runs?from=2026-11-21&to=2026-11-23')).json().runs).toHaveLength(0);
    expect((await app.inject(`/api/runs?from=${DAY}&to=${DAY}`)).json().runs).toHaveLength(2);
  });

  it('rejects a bad filter with the error shape', async () => {
    for (const url of [
      '/api/runs?from=20-11-2026',
      '/api/runs?from=2026-02-30',
      '/api/runs?status=DONE',
      '/api/runs?limit=0',
      '/api/runs?nope=1',
      '/api/runs?from=2026-11-22&to=2026-11-21',
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe('BAD_REQUEST');
      expect(res.json().error.message, url).toBeTruthy();
    }
  });
});

describe('GET /api/runs/:date/:queueId', () => {
  it('gives the run with its batches and failures grouped by reason', async () => {
    const res = await app.inject(`/api/runs/${DAY}/${Q1}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.run.status).toBe('SUCCESS');
    expect(body.batches).toHaveLength(1);
    expect(body.batches[0]).toMatchObject({ jobId: 'job-1', status: 'completed', items: 4, submissions: 1 });
    expect(body.failures).toEqual([{ state: 'failed', reason: 'download failed: HTTP 500', count: 2 }]);
  });

  it('answers 404 RUN_NOT_FOUND for a run that does not exist', async () => {
    const res = await app.inject(`/api/runs/2026-11-19/${Q1}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'RUN_NOT_FOUND', message: expect.any(String) } });
    expect((await app.inject(`/api/runs/${DAY}/not-a-queue`)).statusCode).toBe(400);
  });
});

describe('GET /api/days/:date/recordings', () => {
  it('pages the recordings of a date, filtered by status', async () => {
    const all = (await app.inject(`/api/days/${DAY}/recordings`)).json();
    expect(all.total).toBe(4);
    const page = (await app.inject(`/api/days/${DAY}/recordings?status=failed&limit=1&offset=1`)).json();
    expect(page).toMatchObject({ processDate: DAY, total: 2, limit: 1, offset: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      conversationId: 'c-3',
      state: 'failed',
      reason: 'download failed: HTTP 500',
      queueId: Q1,
    });
    const q2 = (await app.inject(`/api/days/${DAY}/recordings?queue=${Q2}`)).json();
    expect(q2.items.map((r: { recordingId: string }) => r.recordingId)).toEqual(['r-4']);
    expect((await app.inject(`/api/days/${DAY}/recordings?limit=501`)).statusCode).toBe(400);
  });
});

describe('GET /api/days/:date/manifest and manifest.csv', () => {
  it('downloads the manifest file, or 404 MANIFEST_NOT_FOUND before the first run wrote it', async () => {
    for (const file of ['manifest', 'manifest.csv']) {
      const missing = await app.inject(`/api/days/${DAY}/${file}`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('MANIFEST_NOT_FOUND');
    }
    const audio = path.join(dir, 'audio', DAY);
    await mkdir(audio, { recursive: true });
    await writeFile(path.join(audio, 'manifest.jsonl'), '{"conversationId":"c-1"}\n');
    await writeFile(path.join(audio, 'manifest.csv'), '\uFEFFconversationId\r\nc-1\r\n');
    const res = await app.inject(`/api/days/${DAY}/manifest`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="manifest-${DAY}.jsonl"`);
    expect(res.headers['content-length']).toBe('25');
    expect(res.body).toBe('{"conversationId":"c-1"}\n');
    const csv = await app.inject(`/api/days/${DAY}/manifest.csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="manifest-${DAY}.csv"`);
    expect(csv.body).toBe('\uFEFFconversationId\r\nc-1\r\n');
  });
});

describe('POST /api/runs', () => {
  it('enqueues an extract-day job for the date (202 with the job id)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/runs',
      headers: json,
      payload: { processDate: '2026-11-22' },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ processDate: '2026-11-22', queueIds: [Q1, Q2] });
    const job = await queue.boss.getJobById(QUEUES.extractDay, body.jobId);
    expect(job?.data).toEqual({ processDate: '2026-11-22', queueIds: [Q1, Q2] });
  });

  it('refuses dates that cannot be extracted and malformed bodies', async () => {
    const post = (payload: unknown, headers: Record<string, string> = json) =>
      app.inject({ method: 'POST', url: '/api/runs', headers, payload: payload as string });
    const today = await post({ processDate: '2026-11-24' });
    expect(today.statusCode).toBe(400);
    expect(today.json().error.code).toBe('INVALID_DATE');
    expect((await post({ processDate: '2026-11-25' })).json().error.code).toBe('INVALID_DATE');
    // a day older than the details query's look-back is a backfill: read through the details jobs
    expect((await post({ processDate: '2026-09-01' })).statusCode).toBe(202);
    expect((await post({ processDate: '2026-11-22', extra: 1 })).statusCode).toBe(400);
    expect((await post({ processDate: '2026-11-22', queueIds: ['x'] })).statusCode).toBe(400);
    expect((await post({})).json().error.code).toBe('BAD_REQUEST');
    const form = await post('processDate=2026-11-22', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.statusCode).toBe(415);
    expect(form.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('POST /api/days/:date/retry', () => {
  it('puts the failed recordings back to pending and enqueues the date', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/days/${DAY}/retry`,
      headers: json,
      payload: {},
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ processDate: DAY, requeued: 2, notReady: 0, queueIds: [Q1, Q2] });
    const pending = (await app.inject(`/api/days/${DAY}/recordings?status=pending`)).json();
    expect(pending.total).toBe(2);
    const job = await queue.boss.getJobById(QUEUES.extractDay, res.json().jobId);
    expect(job?.data).toMatchObject({ processDate: DAY });
  });

  it('answers 404 for a date that was never run', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/days/2026-11-21/retry',
      headers: json,
      payload: {},
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('RUN_NOT_FOUND');
  });
});

describe('stats for the dashboard', () => {
  it('gives 30 days of recordings by state, API calls included', async () => {
    const body = (await app.inject('/api/stats/daily')).json();
    expect(body).toMatchObject({ from: '2026-10-25', to: '2026-11-23' });
    expect(body.days).toHaveLength(30);
    const day = body.days.find((d: { processDate: string }) => d.processDate === DAY);
    expect(day).toMatchObject({ apiCalls: 0, rateLimited: 0 });
    expect(day.byState.downloaded).toBe(2);
  });

  it('gives the handle-time distribution', async () => {
    const res = await app.inject(`/api/stats/handle-time?from=${DAY}&to=${DAY}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.total).toBe(4);
    const count = (fromS: number) => body.buckets.find((b: { fromS: number }) => b.fromS === fromS)?.count;
    expect([count(30), count(180), count(600)]).toEqual([1, 2, 1]);
    expect(body.buckets.at(-1).toS).toBeNull();
  });

  it('describes the service', async () => {
    expect((await app.inject('/api/info')).json()).toMatchObject({
      timezone: 'America/Lima',
      today: '2026-11-24',
      defaultProcessDate: '2026-11-23',
      queueIds: [Q1, Q2],
      writeNeedsToken: false,
    });
  });
});

describe('errors and the dashboard', () => {
  it('answers unknown routes with 404 NOT_FOUND in the error shape', async () => {
    const res = await app.inject('/api/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('serves the dashboard with a strict content security policy', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });
});

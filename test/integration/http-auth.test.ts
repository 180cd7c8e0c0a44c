// Who may call what: loopback without a token is open; a configured token guards writes; a non-loopback
// bind address needs a token for everything but health checks and the dashboard's files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import { type AppDeps, buildApp } from '../../src/http/app.js';
import { tokenMatches } from '../../src/http/auth.js';
import { isLoopbackHost as isLoopback } from '../../src/lib/addresses.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { DayRequest } from '../../src/scheduler/plan-days.js';
import { LocalStorage } from '../../src/storage/local.js';
import { type DbHandle, openDb } from '../../src/store/db.js';

const Q = '11111111-1111-4111-8111-111111111111';
const TOKEN = 'a-very-secret-api-token-0123456789';
const NOW = Date.parse('2026-11-24T15:00:00Z');
let dir: string;
let store: DbHandle;
const started: DayRequest[] = [];

function deps(env: Record<string, string>): AppDeps {
  const config = parseConfig({ DATA_DIR: dir, GENESYS_QUEUE_IDS: Q, ...env });
  return {
    config,
    db: store.db,
    storage: new LocalStorage(path.join(dir, 'audio')),
    ping: async () => {},
    // The job queue itself is exercised in http-api.test.ts; here only whether the call got through matters.
    startDays: async (request) => {
      started.push(request);
      return [
        {
          processDate: request.date!,
          queueIds: [...(request.queueIds ?? [])],
          jobId: `job-${started.length}`,
        },
      ];
    },
    metrics: createMetrics({ db: store.db, processMetrics: false }),
    clock: { now: () => NOW, sleep: async () => {} },
  };
}

const post = (app: FastifyInstance, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { 'content-type': 'application/json', ...headers },
    payload: { processDate: '2026-11-20' },
  });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-auth-'));
  store = await openDb({ dataDir: dir });
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('loopback without a token', () => {
  it('lets a local operator read and trigger runs', async () => {
    const app = await buildApp(deps({}));
    expect((await app.inject('/api/runs')).statusCode).toBe(200);
    expect((await post(app)).statusCode).toBe(202);
    await app.close();
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const app = await buildApp(deps({}));
    const res = await app.inject({ url: '/api/runs', headers: { host: 'evil.example:8080' } });
    expect(res.statusCode).toBe(421);
    expect(res.json().error.code).toBe('MISDIRECTED_REQUEST');
    await app.close();
  });
});

describe('loopback with API_TOKEN', () => {
  it('keeps reads open but needs the bearer token for writes', async () => {
    const app = await buildApp(deps({ API_TOKEN: TOKEN }));
    expect((await app.inject('/api/runs')).statusCode).toBe(200);
    const missing = await post(app);
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message: expect.stringContaining('Bearer') },
    });
    const wrong = await post(app, { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe('the bearer token is not valid');
    expect((await post(app, { authorization: `Basic ${TOKEN}` })).statusCode).toBe(401);
    const before = started.length;
    expect((await post(app, { authorization: `Bearer ${TOKEN}` })).statusCode).toBe(202);
    expect(started.length).toBe(before + 1);
    expect((await app.inject('/api/info')).json().writeNeedsToken).toBe(true);
    await app.close();
  });
});

describe('bound to a non-loopback address', () => {
  it('refuses to start without API_TOKEN', async () => {
    await expect(buildApp(deps({ HOST: '0.0.0.0' }))).rejects.toThrow(/API_TOKEN is not set/);
  });

  it('needs the token for the API and metrics, not for health checks and the dashboard', async () => {
    const app = await buildApp(deps({ HOST: '0.0.0.0', API_TOKEN: TOKEN }));
    for (const url of ['/api/runs', '/api/info', '/metrics', `/api/days/2026-11-20/manifest`]) {
      const res = await app.inject({ url, headers: { host: 'ops.example.com' } });
      expect(res.statusCode, url).toBe(401);
    }
    for (const url of ['/healthz', '/readyz', '/']) {
      expect((await app.inject({ url, headers: { host: 'ops.example.com' } })).statusCode, url).toBe(200);
    }
    const auth = { authorization: `Bearer ${TOKEN}`, host: 'ops.example.com' };
    expect((await app.inject({ url: '/api/runs', headers: auth })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics', headers: auth })).body).toContain('audio_extract_recordings');
    expect((await post(app, auth)).statusCode).toBe(202);
    expect((await post(app, { host: 'ops.example.com' })).statusCode).toBe(401);
    await app.close();
  });
});

describe('token helpers', () => {
  it('compares tokens exactly, whatever their lengths', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });

  it('knows the loopback addresses', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.5', '::', 'example.com']) expect(isLoopback(h), h).toBe(false);
  });
});

// Security item 1 (issue 14): the API token is decided on the route the router matched, not on the URL
// text, so no spelling of a path reaches a protected route without the token. Every request goes over a
// real socket, byte for byte as written (test/support/raw-http.ts), to a service bound "beyond loopback".

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../src/storage/local.js';
import { type LiveApp, startApp, TEST_QUEUE, TEST_TOKEN } from '../support/http-app.js';
import { rawRequest } from '../support/raw-http.js';

const DATE = '2026-11-20';
const HOST = { host: 'ops.example.com' };
let live: LiveApp;

beforeAll(async () => {
  live = await startApp({ HOST: '0.0.0.0', API_TOKEN: TEST_TOKEN });
  await new LocalStorage(path.join(live.dataDir, 'audio')).publishDay(DATE, [
    {
      conversationId: 'c1',
      recordingId: 'r1',
      queueId: TEST_QUEUE,
      queueIds: [TEST_QUEUE],
      agentUserIds: [],
      conversationStart: '2026-11-20T15:00:00.000Z',
      conversationEnd: null,
      durationMs: null,
      direction: null,
      contentType: null,
      file: null,
      bytes: null,
      sha256: null,
      status: 'pending',
      reason: 'a secret the manifest holds',
    },
  ]);
});
afterAll(() => live?.close());

// Spellings of protected routes. The router decodes %XX before matching, so the first group reaches the
// real routes; the others match nothing and must still not answer without the token.
const ENCODED = [
  ['GET', '/%61pi/runs'],
  ['GET', '/%61pi/info'],
  ['GET', '/metric%73'],
  ['GET', `/%61pi/days/${DATE}/manifest`],
  ['HEAD', '/%61pi/runs'],
  ['GET', '/%61%70%69/runs'],
  ['GET', '/api/run%73'],
  ['GET', '/api/runs?limit=%35'],
  ['HEAD', '/metric%73'],
] as const;
const UNMATCHED = [
  ['GET', '/%2561pi/runs'], // double encoding
  ['GET', '/%252561pi/runs'],
  ['GET', '/api/runs/'], // trailing slashes
  ['GET', '/metrics/'],
  ['GET', '/api/info//'],
  ['HEAD', '/api/runs/'],
  ['GET', '/API/runs'], // mixed case
  ['GET', '/Api/Info'],
  ['GET', '/METRICS'],
  ['GET', '/%41pi/runs'],
  ['GET', '//api/runs'],
  ['GET', '/./api/runs'],
  ['GET', '/x/../api/runs'],
  ['GET', '/api/runs;x'],
  ['GET', '/api/nothing-here'],
  ['GET', '/no-such-page'],
] as const;

describe('item 1: the token check cannot be bypassed by spelling the path differently', () => {
  it.each(ENCODED)('%s %s without the token answers 401', async (method, target) => {
    const res = await rawRequest(live.port, method, target, HOST);
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('a secret the manifest holds');
  });

  it.each(ENCODED)('%s %s with the token reaches the route', async (method, target) => {
    const res = await rawRequest(live.port, method, target, {
      ...HOST,
      authorization: `Bearer ${TEST_TOKEN}`,
    });
    expect(res.status).toBe(200);
  });

  it.each(UNMATCHED)('%s %s (no such route) answers 401 without the token', async (method, target) => {
    const res = await rawRequest(live.port, method, target, HOST);
    expect(res.status).toBe(401);
    if (method !== 'HEAD') expect(JSON.parse(res.body).error.code).toBe('UNAUTHORIZED');
  });

  it('a write through an encoded path needs the token too', async () => {
    const json = { ...HOST, 'content-type': 'application/json' };
    const body = JSON.stringify({ processDate: DATE });
    expect((await rawRequest(live.port, 'POST', '/%61pi/runs', json, body)).status).toBe(401);
    const auth = { ...json, authorization: `Bearer ${TEST_TOKEN}` };
    expect((await rawRequest(live.port, 'POST', '/%61pi/runs', auth, body)).status).toBe(202);
  });

  it('an unmatched route with the token is a plain 404 in the error shape', async () => {
    const res = await rawRequest(live.port, 'GET', '/API/runs', {
      ...HOST,
      authorization: `Bearer ${TEST_TOKEN}`,
    });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error.code).toBe('NOT_FOUND');
  });

  it('only the health checks and the dashboard files are public', async () => {
    for (const [method, target] of [
      ['GET', '/healthz'],
      ['GET', '/readyz'],
      ['HEAD', '/healthz'],
      ['GET', '/%68ealthz'],
      ['GET', '/'],
      ['GET', '/index.html'],
      ['GET', '/app.css'],
      ['GET', '/js/app.js'],
      ['GET', '/js/%61pp.js'],
    ] as const) {
      expect((await rawRequest(live.port, method, target, HOST)).status, `${method} ${target}`).toBe(200);
    }
  });
});

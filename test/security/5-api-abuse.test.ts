// Security item 5 (issue 14): abuse of the API. A client that floods the service is slowed down per
// client address; refused tokens are logged without the token; a client that never finishes its request
// is cut off; Fastify's own errors come in the one documented error shape; the public readiness check
// does not tell strangers where the database lives.
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveApp, startApp, TEST_TOKEN } from '../support/http-app.js';
import { rawExchange, rawRequest } from '../support/raw-http.js';

const EXPOSED = { HOST: '0.0.0.0', API_TOKEN: TEST_TOKEN };
const HOST = { host: 'ops.example.com' };
const AUTH = { ...HOST, authorization: `Bearer ${TEST_TOKEN}` };
function capturedLogger() {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => lines.push(...c.toString('utf8').split('\n').filter(Boolean)));
  return { logger: pino({ level: 'info' }, stream), lines };
}

const errorShape = (body: string) => {
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(typeof parsed.error?.code).toBe('string');
  expect(typeof parsed.error?.message).toBe('string');
  return parsed.error as { code: string; message: string };
};

// One service for every check but the rate limit: a short request timeout, a database that does not
// answer (only /readyz asks it) and a log the test reads.
const log = capturedLogger();
let live: LiveApp;
beforeAll(async () => {
  live = await startApp(EXPOSED, {
    logger: log.logger,
    tune: { requestTimeoutMs: 600 },
    ping: async () => {
      throw new Error('connect ECONNREFUSED 10.20.30.40:5432 (db-primary.internal)');
    },
  });
});
afterAll(() => live?.close());

describe('item 5: abuse of the API', () => {
  it('limits requests per client address, in the error shape, and counts each client apart', async () => {
    const limitedApp = await startApp({ ...EXPOSED, API_RATE_LIMIT_PER_MINUTE: '5' });
    try {
      await checkRateLimit(limitedApp);
    } finally {
      await limitedApp.close();
    }
  });

  async function checkRateLimit(live: LiveApp) {
    for (let i = 0; i < 5; i++) {
      expect((await rawRequest(live.port, 'GET', '/api/runs', AUTH)).status).toBe(200);
    }
    const limited = await rawRequest(live.port, 'GET', '/api/runs', AUTH);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(errorShape(limited.body).code).toBe('RATE_LIMITED');
    // Failed logins count too, and so do unknown paths: guessing costs the same as using.
    expect((await rawRequest(live.port, 'GET', '/api/runs', HOST)).status).toBe(429);
    expect((await rawRequest(live.port, 'GET', '/nope', HOST)).status).toBe(429);
    // Another client (another source address) still gets through.
    const other = await rawRequest(live.port, 'GET', '/api/runs', AUTH, '', { localAddress: '127.0.0.2' });
    expect(other.status).toBe(200);
  }

  it('logs a refused token with the route and the client, never the token itself', async () => {
    const { lines } = log;
    const before = lines.length;
    const wrong = `${TEST_TOKEN}-but-one-character-longer`;
    const res = await rawRequest(live.port, 'GET', '/%61pi/runs', {
      ...HOST,
      authorization: `Bearer ${wrong}`,
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    const refused = lines
      .slice(before)
      .map((l) => JSON.parse(l))
      .filter((l) => /401/.test(l.msg ?? ''));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ route: '/api/runs', method: 'GET', reason: 'invalid token' });
    expect(lines.join('\n')).not.toContain(wrong);
    expect(lines.join('\n')).not.toContain(TEST_TOKEN);
  });

  it('cuts off a client that does not finish sending its request', async () => {
    const started = Date.now();
    // Headers never end: a slow-loris client holding a connection open.
    const res = await rawExchange(live.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 15_000);
    expect(res.status).toBe(408);
    expect(errorShape(res.body).code).toBe('REQUEST_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each([
    ['a bad percent-encoding in the path', 'GET', '/api/runs%zz', {}, '', 400, 'BAD_REQUEST'],
    ['a bad percent-encoding in a public path', 'GET', '/healthz%', {}, '', 400, 'BAD_REQUEST'],
    [
      'a body over 64 KiB',
      'POST',
      '/api/runs',
      { 'content-type': 'application/json' },
      JSON.stringify({ processDate: '2026-11-20', pad: 'x'.repeat(70_000) }),
      413,
      'BODY_TOO_LARGE',
    ],
    [
      'an unsupported media type',
      'POST',
      '/api/runs',
      { 'content-type': 'application/jsonx' },
      '{}',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'malformed JSON',
      'POST',
      '/api/runs',
      { 'content-type': 'application/json' },
      '{"a":',
      400,
      'BAD_REQUEST',
    ],
  ] as const)(
    'answers %s in the one error shape',
    async (_what, method, target, headers, body, status, code) => {
      const res = await rawRequest(live.port, method, target, { ...AUTH, ...headers }, body);
      expect(res.status).toBe(status);
      expect(errorShape(res.body).code).toBe(code);
    },
  );

  it('answers a malformed HTTP request in the one error shape', async () => {
    const res = await rawExchange(live.port, 'GET /healthz HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n');
    expect(res.status).toBe(400);
    expect(errorShape(res.body).code).toBe('BAD_REQUEST');
  });

  it('says "database unreachable" on /readyz without the driver message', async () => {
    const res = await rawRequest(live.port, 'GET', '/readyz', HOST);
    expect(res.status).toBe(503);
    const error = errorShape(res.body);
    expect(error).toEqual({ code: 'DB_UNREACHABLE', message: 'database unreachable' });
    expect(res.body).not.toContain('10.20.30.40');
    await new Promise((r) => setTimeout(r, 50));
    // The operator still finds the cause in the service log.
    expect(log.lines.join('\n')).toContain('ECONNREFUSED 10.20.30.40:5432');
  });
});

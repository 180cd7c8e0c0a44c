// Token endpoint, bearer checks, rate limiting, headers and unknown routes of the Genesys emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';

const QUERY = '/api/v2/analytics/conversations/details/query';
const INTERVAL = '2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z';
let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

function basic(id: string, secret: string) {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function tokenRequest(
  e: Emulator,
  auth: string,
  body = 'grant_type=client_credentials',
  type = 'application/x-www-form-urlencoded',
) {
  const res = await fetch(`${e.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': type },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function token(e: Emulator, id = 'emulator', secret = 'emulator'): Promise<string> {
  const r = await tokenRequest(e, basic(id, secret));
  return r.body.access_token as string;
}

function query(e: Emulator, tok: string | undefined, body: unknown = { interval: INTERVAL }) {
  return fetch(`${e.url}${QUERY}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) },
    body: JSON.stringify(body),
  });
}

describe('emulator /oauth/token', () => {
  it('issues an opaque bearer token for the configured client', async () => {
    emu = await buildEmulator();
    const r = await tokenRequest(emu, basic('emulator', 'emulator'));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 86399 });
    expect((r.body.access_token as string).length).toBeGreaterThan(20);
  });

  it('answers OAuth-style 401 bodies for a wrong secret and an unknown client', async () => {
    emu = await buildEmulator();
    const wrong = await tokenRequest(emu, basic('emulator', 'nope'));
    expect(wrong).toEqual({
      status: 401,
      body: {
        error: 'invalid_client',
        description: 'authentication failed',
        error_description: 'authentication failed',
      },
    });
    const unknown = await tokenRequest(emu, basic('someone', 'x'));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ error: 'invalid_client', description: 'client not found' });
  });

  it('rejects a missing or wrong grant_type and a JSON body with 400', async () => {
    emu = await buildEmulator();
    const auth = basic('emulator', 'emulator');
    expect((await tokenRequest(emu, auth, '')).body.error).toBe('invalid_request');
    const wrongGrant = await tokenRequest(emu, auth, 'grant_type=password');
    expect(wrongGrant).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const json = await tokenRequest(
      emu,
      auth,
      JSON.stringify({ grant_type: 'client_credentials' }),
      'application/json',
    );
    expect(json).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('accepts extra clients and records the client id in the journal', async () => {
    emu = await buildEmulator({ extraClients: [{ clientId: 'other', clientSecret: 's3cret' }] });
    expect((await tokenRequest(emu, basic('other', 's3cret'))).status).toBe(200);
    const entry = emu.journal.entries().at(-1);
    expect(entry).toMatchObject({
      method: 'POST',
      path: '/oauth/token',
      status: 200,
      authorization: 'basic',
      clientId: 'other',
    });
  });
});

describe('emulator bearer authentication', () => {
  it('answers 401 authentication.required without a bearer token, with correlation and rate headers', async () => {
    emu = await buildEmulator();
    const res = await query(emu, undefined);
    expect(res.status).toBe(401);
    const id = res.headers.get('inin-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('inin-ratelimit-allowed')).toBe('300');
    expect(await res.json()).toEqual({
      message: 'No authentication bearer token specified in authorization header.',
      code: 'authentication.required',
      status: 401,
      contextId: id,
      details: [],
      errors: [],
    });
  });

  it('answers 401 bad.credentials for unknown and expired tokens', async () => {
    let now = Date.parse('2024-05-03T10:00:00Z');
    emu = await buildEmulator({ tokenTtlSeconds: 5, now: () => now });
    expect(((await (await query(emu, 'made-up')).json()) as { code: string }).code).toBe('bad.credentials');
    const tok = await token(emu);
    expect((await query(emu, tok)).status).toBe(200);
    now += 5_000;
    const expired = await query(emu, tok);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { code: string }).code).toBe('bad.credentials');
  });
});

describe('emulator rate limit', () => {
  it('counts requests per OAuth client and answers the normalized 429 with Retry-After', async () => {
    const now = Date.parse('2024-05-03T10:00:00Z');
    emu = await buildEmulator({ ratePerMinute: 3, now: () => now });
    const tok = await token(emu);
    for (let i = 1; i <= 3; i++) {
      const ok = await query(emu, tok);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('inin-ratelimit-count')).toBe(String(i));
      expect(ok.headers.get('inin-ratelimit-allowed')).toBe('3');
      expect(ok.headers.get('inin-ratelimit-reset')).toBe('60');
    }
    const limited = await query(emu, tok);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    const id = limited.headers.get('inin-correlation-id');
    expect(await limited.json()).toEqual({
      message: 'Rate limit exceeded the maximum. Retry the request in [60] seconds',
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: id,
      details: [],
      errors: [],
    });
    // A second token of the same client (another process) shares the budget …
    expect((await query(emu, await token(emu))).status).toBe(429);
    // … and the journal's view of the limiter shows one window at its limit, with the two refusals.
    expect(emu.journal.rateWindows('emulator')).toEqual([
      { clientId: 'emulator', start: now, end: now + 60_000, limit: 3, counted: 3, limited: 2 },
    ]);
  });

  it('gives another client its own budget, and each token its own with rateLimitScope token', async () => {
    const now = Date.parse('2024-05-03T10:00:00Z');
    emu = await buildEmulator({
      ratePerMinute: 1,
      now: () => now,
      extraClients: [{ clientId: 'other', clientSecret: 'other' }],
    });
    expect((await query(emu, await token(emu))).status).toBe(200);
    expect((await query(emu, await token(emu))).status).toBe(429);
    expect((await query(emu, await token(emu, 'other', 'other'))).status).toBe(200);
    const windows = await (await fetch(`${emu.url}/emulator/rate-windows?clientId=other`)).json();
    expect(windows).toEqual([
      { clientId: 'other', start: now, end: now + 60_000, limit: 1, counted: 1, limited: 0 },
    ]);
    await emu.close();

    emu = await buildEmulator({ ratePerMinute: 1, now: () => now, rateLimitScope: 'token' });
    expect((await query(emu, await token(emu))).status).toBe(200);
    expect((await query(emu, await token(emu))).status).toBe(200);
    expect(emu.journal.rateWindows().map((w) => [w.clientId, w.token, w.counted])).toEqual([
      ['emulator', 1, 1],
      ['emulator', 2, 1],
    ]);
  });

  it('opens a new window after 60 seconds', async () => {
    let now = Date.parse('2024-05-03T10:00:00Z');
    emu = await buildEmulator({ ratePerMinute: 1, now: () => now });
    const tok = await token(emu);
    expect((await query(emu, tok)).status).toBe(200);
    now += 30_000;
    const limited = await query(emu, tok);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    now += 30_000;
    expect((await query(emu, tok)).status).toBe(200);
  });
});

describe('emulator unknown routes and health', () => {
  it('answers 501 not.implemented for any unknown route and journals it', async () => {
    emu = await buildEmulator();
    const res = await fetch(`${emu.url}/api/v2/users/me`);
    expect(res.status).toBe(501);
    expect(await res.json()).toEqual({
      message: 'emulator: no route for GET /api/v2/users/me',
      code: 'not.implemented',
      status: 501,
    });
    const wrongMethod = await fetch(`${emu.url}/oauth/token`);
    expect(wrongMethod.status).toBe(501);
    expect(emu.journal.entries().map((e) => [e.path, e.status])).toEqual([
      ['/api/v2/users/me', 501],
      ['/oauth/token', 501],
    ]);
  });

  it('serves /emulator/health and captures /notify posts', async () => {
    emu = await buildEmulator();
    expect((await fetch(`${emu.url}/emulator/health`)).status).toBe(200);
    const res = await fetch(`${emu.url}/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': '1' },
      body: JSON.stringify({ subject: 'run finished' }),
    });
    expect(await res.json()).toEqual({ ok: true });
    await fetch(`${emu.url}/notify`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'plain',
    });
    const list = emu.notifications();
    expect(list.map((n) => n.body)).toEqual([{ subject: 'run finished' }, 'plain']);
    expect(list[0]?.headers['x-test']).toBe('1');
    const listed = (await (await fetch(`${emu.url}/notify`)).json()) as unknown[];
    expect(listed).toHaveLength(2);
  });
});

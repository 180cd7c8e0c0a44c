// Spec §12.1-2 (§2, §10): the client-credentials token endpoint and the bearer requirement of /api/v2,
// checked through the official SDK where it can send the request, plain fetch where it cannot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import {
  basicAuth,
  connectSdk,
  EMULATOR_CLIENT,
  expectErrorEnvelope,
  expectPlatformHeaders,
  raw,
  sdkClient,
  settle,
  testClock,
} from './harness.js';

const TOKEN_TTL_SECONDS = 300;
const DAY = '2026-03-10';
const QUERY = {
  interval: `${DAY}T00:00:00.000Z/${DAY}T01:00:00.000Z`,
  paging: { pageSize: 1, pageNumber: 1 },
};

let emu: Emulator;
const clock = testClock('2026-03-11T11:00:00.000Z');

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'conformance-oauth',
    tokenTtlSeconds: TOKEN_TTL_SECONDS,
    conversationsPerDay: 60,
    now: clock.now,
  });
});
afterAll(async () => {
  await emu?.close();
});

function tokenRequest(init: { authorization?: string; contentType?: string; body?: string }) {
  const headers: Record<string, string> = {};
  if (init.authorization) headers.authorization = init.authorization;
  if (init.contentType) headers['content-type'] = init.contentType;
  return raw(emu, '/oauth/token', { method: 'POST', headers, body: init.body });
}

/** §2.4: token errors use the OAuth body, not the platform envelope. */
function expectOAuthError(body: unknown, error: string, description?: string) {
  const b = body as Record<string, unknown>;
  expect(b.error).toBe(error);
  expect(b.description).toBeTypeOf('string');
  expect(b.error_description).toBe(b.description);
  if (description) expect(b.description).toBe(description);
  for (const envelopeKey of ['code', 'status', 'contextId', 'message'])
    expect(b).not.toHaveProperty(envelopeKey);
}

describe('POST /oauth/token (client credentials)', () => {
  it('the SDK logs in and gets a bearer token that expires after the configured TTL', async () => {
    const client = sdkClient(emu);
    const before = Date.now();
    const auth = await client.loginClientCredentialsGrant(
      EMULATOR_CLIENT.clientId,
      EMULATOR_CLIENT.clientSecret,
    );
    expect(auth.accessToken).toMatch(/^\S{16,}$/);
    // The SDK computes expiry from expires_in (seconds).
    expect(auth.tokenExpiryTime).toBeGreaterThanOrEqual(before + TOKEN_TTL_SECONDS * 1000 - 1000);
    expect(auth.tokenExpiryTime).toBeLessThanOrEqual(Date.now() + TOKEN_TTL_SECONDS * 1000 + 1000);
  });

  it('answers exactly {access_token, token_type: "bearer", expires_in} to a form-encoded Basic request', async () => {
    const res = await tokenRequest({
      authorization: basicAuth(EMULATOR_CLIENT.clientId, EMULATOR_CLIENT.clientSecret),
      contentType: 'application/x-www-form-urlencoded',
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = res.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(TOKEN_TTL_SECONDS);
    expect(body.access_token).toMatch(/^\S{16,}$/);
  });

  it('each login gets a different token', async () => {
    const a = await sdkClient(emu).loginClientCredentialsGrant('emulator', 'emulator');
    const b = await sdkClient(emu).loginClientCredentialsGrant('emulator', 'emulator');
    expect(a.accessToken).not.toBe(b.accessToken);
  });

  it('a wrong secret is refused with invalid_client / "authentication failed" through the SDK', async () => {
    const err = await sdkClient(emu)
      .loginClientCredentialsGrant(EMULATOR_CLIENT.clientId, 'wrong-secret')
      .then(
        () => undefined,
        (e: { response?: { status: number; data: unknown } }) => e,
      );
    expect(err?.response?.status).toBe(401);
    expectOAuthError(err?.response?.data, 'invalid_client', 'authentication failed');
  });

  it('an unknown client id is refused with invalid_client / "client not found"', async () => {
    const err = await sdkClient(emu)
      .loginClientCredentialsGrant('no-such-client', 'whatever')
      .then(
        () => undefined,
        (e: { response?: { status: number; data: unknown } }) => e,
      );
    expect(err?.response?.status).toBe(401);
    expectOAuthError(err?.response?.data, 'invalid_client', 'client not found');
  });

  // The SDK always sends a correct grant, so these use fetch.
  it('a missing grant_type is a 400 with an OAuth error body (fetch: the SDK cannot send it)', async () => {
    const res = await tokenRequest({
      authorization: basicAuth('emulator', 'emulator'),
      contentType: 'application/x-www-form-urlencoded',
      body: '',
    });
    expect(res.status).toBe(400);
    expectOAuthError(res.json, 'invalid_request');
  });

  it('another grant type is a 400 with an OAuth error body (fetch)', async () => {
    const res = await tokenRequest({
      authorization: basicAuth('emulator', 'emulator'),
      contentType: 'application/x-www-form-urlencoded',
      body: 'grant_type=password&username=a&password=b',
    });
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toMatch(/^(unsupported_grant_type|unauthorized_client)$/);
    expectOAuthError(res.json, (res.json as { error: string }).error);
  });

  it('a JSON body instead of a form is a 400 with an OAuth error body (fetch)', async () => {
    const res = await tokenRequest({
      authorization: basicAuth('emulator', 'emulator'),
      contentType: 'application/json',
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(400);
    expectOAuthError(res.json, (res.json as { error: string }).error);
  });

  it('a request without credentials is refused with an OAuth error body, not a token (fetch)', async () => {
    const res = await tokenRequest({
      contentType: 'application/x-www-form-urlencoded',
      body: 'grant_type=client_credentials',
    });
    expect([400, 401]).toContain(res.status);
    expect((res.json as { error: string }).error).toBe('invalid_client');
    expectOAuthError(res.json, 'invalid_client');
  });
});

describe('bearer token on /api/v2', () => {
  it('a request without Authorization gets 401 authentication.required in the platform envelope', async () => {
    const res = await raw(emu, '/api/v2/analytics/conversations/details/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(QUERY),
    });
    const body = expectErrorEnvelope({ ...res, body: res.json }, 401, 'authentication.required');
    expect(body.message).toBe('No authentication bearer token specified in authorization header.');
    expectPlatformHeaders(res.headers, '401 without bearer');
  });

  it.each([
    ['/api/v2/conversations/00000000-0000-4000-8000-000000000000/recordingmetadata', 'GET'],
    ['/api/v2/recording/batchrequests/00000000-0000-4000-8000-000000000000', 'GET'],
    ['/api/v2/conversations/00000000-0000-4000-8000-000000000000/recordings', 'GET'],
  ])('%s needs a bearer too', async (path, method) => {
    const res = await raw(emu, path, { method });
    expectErrorEnvelope({ ...res, body: res.json }, 401, 'authentication.required');
  });

  it('an unknown bearer token gets a 401 envelope', async () => {
    const res = await raw(emu, '/api/v2/analytics/conversations/details/query', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer not-a-token-the-emulator-issued',
      },
      body: JSON.stringify(QUERY),
    });
    expectErrorEnvelope({ ...res, body: res.json }, 401);
  });

  it('a Basic header is not a bearer token (401)', async () => {
    const res = await raw(emu, '/api/v2/analytics/conversations/details/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth('emulator', 'emulator') },
      body: JSON.stringify(QUERY),
    });
    expectErrorEnvelope({ ...res, body: res.json }, 401);
  });

  it('the token works until its TTL, then the same SDK call gets a 401 envelope; a new login works', async () => {
    const sdk = await connectSdk(emu, { extended: true });
    const ok = await settle(sdk.analytics.postAnalyticsConversationsDetailsQuery(QUERY));
    expect(ok.status).toBe(200);

    clock.advance(TOKEN_TTL_SECONDS * 1000 + 1000);
    const expired = await settle(sdk.analytics.postAnalyticsConversationsDetailsQuery(QUERY));
    expectErrorEnvelope(expired, 401);
    expectPlatformHeaders(expired.headers, '401 expired token');

    await sdk.client.loginClientCredentialsGrant(EMULATOR_CLIENT.clientId, EMULATOR_CLIENT.clientSecret);
    const again = await settle(sdk.analytics.postAnalyticsConversationsDetailsQuery(QUERY));
    expect(again.status).toBe(200);
  });
});

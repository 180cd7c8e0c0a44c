// Spec §12.12 (§9, §10): ININ-Correlation-Id and inin-ratelimit-* on every /api/v2 response, the
// budget per OAuth client (issue 19: every token of a client shares it), the per-window journal view,
// and the normalized 429 (body, Retry-After, contextId = correlation id).
import { randomUUID } from 'node:crypto';
import type platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import {
  connectSdk,
  type Extended,
  expectErrorEnvelope,
  expectPlatformHeaders,
  header,
  raw,
  type Sdk,
  settle,
  testClock,
} from './harness.js';

const QUERY = {
  interval: '2026-03-10T05:00:00.000Z/2026-03-11T05:00:00.000Z',
  paging: { pageSize: 5, pageNumber: 1 },
} as unknown as platformClient.Models.ConversationQuery;

const clock = testClock('2026-03-11T11:00:00.000Z');

function detailsQuery(sdk: Sdk, body = QUERY): Promise<Extended<unknown>> {
  return settle(sdk.analytics.postAnalyticsConversationsDetailsQuery(body));
}

function expect429(res: Extended<unknown>): number {
  const body = expectErrorEnvelope(res, 429, 'too.many.requests.retry.after') as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'contextId', 'details', 'errors', 'message', 'status']);
  expect(body.details).toEqual([]);
  expect(body.errors).toEqual([]);
  const retryAfter = header(res.headers, 'Retry-After');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(body.message).toBe(`Rate limit exceeded the maximum. Retry the request in [${retryAfter}] seconds`);
  expectPlatformHeaders(res.headers, '429');
  return Number(retryAfter);
}

describe('headers on every /api/v2 response', () => {
  let emu: Emulator;
  let sdk: Sdk;
  beforeAll(async () => {
    emu = await buildEmulator({
      seed: 'conformance-headers',
      conversationsPerDay: 80,
      batchJobDurationMs: { min: 0, max: 0 },
      extraClients: [{ clientId: 'other', clientSecret: 'other' }],
      now: clock.now,
    });
    sdk = await connectSdk(emu, { extended: true });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('successes and errors of every endpoint carry a correlation id and the rate-limit headers', async () => {
    const conv = emu.dataset
      .conversationsOnLocalDay('2026-03-10')
      .find((c) => c.conversationEnd && emu.dataset.recordingsOf(c.conversationId).length > 0);
    const id = conv?.conversationId as string;
    const rec = emu.dataset.recordingsOf(id)[0]?.id as string;
    const submitted = await settle<{ id: string }>(
      sdk.recording.postRecordingBatchrequests({
        batchDownloadRequestList: [{ conversationId: id, recordingId: rec }],
      }),
    );
    const other = await connectSdk(emu, { extended: true, clientId: 'other', clientSecret: 'other' });

    const responses: [string, Extended<unknown>][] = [
      ['200 details query', await detailsQuery(sdk)],
      ['400 details query', await detailsQuery(sdk, { paging: { pageSize: 1, pageNumber: 1 } } as never)],
      ['200 recordingmetadata', await settle(sdk.recording.getConversationRecordingmetadata(id))],
      ['404 recordingmetadata', await settle(sdk.recording.getConversationRecordingmetadata(randomUUID()))],
      [
        '202 recordings',
        await settle(sdk.recording.getConversationRecordings(id, { formatId: 'MP3', maxWaitMs: 0 })),
      ],
      ['200 recordings', await settle(sdk.recording.getConversationRecordings(id, { formatId: 'NONE' }))],
      ['200 batch submit', submitted],
      [
        '400 batch submit',
        await settle(sdk.recording.postRecordingBatchrequests({ batchDownloadRequestList: [] })),
      ],
      ['200 batch status', await settle(sdk.recording.getRecordingBatchrequest(submitted.body.id))],
      ['403 batch status', await settle(other.recording.getRecordingBatchrequest(submitted.body.id))],
      ['404 batch status', await settle(sdk.recording.getRecordingBatchrequest(randomUUID()))],
    ];
    const statuses = responses.map(([, r]) => r.status);
    expect(statuses).toEqual([200, 400, 200, 404, 202, 200, 200, 400, 200, 403, 404]);
    const correlationIds = new Set<string>();
    for (const [what, res] of responses) {
      expectPlatformHeaders(res.headers, what);
      correlationIds.add(header(res.headers, 'ININ-Correlation-Id') as string);
      if (res.status >= 400) expectErrorEnvelope(res, res.status);
    }
    expect(correlationIds.size, 'one correlation id per response').toBe(responses.length);

    const unauthenticated = await raw(emu, '/api/v2/recording/batchrequests/x');
    expectPlatformHeaders(unauthenticated.headers, '401 without bearer');
  });

  it('the journal records a correlation id for every /api/v2 request', () => {
    const api = emu.journal.entries().filter((e) => e.path.startsWith('/api/v2/'));
    expect(api.length).toBeGreaterThan(10);
    for (const e of api) expect(e.correlationId, `${e.method} ${e.path}`).toMatch(/\S/);
  });

  it('inin-ratelimit-allowed is the budget and -count counts the client requests of the window', async () => {
    const fresh = await connectSdk(emu, { extended: true });
    const a = await detailsQuery(sdk);
    const b = await detailsQuery(fresh);
    expect(header(a.headers, 'inin-ratelimit-allowed')).toBe('300');
    expect(Number(header(b.headers, 'inin-ratelimit-count'))).toBe(
      Number(header(a.headers, 'inin-ratelimit-count')) + 1,
    );
    const reset = Number(header(b.headers, 'inin-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(0);
    expect(reset).toBeLessThanOrEqual(60);
  });
});

describe('429 Too Many Requests', () => {
  const BUDGET = 4;
  let emu: Emulator;
  beforeAll(async () => {
    emu = await buildEmulator({
      seed: 'conformance-429',
      conversationsPerDay: 40,
      ratePerMinute: BUDGET,
      extraClients: [{ clientId: 'other', clientSecret: 'other' }],
      now: clock.now,
    });
  });
  afterAll(async () => {
    await emu?.close();
  });
  // Each test starts in a fresh window: the budget of the client carries over between tests otherwise.
  beforeEach(() => clock.advance(61_000));

  it('past the per-token budget: normalized body, Retry-After, contextId = ININ-Correlation-Id', async () => {
    const sdk = await connectSdk(emu, { extended: true });
    for (let i = 1; i <= BUDGET; i++) {
      const ok = await detailsQuery(sdk);
      expect(ok.status, `request ${i} of ${BUDGET}`).toBe(200);
      expect(header(ok.headers, 'inin-ratelimit-allowed')).toBe(String(BUDGET));
      expect(header(ok.headers, 'inin-ratelimit-count')).toBe(String(i));
    }
    const limited = await detailsQuery(sdk);
    const retryAfter = expect429(limited);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Other endpoints share the token budget.
    expect429(await settle(sdk.recording.getRecordingBatchrequest(randomUUID())));
  });

  it('the budget is per OAuth client: a new token of the client is limited too, another client is served', async () => {
    const sdk = await connectSdk(emu, { extended: true });
    for (let i = 0; i < BUDGET; i++) await detailsQuery(sdk);
    expect((await detailsQuery(sdk)).status).toBe(429);
    const sameClient = await connectSdk(emu, { extended: true });
    expect429(await detailsQuery(sameClient));
    const other = await connectSdk(emu, { extended: true, clientId: 'other', clientSecret: 'other' });
    expect((await detailsQuery(other)).status).toBe(200);
  });

  it('the journal shows every 60-second window per client: requests counted never exceed the limit', async () => {
    const first = await connectSdk(emu, { extended: true });
    const second = await connectSdk(emu, { extended: true });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await detailsQuery(first)).status, (await detailsQuery(second)).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(BUDGET);
    const windows = emu.journal.rateWindows('emulator');
    const last = windows[windows.length - 1];
    expect(last).toMatchObject({ clientId: 'emulator', limit: BUDGET, counted: BUDGET, limited: 2 });
    expect((last?.end ?? 0) - (last?.start ?? 0)).toBe(60_000);
    for (const w of windows) expect(w.counted).toBeLessThanOrEqual(w.limit);
    // The same view over HTTP, for an emulator in another process.
    const over = await raw(emu, '/emulator/rate-windows?clientId=emulator');
    expect(over.json).toEqual(windows);
  });

  it('the budget comes back after the window (inin-ratelimit-reset)', async () => {
    const sdk = await connectSdk(emu, { extended: true });
    for (let i = 0; i < BUDGET; i++) await detailsQuery(sdk);
    const limited = await detailsQuery(sdk);
    expect(limited.status).toBe(429);
    clock.advance((Number(header(limited.headers, 'Retry-After')) + 1) * 1000);
    expect((await detailsQuery(sdk)).status).toBe(200);
  });
});

describe('injected faults keep the platform shapes', () => {
  let emu: Emulator;
  let sdk: Sdk;
  beforeAll(async () => {
    emu = await buildEmulator({ seed: 'conformance-faults', conversationsPerDay: 40, now: clock.now });
    sdk = await connectSdk(emu, { extended: true });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('a 429 rule answers the normalized body with the rule Retry-After, once', async () => {
    emu.faults.add({ match: { path: '/api/v2/analytics/*' }, status: 429, retryAfter: 42, times: 1 });
    expect(expect429(await detailsQuery(sdk))).toBe(42);
    expect((await detailsQuery(sdk)).status).toBe(200);
  });

  it('a Retry-After beyond 180 s is passed through as is (clients must give up, not sleep)', async () => {
    emu.faults.add({ match: { path: '/api/v2/analytics/*' }, status: 429, retryAfter: 3600, times: 1 });
    expect(expect429(await detailsQuery(sdk))).toBe(3600);
  });

  it('a delay rule holds the response (to exceed client timeouts)', async () => {
    emu.faults.add({ match: { path: '/api/v2/analytics/*' }, delayMs: 400, times: 1 });
    const t0 = Date.now();
    expect((await detailsQuery(sdk)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
  });

  it('a reset rule drops the connection: the SDK gets a network error, not a status', async () => {
    emu.faults.add({ match: { path: '/api/v2/analytics/*' }, reset: true, times: 1 });
    const err = await sdk.analytics.postAnalyticsConversationsDetailsQuery(QUERY).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect((err as { status?: unknown }).status).toBeUndefined();
    expect((await detailsQuery(sdk)).status).toBe(200);
  });

  it.each([
    [502, undefined],
    [503, 'service.unavailable'],
    [504, 'request.timeout'],
  ])('a %i rule answers the platform envelope with the correlation headers', async (status, code) => {
    emu.faults.add({ match: { path: '/api/v2/analytics/*' }, status, times: 1 });
    const res = await detailsQuery(sdk);
    expectErrorEnvelope(res, status, code);
    expectPlatformHeaders(res.headers, `${status} fault`);
  });
});

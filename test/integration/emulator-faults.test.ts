// Declarative fault rules of the Genesys emulator.
import { afterEach, describe, expect, it } from 'vitest';
import type { AnalyticsConversation, BatchDownloadJobStatusResult } from '../../src/contracts/genesys.js';
import { buildEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

const QUERY = '/api/v2/analytics/conversations/details/query';
const BODY = JSON.stringify({ interval: '2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z' });
let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions = {}) {
  const clock = { now: Date.parse('2024-05-03T12:00:00Z') };
  emu = await buildEmulator({ now: () => clock.now, ...options });
  const res = await fetch(`${emu.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('emulator:emulator').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const tok = ((await res.json()) as { access_token: string }).access_token;
  const e = emu;
  const call = (path = QUERY, init: RequestInit = { method: 'POST', body: BODY }) =>
    fetch(`${e.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${tok}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  return { e, clock, call };
}

describe('emulator fault rules', () => {
  it('answers a status with the Genesys envelope for the first N matching requests only', async () => {
    const { e, call } = await start({
      faults: [{ match: { method: 'POST', path: QUERY }, times: 2, status: 503, retryAfter: 7 }],
    });
    const first = await call();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      code: 'service.unavailable',
      status: 503,
      contextId: first.headers.get('inin-correlation-id'),
    });
    expect((await call()).status).toBe(503);
    expect((await call()).status).toBe(200);
    expect(
      e.journal
        .entries()
        .filter((j) => j.path === QUERY)
        .map((j) => [j.status, j.fault]),
    ).toEqual([
      [503, 'status:503'],
      [503, 'status:503'],
      [200, undefined],
    ]);
  });

  it('injects a normalized 429 with Retry-After (incl. a long one) and matches prefixes and regexes', async () => {
    const { e, call } = await start();
    e.faults.add({ match: { path: '/api/v2/analytics/*' }, times: 1, status: 429, retryAfter: 240 });
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('240');
    expect(((await limited.json()) as { message: string }).message).toBe(
      'Rate limit exceeded the maximum. Retry the request in [240] seconds',
    );
    e.faults.add({ match: { path: '/recordingmetadata$/' }, status: 500 });
    expect((await call('/api/v2/conversations/x/recordingmetadata', {})).status).toBe(500);
    e.faults.clear();
    expect((await call()).status).toBe(200);
  });

  it('resets the connection', async () => {
    const { e, call } = await start({ faults: [{ match: { path: QUERY }, times: 1, reset: true }] });
    await expect(call()).rejects.toThrow();
    expect((await call()).status).toBe(200);
    expect(e.journal.entries().filter((j) => j.path === QUERY)[0]).toMatchObject({
      status: 0,
      fault: 'reset',
    });
  });

  it('delays an answer beyond a client timeout', async () => {
    const { call } = await start({ faults: [{ match: { path: QUERY }, times: 1, delayMs: 600 }] });
    await expect(
      fetch(`${emu?.url}${QUERY}`, { method: 'POST', body: BODY, signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    const t0 = Date.now();
    expect((await call()).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(600);
  });

  it('truncates a JSON body and sends invalid JSON', async () => {
    const { call } = await start({
      faults: [
        { match: { path: QUERY }, times: 1, truncate: true },
        { match: { path: QUERY }, times: 1, invalidJson: true },
      ],
    });
    const truncated = await call();
    expect(truncated.status).toBe(200);
    await expect(truncated.text()).rejects.toThrow();
    const invalid = await call();
    expect(invalid.status).toBe(200);
    await expect(invalid.json()).rejects.toThrow(SyntaxError);
    expect((await call()).status).toBe(200);
  });

  it('truncates downloads, expires URLs on demand and leaves batch jobs stuck', async () => {
    const { e, clock, call } = await start({ batchJobDurationMs: { min: 100, max: 100 } });
    const day = e.dataset.conversationsOnLocalDay('2024-05-01');
    const recorded = day
      .filter(
        (c: AnalyticsConversation) => e.dataset.recordingsOf(c.conversationId)[0]?.fileState === 'AVAILABLE',
      )
      .slice(0, 4);
    const items = recorded.map((c) => ({
      conversationId: c.conversationId,
      recordingId: e.dataset.recordingsOf(c.conversationId)[0]?.id,
    }));
    e.faults.add({
      match: { method: 'POST', path: '/api/v2/recording/batchrequests' },
      times: 1,
      stuckJob: true,
    });
    const submit = () =>
      call('/api/v2/recording/batchrequests', {
        method: 'POST',
        body: JSON.stringify({ batchDownloadRequestList: items }),
      });
    const stuck = (await (await submit()).json()) as { id: string };
    const normal = (await (await submit()).json()) as { id: string };
    clock.now += 10 * 60_000;
    const stuckStatus = (await (
      await call(`/api/v2/recording/batchrequests/${stuck.id}`, {})
    ).json()) as BatchDownloadJobStatusResult;
    expect(stuckStatus).toMatchObject({ status: 'InProgress', resultCount: 2, expectedResultCount: 4 });
    const done = (await (
      await call(`/api/v2/recording/batchrequests/${normal.id}`, {})
    ).json()) as BatchDownloadJobStatusResult;
    expect(done.status).toBe('Completed');
    const url = done.results?.[0]?.resultUrl as string;

    e.faults.add({ match: { path: '/s3/*' }, times: 1, truncate: true });
    const cut = await fetch(url);
    expect(cut.status).toBe(200);
    await expect(cut.arrayBuffer()).rejects.toThrow();
    e.faults.add({ match: { path: '/s3/*' }, times: 1, expireUrl: true });
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(Number(ok.headers.get('content-length')));
  });

  it('draws probabilities from the seed, so the same seed fails the same requests', async () => {
    const pattern = async (seed: number) => {
      const { call } = await start({
        seed,
        faults: [{ match: { path: QUERY }, probability: 0.5, status: 502 }],
      });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await call()).status);
      await emu?.close();
      emu = undefined;
      return statuses;
    };
    const a = await pattern(7);
    expect(await pattern(7)).toEqual(a);
    expect(a).toContain(502);
    expect(a).toContain(200);
  });
});

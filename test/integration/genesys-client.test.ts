// The Genesys client against the emulator over a real socket: paging, retries, rate limits, timeouts,
// batch download. Faults are declared on the emulator; nothing in the client is mocked.
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import { GenesysHttpError, GenesysRateLimitedError, GenesysTimeoutError } from '../../src/genesys/errors.js';
import type { GenesysClient, GenesysClientOptions } from '../../src/genesys/types.js';

const DAY = '2025-03-11';
// Local day in America/Lima (UTC-5, no DST).
const START = Date.parse(`${DAY}T05:00:00.000Z`);
const END = START + 86_400_000;

let emu: Emulator;
const clients: GenesysClient[] = [];

function client(o: Partial<GenesysClientOptions> = {}): GenesysClient {
  const c = createGenesysClient({
    clientId: 'emulator',
    clientSecret: 'emulator',
    loginBaseUrl: emu.url,
    apiBaseUrl: emu.url,
    timeoutMs: 2_000,
    ratePerMinute: 60_000,
    ...o,
  });
  clients.push(c);
  return c;
}

const apiEntries = (path: string) => emu.journal.entries().filter((e) => e.path === path);

function firstRecordedConversation(): { conversationId: string; recordingId: string } {
  for (const c of emu.dataset.conversationsOnLocalDay(DAY)) {
    const rec = emu.dataset.recordingsOf(c.conversationId).find((r) => r.fileState === 'AVAILABLE');
    if (rec) return { conversationId: c.conversationId, recordingId: rec.id };
  }
  throw new Error('the emulator day has no recorded conversation');
}

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'genesys-client',
    conversationsPerDay: 260,
    batchJobDurationMs: { min: 20, max: 80 },
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emu.close();
});
beforeEach(() => {
  emu.faults.clear();
  emu.journal.clear();
});

describe('details query paging', () => {
  it('returns every conversation of the day once, across pages, despite totalHits drift', async () => {
    const expected = emu.dataset
      .conversationsOnLocalDay(DAY)
      .filter((c) =>
        c.participants?.some((p) =>
          p.sessions?.some((s) => s.segments?.some((g) => g.queueId && emu.queueIds.includes(g.queueId))),
        ),
      )
      .map((c) => c.conversationId);
    emu.control.injectConversationDuringPaging();
    const got: string[] = [];
    for await (const c of client().conversationDetails({
      startMs: START,
      endMs: END,
      queueIds: emu.queueIds,
    })) {
      got.push(c.conversationId);
    }
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual(expect.arrayContaining(expected));
    const pages = apiEntries('/api/v2/analytics/conversations/details/query');
    expect(pages.length).toBeGreaterThanOrEqual(3);
    // The last request was the page past the end (no `conversations` key) and it did not crash us.
    expect(pages.every((p) => p.status === 200)).toBe(true);
  });
});

describe('rate limits and retries', () => {
  it('survives a 429 storm, waiting Retry-After each time, without burning attempts', async () => {
    const { conversationId } = firstRecordedConversation();
    const path = `/api/v2/conversations/${conversationId}/recordingmetadata`;
    emu.faults.add({ match: { path }, times: 3, status: 429, retryAfter: 1 });
    const c = client();
    const t0 = Date.now();
    const meta = await c.recordingMetadata(conversationId);
    const elapsed = Date.now() - t0;
    expect(meta.length).toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(2_900);
    expect(apiEntries(path).map((e) => e.status)).toEqual([429, 429, 429, 200]);
    const s = c.stats();
    expect(s).toMatchObject({ rateLimited: 3, retries: 3 });
    expect(s.statuses.recordingMetadata).toEqual({ '429': 3, '200': 1 });
    expect(s.limiterWaitMs).toBeGreaterThanOrEqual(2_900);
  });

  it('gives up at once on a Retry-After over 180 s and says why', async () => {
    const { conversationId } = firstRecordedConversation();
    const path = `/api/v2/conversations/${conversationId}/recordingmetadata`;
    emu.faults.add({ match: { path }, times: 1, status: 429, retryAfter: 3600 });
    const err = await client()
      .recordingMetadata(conversationId)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysRateLimitedError);
    expect((err as Error).message).toMatch(/Retry-After 3600 s exceeds the 180 s limit/);
    expect(apiEntries(path)).toHaveLength(1);
  });

  it('retries 503s, a connection reset, a truncated body and malformed JSON', async () => {
    const { conversationId } = firstRecordedConversation();
    const path = `/api/v2/conversations/${conversationId}/recordingmetadata`;
    emu.faults.add({ match: { path }, times: 2, status: 503 });
    emu.faults.add({ match: { path }, times: 1, reset: true });
    emu.faults.add({ match: { path }, times: 1, truncate: true });
    emu.faults.add({ match: { path }, times: 1, invalidJson: true });
    const c = client({ retry: { baseDelayMs: 20 } });
    const meta = await c.recordingMetadata(conversationId);
    expect(meta.map((m) => m.id)).toEqual(emu.dataset.recordingsOf(conversationId).map((m) => m.id));
    expect(c.stats().retries).toBe(5);
    expect(c.stats().calls.recordingMetadata).toBe(6);
    // The truncated body is a network error (never reaches JSON.parse); the bad JSON is a 200 then retried.
    expect(c.stats().statuses.recordingMetadata).toEqual({ '503': 2, GENESYS_NETWORK: 2, '200': 2 });
  });

  it('does not retry a 400', async () => {
    const path = '/api/v2/recording/batchrequests/some-job';
    emu.faults.add({ match: { path }, times: 1, status: 400 });
    const c = client();
    const err = await c.batchStatus('some-job').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysHttpError);
    expect((err as GenesysHttpError).status).toBe(400);
    expect((err as Error).message).toMatch(/^GET \/api\/v2\/recording\/batchrequests\/some-job → 400/);
    expect(apiEntries(path)).toHaveLength(1);
    expect(c.stats().retries).toBe(0);
  });

  it('times out a slow answer and retries it', async () => {
    const { conversationId } = firstRecordedConversation();
    const path = `/api/v2/conversations/${conversationId}/recordingmetadata`;
    emu.faults.add({ match: { path }, times: 1, delayMs: 1_500 });
    const c = client({ timeoutMs: 400 });
    const meta = await c.recordingMetadata(conversationId);
    expect(meta.length).toBeGreaterThan(0);
    expect(c.stats().statuses.recordingMetadata).toMatchObject({ GENESYS_TIMEOUT: 1, '200': 1 });
  });

  it('does not blindly resubmit a batch whose POST timed out (it may exist already)', async () => {
    const item = firstRecordedConversation();
    emu.faults.add({
      match: { method: 'POST', path: '/api/v2/recording/batchrequests' },
      times: 1,
      delayMs: 1_000,
    });
    const err = await client({ timeoutMs: 300 })
      .submitBatch([item])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysTimeoutError);
    await new Promise((r) => setTimeout(r, 900));
    expect(apiEntries('/api/v2/recording/batchrequests').length).toBeLessThanOrEqual(1);
  });
});

describe('recordings and batch download', () => {
  it('submits a batch, polls it and downloads the audio without the bearer token', async () => {
    const item = firstRecordedConversation();
    const logLines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
    const c = client({ logger });
    expect(await c.recordingMetadata(item.conversationId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: item.recordingId })]),
    );
    const { jobId } = await c.submitBatch([item]);
    let status = await c.batchStatus(jobId);
    for (let i = 0; i < 100 && status.status !== 'Completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await c.batchStatus(jobId);
    }
    const result = status.results?.find((r) => r.recordingId === item.recordingId);
    expect(result?.resultUrl).toBeTruthy();

    const res = await c.download(result!.resultUrl!);
    expect(res.status).toBe(200);
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    const audio = emu.dataset.audioOf(item.recordingId);
    expect(Buffer.concat(chunks).equals(audio.bytes)).toBe(true);
    expect(res.contentType).toBe(audio.contentType);
    expect(res.contentLength).toBe(audio.bytes.length);

    const downloads = emu.journal
      .entries()
      .filter((e) => !e.path.startsWith('/api/') && e.path !== '/oauth/token');
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.authorization).toBe('none');
    expect(c.stats().calls.download).toBe(1);

    // One debug line per request; never the bearer token or the pre-signed URL's query string.
    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThanOrEqual(5);
    expect(logs).toContain('"path":"/api/v2/recording/batchrequests"');
    expect(logs).not.toMatch(/bearer|basic /i);
    expect(logs).not.toContain(new URL(result!.resultUrl!).search.slice(1));
  });

  it('rejects an empty or oversized batch locally', async () => {
    const c = client();
    await expect(c.submitBatch([])).rejects.toMatchObject({ code: 'GENESYS_INVALID_INPUT' });
    const many = Array.from({ length: 101 }, (_, i) => ({ conversationId: `c${i}` }));
    await expect(c.submitBatch(many)).rejects.toThrow(/1\.\.100 items, got 101/);
    expect(apiEntries('/api/v2/recording/batchrequests')).toHaveLength(0);
  });

  it('an expired resultUrl resolves with its status instead of throwing', async () => {
    const item = firstRecordedConversation();
    const c = client();
    const { jobId } = await c.submitBatch([item]);
    let status = await c.batchStatus(jobId);
    for (let i = 0; i < 100 && status.status !== 'Completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await c.batchStatus(jobId);
    }
    emu.faults.add({ match: { method: 'GET', path: '/^(?!\\/api|\\/oauth)/' }, times: 1, expireUrl: true });
    const res = await c.download(status.results![0]!.resultUrl!);
    res.body.resume();
    expect(res.status).toBe(403);
  });

  it('answers conversationRecordings as ready or transcoding (202)', async () => {
    const { conversationId } = firstRecordedConversation();
    const r = await client().conversationRecordings(conversationId, { formatId: 'NONE', maxWaitMs: 100 });
    expect(['ready', 'transcoding']).toContain(r.status);
    if (r.status === 'ready') expect(Array.isArray(r.recordings)).toBe(true);
    const e = apiEntries(`/api/v2/conversations/${conversationId}/recordings`)[0]!;
    expect(e.query).toMatchObject({ formatId: 'NONE', maxWaitMs: '100' });
  });

  it('reports a 202 (still transcoding) as transcoding, which the SDK alone would hide', async () => {
    const { conversationId } = firstRecordedConversation();
    const r = await client().conversationRecordings(conversationId, { formatId: 'WEBM', maxWaitMs: 0 });
    expect(r).toEqual({ status: 'transcoding' });
    expect(apiEntries(`/api/v2/conversations/${conversationId}/recordings`).map((e) => e.status)).toEqual([
      202,
    ]);
  });
});

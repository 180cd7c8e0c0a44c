// Recording metadata, /recordings transcoding, batch downloads and pre-signed URLs of the emulator.
import { afterEach, describe, expect, it } from 'vitest';
import type {
  AnalyticsConversation,
  BatchDownloadJobStatusResult,
  RecordingMetadata,
} from '../../src/contracts/genesys.js';
import { buildEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

const DATE = '2024-05-01';
let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function tokenFor(e: Emulator, id = 'emulator', secret = 'emulator'): Promise<string> {
  const res = await fetch(`${e.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const TWO_DAYS_LATER = '2024-05-03T12:00:00Z';
// 01:00 in Lima the night after May 1: some wrap-ups and uploads are still pending.
const MORNING_AFTER = '2024-05-02T06:00:00Z';

async function start(options: EmulatorOptions = {}, at = TWO_DAYS_LATER) {
  const clock = { now: Date.parse(at) };
  emu = await buildEmulator({ now: () => clock.now, ...options });
  const tok = await tokenFor(emu);
  const e = emu;
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${e.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${tok}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  };
  const day = e.dataset.conversationsOnLocalDay(DATE);
  return { e, clock, api, day };
}

const hasAgent = (c: AnalyticsConversation) => c.participants?.some((p) => p.purpose === 'agent') ?? false;

describe('emulator recordingmetadata', () => {
  it('lists recordings of a recorded call, [] for an unrecorded one, 404 for an unknown id', async () => {
    const { e, api, day } = await start();
    const recorded = day.find(
      (c) => e.dataset.recordingsOf(c.conversationId).length > 0,
    ) as AnalyticsConversation;
    const r = await api(`/api/v2/conversations/${recorded.conversationId}/recordingmetadata`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(e.dataset.recordingsOf(recorded.conversationId));
    expect(r.json[0]).toMatchObject({
      conversationId: recorded.conversationId,
      media: 'audio',
      mediaSubtype: 'Trunk',
    });
    const ivrOnly = day.find(
      (c) => !c.participants?.some((p) => p.purpose === 'acd'),
    ) as AnalyticsConversation;
    expect((await api(`/api/v2/conversations/${ivrOnly.conversationId}/recordingmetadata`)).json).toEqual([]);
    const missing = await api('/api/v2/conversations/00000000-0000-4000-8000-000000000000/recordingmetadata');
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('not.found');
  });

  it('has the realistic mix of file states, screen recordings and multi-recording calls', async () => {
    const { e, day } = await start({}, MORNING_AFTER);
    const all: RecordingMetadata[] = day.flatMap((c) => e.dataset.recordingsOf(c.conversationId));
    const states = new Set(all.map((r) => r.fileState));
    expect([...states].sort()).toEqual(['ARCHIVED', 'AVAILABLE', 'DELETED', 'UPLOADING']);
    const available = all.filter((r) => r.fileState === 'AVAILABLE');
    expect(available.length / all.length).toBeGreaterThan(0.85);
    for (const r of available)
      expect(Date.parse(r.archiveDate as string)).toBeGreaterThan(Date.parse(MORNING_AFTER));
    const screens = all.filter((r) => r.media === 'screen');
    expect(screens.length).toBeGreaterThan(5);
    for (const s of screens)
      expect(s).toMatchObject({ mediaSubtype: 'Screen', startTime: expect.any(String) });
    const perConversation = day.map(
      (c) => e.dataset.recordingsOf(c.conversationId).filter((r) => r.media === 'audio').length,
    );
    expect(perConversation.filter((n) => n === 2).length).toBeGreaterThan(5);
    const notRecordedAgentCalls = day.filter(
      (c) => hasAgent(c) && e.dataset.recordingsOf(c.conversationId).length === 0,
    );
    expect(notRecordedAgentCalls.length).toBeGreaterThan(5);
    for (const c of notRecordedAgentCalls) {
      expect(c.participants?.find((p) => p.purpose === 'customer')?.sessions?.[0]?.recording).toBeUndefined();
    }
  });

  it('finishes UPLOADING recordings on settleAll(), and by itself 8 h after the local day', async () => {
    const { e, clock, day } = await start({}, MORNING_AFTER);
    const uploading = day.find((c) =>
      e.dataset.recordingsOf(c.conversationId).some((r) => r.fileState === 'UPLOADING'),
    );
    expect(uploading).toBeDefined();
    clock.now += 1000;
    e.control.settleAll();
    const after = e.dataset.recordingsOf(uploading?.conversationId as string);
    expect(after.map((r) => r.fileState)).not.toContain('UPLOADING');
    const untouched = await buildEmulator({ now: () => Date.parse('2024-05-02T13:00:00Z') });
    try {
      expect(
        untouched.dataset.recordingsOf(uploading?.conversationId as string).map((r) => r.fileState),
      ).not.toContain('UPLOADING');
    } finally {
      await untouched.close();
    }
  });
});

describe('emulator /recordings', () => {
  it('validates formatId, answers 202 with an empty body while transcoding, then 200 with mediaUris', async () => {
    const { e, clock, api, day } = await start();
    const c = day.find(
      (x) => e.dataset.recordingsOf(x.conversationId)[0]?.fileState === 'AVAILABLE',
    ) as AnalyticsConversation;
    const base = `/api/v2/conversations/${c.conversationId}/recordings`;
    expect((await api(`${base}?formatId=FLAC`)).status).toBe(400);
    const none = await api(`${base}?formatId=NONE`);
    expect(none.status).toBe(200);
    expect(none.json[0].mediaUris).toBeUndefined();
    const cold = await api(`${base}?formatId=WAV&maxWaitMs=0`);
    expect(cold.status).toBe(202);
    expect(cold.text).toBe('');
    clock.now += 3_000;
    const warm = await api(`${base}?formatId=WAV&maxWaitMs=0`);
    expect(warm.status).toBe(200);
    const uri = warm.json[0].mediaUris['0'].mediaUri as string;
    const audio = await fetch(uri);
    expect(audio.status).toBe(200);
    expect(
      Buffer.from(await audio.arrayBuffer())
        .subarray(0, 4)
        .toString('latin1'),
    ).toBe('RIFF');
  });
});

async function poll(api: Awaited<ReturnType<typeof start>>['api'], jobId: string) {
  const r = await api(`/api/v2/recording/batchrequests/${jobId}`);
  expect(r.status).toBe(200);
  return r.json as BatchDownloadJobStatusResult;
}

describe('emulator batch downloads', () => {
  it('grows results over polls, discovers extra recordings, reports errors, then completes', async () => {
    const { e, clock, api, day } = await start({ batchJobDurationMs: { min: 1000, max: 1000 } });
    const recorded = day.filter((c) => e.dataset.recordingsOf(c.conversationId).length > 0);
    const multi = recorded.find(
      (c) => e.dataset.recordingsOf(c.conversationId).length >= 2,
    ) as AnalyticsConversation;
    const archived = recorded.find(
      (c) => e.dataset.recordingsOf(c.conversationId)[0]?.fileState === 'ARCHIVED',
    ) as AnalyticsConversation;
    const single = recorded.filter((c) => c !== multi && c !== archived).slice(0, 4);
    const archivedRec = e.dataset.recordingsOf(archived.conversationId)[0] as RecordingMetadata;
    const list = [
      ...single.map((c) => ({
        conversationId: c.conversationId,
        recordingId: e.dataset.recordingsOf(c.conversationId)[0]?.id,
      })),
      { conversationId: archived.conversationId, recordingId: archivedRec.id },
      { conversationId: multi.conversationId },
      { conversationId: single[0]?.conversationId, recordingId: '11111111-1111-4111-8111-111111111111' },
    ];
    const sub = await api('/api/v2/recording/batchrequests', {
      method: 'POST',
      body: JSON.stringify({ batchDownloadRequestList: list }),
    });
    expect(sub.status).toBe(200);
    expect(sub.json).toEqual({
      id: expect.any(String),
      selfUri: `/api/v2/recording/batchrequests/${sub.json.id}`,
    });

    const first = await poll(api, sub.json.id);
    expect(first).toMatchObject({
      id: sub.json.id,
      jobId: sub.json.id,
      status: 'InProgress',
      resultCount: 0,
      expectedResultCount: 7,
    });
    const seen: number[] = [];
    let status = first;
    const total = 6 + e.dataset.recordingsOf(multi.conversationId).length;
    while (status.status !== 'Completed') {
      clock.now += 200;
      status = await poll(api, sub.json.id);
      seen.push(status.resultCount as number);
      expect(status.expectedResultCount).toBeGreaterThanOrEqual(status.resultCount as number);
    }
    expect(new Set(seen).size).toBeGreaterThan(2); // grew over several polls
    expect(status.expectedResultCount).toBe(total);
    expect(status.resultCount).toBe(total);
    const results = status.results ?? [];
    const errors = results.filter((r) => r.errorMsg);
    expect(status.errorCount).toBe(2);
    expect(errors.map((r) => r.errorMsg).sort()).toEqual(['Recording is archived', 'Recording not found']);
    for (const r of errors) expect(r.resultUrl).toBeUndefined();
    const oks = results.filter((r) => !r.errorMsg);
    for (const r of oks) {
      expect(r.resultUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s3\/recordings\/.+X-Amz-Signature=/);
      expect(r.contentType).toMatch(/^(audio\/wav|video\/webm)$/);
    }
    const okAudio = oks.find((r) => r.contentType === 'audio/wav');
    const dl = await fetch(okAudio?.resultUrl as string);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('audio/wav');
    expect(dl.headers.get('inin-correlation-id')).toBeNull();
    const bytes = Buffer.from(await dl.arrayBuffer());
    expect(Number(dl.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.equals(e.dataset.audioOf(okAudio?.recordingId as string).bytes)).toBe(true);
  });

  it('validates the request list: empty, missing and more than 100 items', async () => {
    const { api, day } = await start();
    const empty = await api('/api/v2/recording/batchrequests', {
      method: 'POST',
      body: JSON.stringify({ batchDownloadRequestList: [] }),
    });
    expect(empty.status).toBe(400);
    expect(empty.json).toMatchObject({
      code: 'batch.download.bad.request',
      message: 'Request list is required and must not be empty',
    });
    expect((await api('/api/v2/recording/batchrequests', { method: 'POST', body: '{}' })).json.code).toBe(
      'batch.download.bad.request',
    );
    const many = Array.from({ length: 101 }, (_, i) => ({
      conversationId: (day[i % day.length] as AnalyticsConversation).conversationId,
    }));
    const tooMany = await api('/api/v2/recording/batchrequests', {
      method: 'POST',
      body: JSON.stringify({ batchDownloadRequestList: many }),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toMatchObject({
      code: 'batch.download.too.many.items',
      message: 'Too many items requested, max 100 allowed',
    });
  });

  it("answers 404 for an unknown job and 403 for another client's job", async () => {
    const { e, api, day } = await start({ extraClients: [{ clientId: 'other', clientSecret: 'other' }] });
    expect((await api('/api/v2/recording/batchrequests/nope')).json.code).toBe(
      'batch.download.job.not.found',
    );
    const sub = await api('/api/v2/recording/batchrequests', {
      method: 'POST',
      body: JSON.stringify({ batchDownloadRequestList: [{ conversationId: day[0]?.conversationId }] }),
    });
    const otherToken = await tokenFor(e, 'other', 'other');
    const res = await fetch(`${e.url}/api/v2/recording/batchrequests/${sub.json.id}`, {
      headers: { authorization: `Bearer ${otherToken}` },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'batch.download.permission.denied', status: 403 });
  });

  it('serves pre-signed URLs only unauthenticated, unaltered and before they expire', async () => {
    const { e, clock, api, day } = await start({
      resultUrlTtlSeconds: 120,
      batchJobDurationMs: { min: 0, max: 0 },
    });
    const c = day.find(
      (x) => e.dataset.recordingsOf(x.conversationId)[0]?.fileState === 'AVAILABLE',
    ) as AnalyticsConversation;
    const rec = e.dataset.recordingsOf(c.conversationId)[0] as RecordingMetadata;
    const sub = await api('/api/v2/recording/batchrequests', {
      method: 'POST',
      body: JSON.stringify({
        batchDownloadRequestList: [{ conversationId: c.conversationId, recordingId: rec.id }],
      }),
    });
    const status = await poll(api, sub.json.id);
    expect(status.status).toBe('Completed');
    const url = status.results?.[0]?.resultUrl as string;
    const withAuth = await fetch(url, { headers: { authorization: 'Bearer abc' } });
    expect(withAuth.status).toBe(400);
    expect(await withAuth.text()).toContain('<Code>InvalidArgument</Code>');
    const tampered = await fetch(url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=999999'));
    expect(tampered.status).toBe(403);
    const wav = await fetch(url);
    expect(wav.status).toBe(200);
    const bytes = Buffer.from(await wav.arrayBuffer());
    // RIFF/WAVE PCM, 8 kHz, 16-bit, mono or stereo; size within audioBytes defaults.
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(bytes.subarray(8, 16).toString('latin1')).toBe('WAVEfmt ');
    expect(bytes.readUInt16LE(20)).toBe(1);
    expect([1, 2]).toContain(bytes.readUInt16LE(22));
    expect(bytes.readUInt32LE(24)).toBe(8000);
    expect(bytes.readUInt16LE(34)).toBe(16);
    expect(bytes.subarray(36, 40).toString('latin1')).toBe('data');
    expect(bytes.readUInt32LE(40)).toBe(bytes.length - 44);
    expect(bytes.length).toBeGreaterThanOrEqual(16_000);
    expect(bytes.length).toBeLessThanOrEqual(64_000);
    clock.now += 121_000;
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    const xml = await expired.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('<Message>Request has expired</Message>');
    expect(
      e.journal
        .entries()
        .filter((j) => j.path.startsWith('/s3/'))
        .map((j) => j.status),
    ).toEqual([400, 403, 200, 403]);
  });
});

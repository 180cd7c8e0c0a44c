// Spec §15, issue 16 items 1-3: other media in the same queues (chat, e-mail, message transcripts;
// callbacks whose audio is on the agent's call), the mediaType predicate of the details query, batch
// results in the original codec (real Ogg/Opus and WebM/Opus files that libopus decodes, WAV), generic
// download Content-Types, download URLs on a second host, and redirecting URLs — through the official SDK.
import { OggOpusDecoder } from 'ogg-opus-decoder';
import type platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation } from '../../src/contracts/genesys.js';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator, OracleConversation } from '../../src/emulator/types.js';
import {
  completedBatch,
  connectSdk,
  expectErrorEnvelope,
  fetchUrl,
  type Sdk,
  settle,
  testClock,
} from './harness.js';

const clock = testClock('2026-03-11T11:00:00.000Z');
const DAY = '2026-03-10';
const INTERVAL = '2026-03-10T05:00:00.000Z/2026-03-11T05:00:00.000Z';

let emu: Emulator;
let sdk: Sdk;
let oracle: OracleConversation[];

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'conformance-media',
    conversationsPerDay: 200,
    otherMedia: { chat: 0.05, email: 0.04, message: 0.04, callback: 0.04 },
    codecs: { ogg: 1, opus: 1, webm: 1, wav: 1 },
    genericContentTypeShare: 0.3,
    separateDownloadHost: true,
    redirectShare: 0.3,
    batchJobDurationMs: { min: 0, max: 0 },
    audioBytes: { min: 4_000, max: 12_000 },
    now: clock.now,
  });
  sdk = await connectSdk(emu);
  oracle = emu.oracle(DAY).conversations;
});
afterAll(async () => {
  await emu?.close();
});

async function queryAll(body: Record<string, unknown>): Promise<AnalyticsConversation[]> {
  const out: AnalyticsConversation[] = [];
  for (let n = 1; ; n++) {
    const page = await sdk.analytics.postAnalyticsConversationsDetailsQuery({
      interval: INTERVAL,
      paging: { pageSize: 100, pageNumber: n },
      ...body,
    } as platformClient.Models.ConversationQuery);
    if (!page.conversations) return out;
    out.push(...(page.conversations as unknown as AnalyticsConversation[]));
  }
}

const queueFilter = (ids: readonly string[]) => ({
  type: 'or',
  predicates: ids.map((value) => ({ type: 'dimension', dimension: 'queueId', operator: 'matches', value })),
});
const voice = {
  type: 'or',
  predicates: [{ type: 'dimension', dimension: 'mediaType', operator: 'matches', value: 'voice' }],
};
const inQueues = (id: string) =>
  oracle.find((o) => o.conversationId === id)?.queues.some((q) => emu.queueIds.includes(q.id)) ?? false;
const mediaTypesOf = (c: AnalyticsConversation) =>
  new Set((c.participants ?? []).flatMap((p) => (p.sessions ?? []).map((s) => s.mediaType)));

describe('other media in the queues and the mediaType predicate', () => {
  it('the queues route chats, e-mails, WhatsApp messages and callbacks besides calls', async () => {
    const all = await queryAll({ segmentFilters: [queueFilter(emu.queueIds)] });
    const kinds = (m: string) => all.filter((c) => mediaTypesOf(c).has(m)).length;
    expect(kinds('chat')).toBeGreaterThan(3);
    expect(kinds('email')).toBeGreaterThan(3);
    expect(kinds('message')).toBeGreaterThan(3);
    expect(kinds('callback')).toBeGreaterThan(3);
    const message = all.find((c) => mediaTypesOf(c).has('message')) as AnalyticsConversation;
    expect(message.participants?.[0]?.sessions?.[0]).toMatchObject({
      mediaType: 'message',
      messageType: 'whatsapp',
    });
  });

  it('a segment predicate mediaType=voice keeps calls and callbacks that became calls, and nothing else', async () => {
    const restricted = await queryAll({ segmentFilters: [queueFilter(emu.queueIds), voice] });
    const all = await queryAll({ segmentFilters: [queueFilter(emu.queueIds)] });
    expect(restricted.length).toBeLessThan(all.length);
    for (const c of restricted) {
      const types = mediaTypesOf(c);
      expect(types.has('voice'), c.conversationId).toBe(true);
      for (const t of ['chat', 'email', 'message'])
        expect(types.has(t), `${c.conversationId} ${t}`).toBe(false);
    }
    const callbacks = restricted.filter((c) => mediaTypesOf(c).has('callback'));
    expect(callbacks.length).toBeGreaterThan(3);
    // The oracle agrees conversation by conversation (for the conversations of the local day).
    const expected = new Set(oracle.filter((o) => o.matchesVoiceFilter).map((o) => o.conversationId));
    const ofDay = new Set(oracle.map((o) => o.conversationId));
    const got = new Set(restricted.map((c) => c.conversationId).filter((id) => ofDay.has(id)));
    expect([...got].sort()).toEqual([...expected].filter((id) => got.has(id) || inQueues(id)).sort());
  });

  it('a callback: the agent has a callback session, then a voice session; the audio is the call', async () => {
    const cb = oracle.find(
      (o) => o.mediaType === 'callback' && o.outcome === 'recorded',
    ) as OracleConversation;
    const view = emu.dataset
      .conversationsOnLocalDay(DAY)
      .find((c) => c.conversationId === cb.conversationId) as AnalyticsConversation;
    const agent = view.participants?.find((p) => p.purpose === 'agent');
    expect(agent?.sessions?.map((s) => s.mediaType)).toEqual(['callback', 'voice']);
    const meta = await sdk.recording.getConversationRecordingmetadata(cb.conversationId);
    expect(meta).toHaveLength(1);
    const callSession = view.participants
      ?.flatMap((p) => p.sessions ?? [])
      .find((s) => s.mediaType === 'voice' && s.recording === true);
    expect(meta[0]?.media).toBe('audio');
    expect(meta[0]?.sessionId).toBe(callSession?.sessionId);
  });

  it('mediaType is a segment dimension: as a conversation filter it is a 400 invalid.value', async () => {
    const res = await settle(
      (await connectSdk(emu, { extended: true })).analytics.postAnalyticsConversationsDetailsQuery({
        interval: INTERVAL,
        conversationFilters: [voice],
      } as unknown as platformClient.Models.ConversationQuery),
    );
    expectErrorEnvelope(res, 400, 'invalid.value');
  });

  it('chats, e-mails and messages have JSON transcripts as "recordings"; a batch serves application/json', async () => {
    const transcripts = oracle.filter((o) => o.outcome === 'not-audio').slice(0, 6);
    expect(new Set(transcripts.map((t) => t.mediaType)).size).toBeGreaterThanOrEqual(2);
    const items = transcripts.map((t) => ({ conversationId: t.conversationId }));
    const { id } = await sdk.recording.postRecordingBatchrequests({ batchDownloadRequestList: items });
    const done = await completedBatch(sdk, id as string);
    expect(done.results).toHaveLength(transcripts.length);
    for (const r of done.results ?? []) {
      const t = transcripts.find((x) => x.conversationId === r.conversationId) as OracleConversation;
      const meta = await sdk.recording.getConversationRecordingmetadata(t.conversationId);
      expect(meta[0]?.media).toBe(t.mediaType);
      expect(r.contentType).toBe('application/json');
      const file = await fetchUrl(r.resultUrl as string);
      const body = file.status === 302 ? await fetchUrl(file.headers.get('location') as string) : file;
      expect(body.status).toBe(200);
      const doc = JSON.parse(body.bytes.toString('utf8')) as { media: string; messages: unknown[] };
      expect(doc.media).toBe(t.mediaType);
      expect(doc.messages.length).toBeGreaterThan(0);
    }
  });
});

describe('original codecs, content types, download host and redirects', () => {
  let results: platformClient.Models.BatchDownloadJobResult[] = [];
  beforeAll(async () => {
    const audio = oracle.flatMap((o) =>
      o.recordings.filter((r) => r.outcome === 'downloadable').map((r) => ({ o, r })),
    );
    const items = audio
      .slice(0, 100)
      .map(({ o, r }) => ({ conversationId: o.conversationId, recordingId: r.recordingId }));
    const { id } = await sdk.recording.postRecordingBatchrequests({ batchDownloadRequestList: items });
    results = (await completedBatch(sdk, id as string)).results ?? [];
  });

  it('batch results come in the original codec: Ogg/Opus, Opus, WebM and WAV content types', () => {
    const types = new Set(results.map((r) => r.contentType));
    for (const t of ['audio/ogg; codecs=opus', 'audio/ogg', 'audio/opus', 'audio/webm', 'audio/wav']) {
      expect(types.has(t), t).toBe(true);
    }
  });

  it('the files are real containers: magic bytes right, and libopus decodes the Ogg ones to audio', async () => {
    const decoder = new OggOpusDecoder();
    await decoder.ready;
    try {
      const seen = new Set<string>();
      for (const r of results) {
        let res = await fetchUrl(r.resultUrl as string);
        if (res.status === 302) res = await fetchUrl(res.headers.get('location') as string);
        expect(res.status).toBe(200);
        const b = res.bytes;
        expect(b.equals(emu.dataset.audioOf(r.recordingId as string).bytes)).toBe(true);
        const type = (r.contentType as string).split(';')[0];
        if (type === 'audio/ogg' || type === 'audio/opus') {
          expect(b.subarray(0, 4).toString('latin1')).toBe('OggS');
          expect(b.subarray(28, 36).toString('latin1')).toBe('OpusHead');
          expect(b.indexOf('OpusTags')).toBeGreaterThan(36);
          if (!seen.has(type)) {
            const decoded = await decoder.decodeFile(new Uint8Array(b));
            expect(decoded.errors).toEqual([]);
            expect(decoded.sampleRate).toBe(48_000);
            expect(decoded.samplesDecoded).toBeGreaterThan(48_000 / 2);
            const peak = Math.max(
              ...decoded.channelData.map((ch) => ch.reduce((m, v) => Math.max(m, Math.abs(v)), 0)),
            );
            expect(peak).toBeGreaterThan(0.01); // not silence
            expect(peak).toBeLessThanOrEqual(1.5);
            await decoder.reset();
          }
        } else if (type === 'audio/webm') {
          expect(b.readUInt32BE(0)).toBe(0x1a45dfa3); // EBML
          expect(b.indexOf('webm')).toBeGreaterThan(4); // DocType
          expect(b.indexOf('A_OPUS')).toBeGreaterThan(0);
          expect(b.indexOf('OpusHead')).toBeGreaterThan(0);
        } else {
          expect(type).toBe('audio/wav');
          expect(b.subarray(0, 4).toString('latin1')).toBe('RIFF');
          expect(b.subarray(8, 12).toString('latin1')).toBe('WAVE');
        }
        seen.add(type as string);
      }
      expect(seen.size).toBe(4);
    } finally {
      decoder.free();
    }
  });

  it('some downloads answer a generic Content-Type (binary/octet-stream, application/octet-stream)', async () => {
    const headers = new Set<string>();
    for (const r of results) {
      let res = await fetchUrl(r.resultUrl as string);
      if (res.status === 302) res = await fetchUrl(res.headers.get('location') as string);
      headers.add(res.headers.get('content-type') as string);
    }
    expect(headers.has('binary/octet-stream') || headers.has('application/octet-stream')).toBe(true);
    expect([...headers].some((h) => h.startsWith('audio/'))).toBe(true);
  });

  it('URLs point at the download host; some answer 302 to the signed location there', async () => {
    const downloadHost = new URL(emu.downloadUrl).host;
    const apiHost = new URL(emu.url).host;
    expect(downloadHost).not.toBe(apiHost);
    const redirecting = results.filter((r) =>
      new URL(r.resultUrl as string).pathname.startsWith('/s3-redirect/'),
    );
    const direct = results.filter((r) => new URL(r.resultUrl as string).host === downloadHost);
    expect(redirecting.length).toBeGreaterThan(5);
    expect(direct.length).toBeGreaterThan(5);
    expect(redirecting.length + direct.length).toBe(results.length);
    const hop = await fetchUrl(redirecting[0]?.resultUrl as string);
    expect(hop.status).toBe(302);
    const location = new URL(hop.headers.get('location') as string);
    expect(location.host).toBe(downloadHost);
    expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // The API host no longer serves the object store's path.
    expect((await fetchUrl(`${emu.url}${location.pathname}${location.search}`)).status).toBe(501);
    // The journal tells the download host's requests apart.
    const downloads = emu.journal.entries().filter((e) => e.host === 'downloads');
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.every((e) => e.path.startsWith('/s3/'))).toBe(true);
  });

  it('a redirecting URL refuses an Authorization header like the object store does', async () => {
    const r = results.find((x) => new URL(x.resultUrl as string).pathname.startsWith('/s3-redirect/'));
    const res = await fetchUrl(r?.resultUrl as string, { headers: { authorization: 'Bearer x' } });
    expect(res.status).toBe(400);
    expect(res.bytes.toString()).toContain('InvalidArgument');
  });

  it('GET /recordings mediaUris serve the format asked for (WEBM, OGG_OPUS, WAV)', async () => {
    const o = oracle.find(
      (c) =>
        c.outcome === 'recorded' &&
        c.recordings.some((r) => r.outcome === 'downloadable' && !r.emptyMediaUris),
    ) as OracleConversation;
    const magic: Record<string, (b: Buffer) => boolean> = {
      WEBM: (b) => b.readUInt32BE(0) === 0x1a45dfa3,
      OGG_OPUS: (b) => b.subarray(0, 4).toString('latin1') === 'OggS',
      WAV: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF',
    };
    for (const formatId of Object.keys(magic)) {
      const list = await sdk.recording.getConversationRecordings(o.conversationId, {
        formatId,
        maxWaitMs: 5000,
      });
      const uri = (list as platformClient.Models.Recording[]).find((r) => r.mediaUris?.['0'])?.mediaUris?.[
        '0'
      ]?.mediaUri as string;
      let res = await fetchUrl(uri);
      if (res.status === 302) res = await fetchUrl(res.headers.get('location') as string);
      expect(res.status, formatId).toBe(200);
      expect(magic[formatId]?.(res.bytes), formatId).toBe(true);
    }
  });
});

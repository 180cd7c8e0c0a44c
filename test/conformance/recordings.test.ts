// Spec §12.7-8 (§5, §6): recordingmetadata and recordings, through the official SDK. Status codes come
// from a client with setReturnExtendedResponses(true); one test shows what a plain SDK client sees of a 202.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation, RecordingMetadata } from '../../src/contracts/genesys.js';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import { connectSdk, expectErrorEnvelope, nullPaths, type Sdk, settle, sleep, testClock } from './harness.js';

const FILE_STATES = ['ARCHIVED', 'AVAILABLE', 'DELETED', 'RESTORED', 'RESTORING', 'UPLOADING', 'ERROR'];
const DAYS = ['2026-03-09', '2026-03-10'];

let emu: Emulator;
let sdk: Sdk;
let plain: Sdk;
let conversations: AnalyticsConversation[];
const clock = testClock('2026-03-11T11:00:00.000Z');

beforeAll(async () => {
  emu = await buildEmulator({ seed: 'conformance-recordings', conversationsPerDay: 150, now: clock.now });
  sdk = await connectSdk(emu, { extended: true });
  plain = await connectSdk(emu);
  conversations = DAYS.flatMap((d) => emu.dataset.conversationsOnLocalDay(d));
});
afterAll(async () => {
  await emu?.close();
});

const metadata = (id: string) =>
  settle<RecordingMetadata[]>(sdk.recording.getConversationRecordingmetadata(id));

function withRecordings(pred: (r: RecordingMetadata[]) => boolean): AnalyticsConversation[] {
  return conversations.filter((c) => c.conversationEnd && pred(emu.dataset.recordingsOf(c.conversationId)));
}

describe('GET /api/v2/conversations/{id}/recordingmetadata', () => {
  it('answers a bare JSON array of the conversation recordings', async () => {
    const c = withRecordings((r) => r.some((x) => x.fileState === 'AVAILABLE'))[0] as AnalyticsConversation;
    const res = await metadata(c.conversationId);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toEqual(emu.dataset.recordingsOf(c.conversationId));
    for (const r of res.body) {
      expect(r.id).toMatch(/\S/);
      expect(r.conversationId).toBe(c.conversationId);
    }
    expect(nullPaths(res.body)).toEqual([]);
  });

  it('the plain SDK resolves it to the array itself', async () => {
    const c = withRecordings((r) => r.length > 0)[0] as AnalyticsConversation;
    const list = await plain.recording.getConversationRecordingmetadata(c.conversationId);
    expect(list).toEqual(emu.dataset.recordingsOf(c.conversationId));
  });

  it('answers [] (200) for a conversation without recordings', async () => {
    const c = withRecordings((r) => r.length === 0)[0];
    expect(c, 'the data set has a conversation without recordings').toBeDefined();
    const res = await metadata((c as AnalyticsConversation).conversationId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('answers 404 in the platform envelope for an unknown conversation', async () => {
    expectErrorEnvelope(await metadata(randomUUID()), 404);
  });

  it('uses the documented fileState values, ARCHIVED and DELETED among them', async () => {
    const seen = new Set<string>();
    let futureArchiveDate = false;
    const candidates = conversations.filter((c) => c.conversationEnd);
    for (const c of candidates) {
      for (const r of emu.dataset.recordingsOf(c.conversationId)) {
        seen.add(r.fileState as string);
        if (r.fileState === 'AVAILABLE' && r.archiveDate && Date.parse(r.archiveDate) > clock.now()) {
          futureArchiveDate = true;
        }
      }
    }
    for (const s of seen) expect(FILE_STATES).toContain(s);
    expect(seen).toContain('AVAILABLE');
    expect(seen).toContain('ARCHIVED');
    expect(seen).toContain('DELETED');
    // "The date the recording will be archived": an AVAILABLE recording may carry a future archiveDate.
    expect(futureArchiveDate).toBe(true);

    // And the wire agrees with the data set for one of each state.
    for (const state of ['ARCHIVED', 'DELETED']) {
      const c = withRecordings((r) => r.some((x) => x.fileState === state))[0] as AnalyticsConversation;
      const res = await metadata(c.conversationId);
      expect(res.body.map((r) => r.fileState)).toContain(state);
    }
  });
});

describe('GET /api/v2/conversations/{id}/recordings', () => {
  const audioConversations = () =>
    withRecordings((r) => r.length > 0 && r.every((x) => x.fileState === 'AVAILABLE' && x.media === 'audio'));

  it('answers 202 with an empty body while transcoding, then 200 with the list', async () => {
    const c = audioConversations()[0] as AnalyticsConversation;
    const first = await settle<unknown>(
      sdk.recording.getConversationRecordings(c.conversationId, { formatId: 'WAV', maxWaitMs: 0 }),
    );
    expect(first.status).toBe(202);
    expect(first.body === undefined || first.body === '' || first.body === null).toBe(true);

    let last = first;
    const deadline = Date.now() + 10_000;
    while (last.status === 202 && Date.now() < deadline) {
      await sleep(200);
      last = await settle<unknown>(
        sdk.recording.getConversationRecordings(c.conversationId, { formatId: 'WAV', maxWaitMs: 0 }),
      );
    }
    expect(last.status).toBe(200);
    const list = last.body as { id: string }[];
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((r) => r.id).sort()).toEqual(
      emu.dataset
        .recordingsOf(c.conversationId)
        .map((r) => r.id)
        .sort(),
    );
    expect(nullPaths(list)).toEqual([]);
  });

  it('a plain SDK client cannot tell a 202 from success: it resolves with an empty value', async () => {
    const c = audioConversations()[1] as AnalyticsConversation;
    const value = await plain.recording.getConversationRecordings(c.conversationId, {
      formatId: 'MP3',
      maxWaitMs: 0,
    });
    expect(Array.isArray(value)).toBe(false);
    expect(value === undefined || (value as unknown) === '' || value === null).toBe(true);
  });

  it('holds the request up to maxWaitMs and answers 200 once the transcode is done', async () => {
    const c = audioConversations()[2] as AnalyticsConversation;
    const res = await settle<unknown>(
      sdk.recording.getConversationRecordings(c.conversationId, { formatId: 'OGG_OPUS', maxWaitMs: 5000 }),
    );
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
  });

  it('formatId=NONE answers the list at once, with no media', async () => {
    const c = audioConversations()[3] as AnalyticsConversation;
    const res = await settle<{ id: string; mediaUris?: unknown }[]>(
      sdk.recording.getConversationRecordings(c.conversationId, { formatId: 'NONE', maxWaitMs: 0 }),
    );
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    for (const r of res.body)
      expect(r.mediaUris === undefined || Object.keys(r.mediaUris as object).length === 0).toBe(true);
  });

  it('answers 404 for an unknown conversation', async () => {
    expectErrorEnvelope(
      await settle(sdk.recording.getConversationRecordings(randomUUID(), { formatId: 'NONE' })),
      404,
    );
  });
});

// Spec §15, issue 16 items 4-7: what the recording endpoints of a production org do that a tidy one
// does not, through the official SDK — batches Completed with fewer results (sensitive data, both
// expectedResultCount variants), an AVAILABLE audio item with mediaUris {} (for a while, or always),
// recordings RESTORING, RESTORED and ERROR, fileState in title case, metadata [] or 404 for a while
// after a recorded call, and the 403 of a role without recording:recording:view.
import type platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator, EmulatorOptions, OracleConversation } from '../../src/emulator/types.js';
import {
  completedBatch,
  connectSdk,
  expectErrorEnvelope,
  expectPlatformHeaders,
  fetchUrl,
  type Sdk,
  settle,
  testClock,
} from './harness.js';

const DAY = '2026-03-10';

async function start(o: EmulatorOptions, clockStart = '2026-03-11T11:00:00.000Z') {
  const clock = testClock(clockStart);
  const emu = await buildEmulator({
    seed: 'conformance-production',
    conversationsPerDay: 200,
    batchJobDurationMs: { min: 0, max: 0 },
    now: clock.now,
    ...o,
  });
  return { emu, clock, sdk: await connectSdk(emu, { extended: true }), plain: await connectSdk(emu) };
}

const recordedWith = (emu: Emulator, pred: (c: OracleConversation) => boolean) =>
  emu.oracle(DAY).conversations.filter((c) => c.recordings.length > 0 && pred(c));

describe('batches Completed with fewer results (sensitive data, no viewSensitiveData)', () => {
  let emu: Emulator;
  afterAll(async () => {
    await emu?.close();
  });

  it.each([
    ['includes-excluded', true],
    ['drops-excluded', false],
  ] as const)('expectedResultCount %s', async (variant, counted) => {
    await emu?.close();
    const s = await start({
      sensitiveData: { share: 0.05, expectedResultCount: variant },
      missingPermissions: ['recording:recording:viewSensitiveData'],
      extraClients: [{ clientId: 'full', clientSecret: 'f' }],
    });
    emu = s.emu;
    const sensitive = recordedWith(emu, (c) => c.recordings.some((r) => r.outcome === 'excluded')).slice(
      0,
      3,
    );
    const plain = recordedWith(emu, (c) => c.recordings.every((r) => r.outcome === 'downloadable')).slice(
      0,
      3,
    );
    expect(sensitive).toHaveLength(3);
    const items = [...sensitive, ...plain].map((c) => ({ conversationId: c.conversationId }));
    const { id } = await s.plain.recording.postRecordingBatchrequests({ batchDownloadRequestList: items });
    const done = await completedBatch(s.plain, id as string);
    const excluded = sensitive.flatMap((c) => c.recordings.filter((r) => r.outcome === 'excluded')).length;
    const kept = [...sensitive, ...plain].flatMap((c) => c.recordings).length - excluded;
    expect(done.status).toBe('Completed');
    expect(done.resultCount).toBe(kept);
    expect(done.expectedResultCount).toBe(counted ? kept + excluded : kept);
    const got = new Set(done.results?.map((r) => r.recordingId));
    for (const c of sensitive)
      for (const r of c.recordings.filter((x) => x.outcome === 'excluded'))
        expect(got.has(r.recordingId)).toBe(false);
    expect(done.results?.some((r) => r.errorMsg)).toBe(false); // silently: no error item either

    // A client whose role has viewSensitiveData gets them all.
    const full = await connectSdk(emu, { clientId: 'full', clientSecret: 'f' });
    const again = await full.recording.postRecordingBatchrequests({ batchDownloadRequestList: items });
    const all = await completedBatch(full, again.id as string);
    expect(all.resultCount).toBe(kept + excluded);
    expect(emu.oracle(DAY, { clientId: 'full' }).summary.recordings['excluded:sensitive']).toBeUndefined();
  });
});

describe('GET /recordings: AVAILABLE audio with mediaUris {}', () => {
  let emu: Emulator;
  let clock: ReturnType<typeof testClock>;
  let sdk: Sdk;
  beforeAll(async () => {
    ({
      emu,
      clock,
      plain: sdk,
    } = await start({ emptyMediaUris: { share: 0.06, forMs: 6 * 3_600_000 } }, '2026-03-10T22:00:00.000Z'));
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('answers 200 with mediaUris {} for a while (temporary) or always (permanent)', async () => {
    // 17:00 in Lima: calls that ended a few minutes ago are in their empty window.
    const found = recordedWith(emu, (c) => c.recordings.some((r) => r.emptyMediaUris));
    const temporary = found.flatMap((c) =>
      c.recordings.filter((r) => r.emptyMediaUris === 'temporary').map((r) => ({ c, r })),
    );
    const permanent = found.flatMap((c) =>
      c.recordings.filter((r) => r.emptyMediaUris === 'permanent').map((r) => ({ c, r })),
    );
    expect(temporary.length).toBeGreaterThan(0);
    expect(permanent.length).toBeGreaterThan(0);
    const uris = async (conversationId: string, recordingId: string) => {
      const list = (await sdk.recording.getConversationRecordings(conversationId, {
        formatId: 'WAV',
        maxWaitMs: 5000,
      })) as platformClient.Models.Recording[];
      const item = list.find((x) => x.id === recordingId) as platformClient.Models.Recording;
      expect(item.fileState).toBe('AVAILABLE');
      return item.mediaUris;
    };
    const { c, r } = permanent[0] as (typeof permanent)[number];
    expect(await uris(c.conversationId, r.recordingId)).toEqual({});
    const pending = temporary.find((x) => Date.parse(x.r.mediaUrisUntil as string) > clock.now() + 60_000);
    expect(pending, 'a recording still in its empty window').toBeDefined();
    if (pending) {
      expect(await uris(pending.c.conversationId, pending.r.recordingId)).toEqual({});
      clock.advance(Date.parse(pending.r.mediaUrisUntil as string) - clock.now() + 1_000);
      expect(Object.keys((await uris(pending.c.conversationId, pending.r.recordingId)) ?? {})).toEqual(['0']);
    }
    // Permanent stays empty later on; the batch download of that recording still works.
    clock.advance(3_600_000);
    expect(await uris(c.conversationId, r.recordingId)).toEqual({});
    const { id } = await sdk.recording.postRecordingBatchrequests({
      batchDownloadRequestList: [{ conversationId: c.conversationId, recordingId: r.recordingId }],
    });
    const done = await completedBatch(sdk, id as string);
    expect((await fetchUrl(done.results?.[0]?.resultUrl as string)).status).toBe(200);
  });
});

describe('fileState RESTORING, RESTORED, ERROR, and title case', () => {
  let emu: Emulator;
  let sdk: Sdk;
  beforeAll(async () => {
    ({ emu, plain: sdk } = await start({
      fileStates: { restoring: 0.03, restored: 0.03, error: 0.03, titleCase: 0.5 },
    }));
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('metadata shows the three states; a batch downloads RESTORED and reports the others as errors', async () => {
    const byState = (s: string) =>
      recordedWith(emu, (c) => c.recordings.some((r) => r.fileState === s))[0] as OracleConversation;
    const restored = byState('RESTORED');
    const restoring = byState('RESTORING');
    const error = byState('ERROR');
    const first = async (c: OracleConversation) =>
      (
        await sdk.recording.getConversationRecordingmetadata(c.conversationId)
      )[0] as platformClient.Models.RecordingMetadata;
    const m = await first(restored);
    expect(m.fileState).toBe('RESTORED');
    expect(Date.parse(m.restoreExpirationTime as string)).toBeGreaterThan(Date.parse('2026-03-11T11:00:00Z'));
    expect((await first(restoring)).fileState).toBe('RESTORING');
    expect((await first(error)).fileState).toBe('ERROR');
    const items = [restored, restoring, error].map((c) => ({
      conversationId: c.conversationId,
      recordingId: c.recordings[0]?.recordingId as string,
    }));
    const { id } = await sdk.recording.postRecordingBatchrequests({ batchDownloadRequestList: items });
    const done = await completedBatch(sdk, id as string);
    const [a, b, c] = items.map((it) => done.results?.find((r) => r.recordingId === it.recordingId));
    expect(a?.resultUrl).toMatch(/^http/);
    expect(b?.errorMsg).toMatch(/restor/i);
    expect(c?.errorMsg).toMatch(/error/i);
    expect(emu.oracle(DAY).summary.recordings).toMatchObject({
      'downloadable:restored': expect.any(Number),
      'not-ready:restoring': expect.any(Number),
      'unavailable:error': expect.any(Number),
    });
  });

  it('some recordings write "Archived" (or "Uploading") in title case, as the Python SDK docs show', async () => {
    const titled = recordedWith(emu, (c) =>
      c.recordings.some((r) => r.fileState === 'Archived' || r.fileState === 'Uploading'),
    );
    expect(titled.length).toBeGreaterThan(0);
    const c = titled[0] as OracleConversation;
    const meta = await sdk.recording.getConversationRecordingmetadata(c.conversationId);
    expect(meta.map((r) => r.fileState)).toContain(
      c.recordings.find((r) => /^[A-Z][a-z]/.test(r.fileState ?? ''))?.fileState,
    );
  });
});

describe('recorded, but the metadata is not there yet', () => {
  let emu: Emulator;
  let clock: ReturnType<typeof testClock>;
  let sdk: Sdk;
  beforeAll(async () => {
    ({ emu, clock, sdk } = await start(
      { metadataLag: { share: 0.08, forMs: 6 * 3_600_000 } },
      '2026-03-10T22:00:00.000Z',
    ));
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('answers [] or 404 while the session says recording: true, then the recordings', async () => {
    const lagging = recordedWith(emu, (c) => c.recordings.some((r) => r.reason === 'metadata-pending'));
    expect(lagging.length).toBeGreaterThanOrEqual(2);
    const statuses = new Set<number>();
    for (const c of lagging) {
      const view = emu.dataset
        .conversationsOnLocalDay(DAY)
        .find((x) => x.conversationId === c.conversationId);
      expect(view?.participants?.some((p) => p.sessions?.some((s) => s.recording === true))).toBe(true);
      const res = await settle<unknown[]>(sdk.recording.getConversationRecordingmetadata(c.conversationId));
      statuses.add(res.status);
      if (res.status === 200) expect(res.body).toEqual([]);
      else expectErrorEnvelope(res, 404, 'not.found');
    }
    expect([...statuses].sort()).toEqual([200, 404]);
    const until = Math.max(...lagging.flatMap((c) => c.recordings.map((r) => Date.parse(r.until as string))));
    clock.advance(until - clock.now() + 1_000);
    for (const c of lagging) {
      const res = await settle<unknown[]>(sdk.recording.getConversationRecordingmetadata(c.conversationId));
      expect(res.status).toBe(200);
      expect(res.body.length).toBeGreaterThan(0);
    }
  });
});

describe('a role without recording:recording:view', () => {
  it('gets 403 missing.any.permissions on metadata, recordings and batch submit; batch status needs none', async () => {
    const s = await start({
      extraClients: [
        { clientId: 'no-rec', clientSecret: 'n', missingPermissions: ['recording:recording:view'] },
      ],
    });
    try {
      const other = await connectSdk(s.emu, { extended: true, clientId: 'no-rec', clientSecret: 'n' });
      const c = recordedWith(s.emu, (x) => x.outcome === 'recorded')[0] as OracleConversation;
      for (const res of [
        await settle(other.recording.getConversationRecordingmetadata(c.conversationId)),
        await settle(other.recording.getConversationRecordings(c.conversationId, { formatId: 'NONE' })),
        await settle(
          other.recording.postRecordingBatchrequests({
            batchDownloadRequestList: [{ conversationId: c.conversationId }],
          }),
        ),
      ]) {
        const body = expectErrorEnvelope(res, 403, 'missing.any.permissions');
        expect(body.message).toContain('recording:recording:view');
        expectPlatformHeaders(res.headers, '403');
      }
      expect(
        (await settle(other.recording.getRecordingBatchrequest('00000000-0000-4000-8000-000000000000')))
          .status,
      ).toBe(404);
      expect(s.emu.oracle(DAY, { clientId: 'no-rec' }).summary.recordings).toHaveProperty(
        'permission-missing:missing:recording:recording:view',
      );
    } finally {
      await s.emu.close();
    }
  });
});

// The 'production' profile and the oracle: the default day stays tidy, the production-like day mixes
// every case of issue 16, and the oracle's verdict for each recording is what the API then serves
// (metadata, batch results, downloads), so an end-to-end test can trust it line by line.
import { afterEach, describe, expect, it } from 'vitest';
import type {
  AnalyticsConversation,
  BatchDownloadJobStatusResult,
  RecordingMetadata,
} from '../../src/contracts/genesys.js';
import { buildEmulator, type Emulator, type EmulatorOptions, PROFILES } from '../../src/emulator/index.js';
import type { DayOracle, OracleConversation, OracleRecording } from '../../src/emulator/types.js';

const DAY = '2026-03-10';
const MORNING_AFTER = Date.parse('2026-03-11T11:00:00Z');
let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions, at = MORNING_AFTER) {
  const clock = { now: at };
  emu = await buildEmulator({
    seed: 'production-it',
    batchJobDurationMs: { min: 0, max: 0 },
    now: () => clock.now,
    ...options,
  });
  const e = emu;
  const res = await fetch(`${e.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('emulator:emulator').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const tok = ((await res.json()) as { access_token: string }).access_token;
  const api = async <T>(path: string, body?: unknown): Promise<{ status: number; json: T }> => {
    const r = await fetch(`${e.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, json: (text ? JSON.parse(text) : undefined) as T };
  };
  return { emu: e, clock, api };
}

const sessionsOf = (c: AnalyticsConversation) => (c.participants ?? []).flatMap((p) => p.sessions ?? []);

describe('the default day', () => {
  it('has none of the production cases (what the product tests run against)', async () => {
    const { emu } = await start({});
    expect(emu.profile).toBe('default');
    expect(emu.downloadUrl).toBe(emu.url);
    const o = emu.oracle(DAY);
    expect(Object.keys(o.summary.recordings).sort()).toEqual(
      [
        'downloadable:available',
        'not-audio:screen',
        'unavailable:archived',
        'unavailable:deleted',
        'not-ready:uploading',
      ]
        .filter((k) => k in o.summary.recordings)
        .sort(),
    );
    expect(o.summary.conversations['not-audio']).toBeUndefined();
    const recordings = o.conversations.flatMap((c) => c.recordings);
    for (const r of recordings) {
      if (r.media === 'audio')
        expect([r.contentType, r.downloadContentType, r.redirect]).toEqual(['audio/wav', 'audio/wav', false]);
      expect(r.emptyMediaUris).toBeUndefined();
      expect(r.fileState).toMatch(/^[A-Z]+$/);
    }
    for (const c of emu.dataset.conversationsOnLocalDay(DAY)) {
      for (const s of sessionsOf(c)) expect(s.mediaType).toBe('voice');
      expect(c.participants?.some((p) => p.purpose === 'user')).toBe(false);
    }
  });
});

describe("the 'production' profile", () => {
  it('mixes every case into one day, and the main client lacks viewSensitiveData', async () => {
    const { emu, api } = await start({ profile: 'production' });
    expect(emu.profile).toBe('production');
    expect(emu.downloadUrl).not.toBe(emu.url);
    const o = emu.oracle(DAY);
    expect(o.summary.conversations).toMatchObject({
      recorded: expect.any(Number),
      'not-audio': expect.any(Number),
      'no-agent': expect.any(Number),
      'not-recorded': expect.any(Number),
      'handle-time-pending': expect.any(Number),
    });
    for (const key of [
      'downloadable:available',
      'downloadable:restored',
      'not-ready:restoring',
      'not-ready:uploading',
      'unavailable:archived',
      'unavailable:deleted',
      'unavailable:error',
      'excluded:sensitive',
      'not-audio:chat',
      'not-audio:email',
      'not-audio:message',
      'not-audio:screen',
    ]) {
      expect(o.summary.recordings[key], key).toBeGreaterThan(0);
    }
    const recs = o.conversations.flatMap((c) => c.recordings);
    expect(new Set(recs.map((r) => r.codec).filter(Boolean))).toEqual(
      new Set(['wav', 'ogg', 'opus', 'webm']),
    );
    expect(recs.some((r) => r.redirect)).toBe(true);
    expect(
      recs.some(
        (r) =>
          r.downloadContentType === 'binary/octet-stream' ||
          r.downloadContentType === 'application/octet-stream',
      ),
    ).toBe(true);
    expect(recs.some((r) => r.emptyMediaUris === 'temporary')).toBe(true);
    expect(recs.some((r) => r.emptyMediaUris === 'permanent')).toBe(true);
    expect(recs.some((r) => r.recordingFlagMissing)).toBe(true);
    expect(recs.some((r) => r.fileState === 'Archived' || r.fileState === 'Uploading')).toBe(true);
    expect(o.conversations.some((c) => c.mediaType === 'callback')).toBe(true);
    expect(o.conversations.some((c) => c.agents.some((a) => a.purpose === 'user'))).toBe(true);
    expect(o.conversations.some((c) => c.agents.some((a) => a.state === 'inactive'))).toBe(true);
    // The look-back is on: 36 days back is refused.
    const old = await api<{ message: string }>('/api/v2/analytics/conversations/details/query', {
      interval: '2026-02-03T05:00:00.000Z/2026-02-04T05:00:00.000Z',
    });
    expect(old.status).toBe(400);
    // An explicit option wins over the profile's.
    await emu.close();
    const again = await start({ profile: 'production', separateDownloadHost: false, lookBackDays: 0 });
    expect(again.emu.downloadUrl).toBe(again.emu.url);
    expect(PROFILES.production.lookBackDays).toBe(35);
  });

  it('shows metadata lag and a late tHandle during the day, in the oracle and the API', async () => {
    const options: EmulatorOptions = {
      profile: 'production',
      metadataLag: { share: 0.1, forMs: 6 * 3_600_000 },
    };
    // Find, the morning after, a wrap-up whose tHandle came 20 minutes late; then live that minute.
    const after = await start(options);
    const lateCall = after.emu.dataset.conversationsOnLocalDay(DAY).findLast((c) =>
      (c.participants ?? []).some((p) =>
        (p.sessions ?? []).some((s) => {
          const wrap = s.segments?.find((g) => g.segmentType === 'wrapup')?.segmentEnd;
          const handle = s.metrics?.find((m) => m.name === 'tHandle')?.emitDate;
          return wrap && handle && Date.parse(handle) - Date.parse(wrap) === 20 * 60_000;
        }),
      ),
    ) as AnalyticsConversation;
    expect(lateCall).toBeDefined();
    await after.emu.close();
    const { emu, api } = await start(options, Date.parse(lateCall.conversationEnd as string) + 60_000);
    const o = emu.oracle(DAY);
    const late = o.conversations.find(
      (c) => c.conversationId === lateCall.conversationId,
    ) as OracleConversation;
    expect([late.outcome, late.reason]).toEqual(['handle-time-pending', 'handle-time-not-emitted']);
    expect(late.tHandleMs).toBeUndefined();
    const view = emu.dataset
      .conversationsOnLocalDay(DAY)
      .find((c) => c.conversationId === lateCall.conversationId) as AnalyticsConversation;
    expect(view.conversationEnd).toBeDefined();
    const agentSessions = (view.participants ?? [])
      .filter((p) => p.purpose === 'agent')
      .flatMap((p) => p.sessions ?? []);
    expect(
      agentSessions.some((s) => s.segments?.some((g) => g.segmentType === 'wrapup' && g.segmentEnd)),
    ).toBe(true);
    expect(agentSessions.some((s) => s.metrics?.some((m) => m.name === 'tHandle'))).toBe(false);

    const lagging = o.conversations.filter((c) => c.recordings.some((r) => r.reason === 'metadata-pending'));
    expect(lagging.length).toBeGreaterThan(2);
    for (const c of lagging) {
      const res = await api<RecordingMetadata[]>(
        `/api/v2/conversations/${c.conversationId}/recordingmetadata`,
      );
      expect([200, 404]).toContain(res.status);
      if (res.status === 200) expect(res.json).toEqual([]);
    }
  });
});

describe('unusual participants', () => {
  it('a consult to a person (purpose user), an agent session without segments, a session without metrics', async () => {
    const { emu } = await start({ unusualParticipants: 0.1, noRecordingFlag: 0.1, departedAgents: 3 });
    const day = emu.dataset.conversationsOnLocalDay(DAY);
    const unusual = day.filter((c) => c.participants?.some((p) => p.purpose === 'user'));
    expect(unusual.length).toBeGreaterThan(5);
    for (const c of unusual) {
      const user = c.participants?.find((p) => p.purpose === 'user');
      expect(user?.participantName).toMatch(/\S/);
      expect(user?.sessions?.[0]?.metrics).toBeUndefined();
      expect(user?.sessions?.[0]?.segments?.length).toBeGreaterThan(0);
      const agentSessions =
        c.participants?.filter((p) => p.purpose === 'agent').flatMap((p) => p.sessions ?? []) ?? [];
      expect(agentSessions.some((s) => s.segments === undefined && (s.metrics?.length ?? 0) > 0)).toBe(true);
      expect(agentSessions.filter((s) => s.metrics?.some((m) => m.name === 'tHandle'))).toHaveLength(1);
    }
    const o = emu.oracle(DAY);
    const flagless = o.conversations.filter((c) => c.recordings.some((r) => r.recordingFlagMissing));
    expect(flagless.length).toBeGreaterThan(5);
    for (const c of flagless) {
      const view = day.find((x) => x.conversationId === c.conversationId) as AnalyticsConversation;
      expect(sessionsOf(view).some((s) => s.recording !== undefined)).toBe(false);
      expect(emu.dataset.recordingsOf(c.conversationId).length).toBeGreaterThan(0);
    }
    // participantName of every agent is the user's name; managers are named in the oracle.
    for (const c of o.conversations) {
      for (const a of c.agents) {
        expect(a.name).toMatch(/^[A-ZÁÉÍÓÚ]\S+ \S+ \S+$/);
        if (a.managerId) expect(a.managerName).toMatch(/\S/);
      }
    }
  });
});

/** What the API says of one recording of a batch result, to compare with the oracle. */
function verdictOf(result: BatchDownloadJobStatusResult['results'], r: OracleRecording): string {
  const item = result?.find((x) => x.recordingId === r.recordingId);
  if (!item) return 'absent';
  if (item.errorMsg) return `error:${item.errorMsg}`;
  return `url:${item.contentType}`;
}

describe('the oracle', () => {
  it('agrees with metadata, batch results and downloads for every recording of a production day', async () => {
    const { emu, api } = await start({ profile: 'production', conversationsPerDay: 200 });
    const oracle: DayOracle = emu.oracle(DAY);
    expect(oracle.dayOutcome).toBe('ok');
    const recorded = oracle.conversations.filter((c) => c.recordings.length > 0);
    for (const c of recorded) {
      const meta = await api<RecordingMetadata[]>(
        `/api/v2/conversations/${c.conversationId}/recordingmetadata`,
      );
      expect(meta.status).toBe(200);
      expect(meta.json.map((m) => m.fileState)).toEqual(c.recordings.map((r) => r.fileState));
      expect(meta.json.map((m) => m.media)).toEqual(c.recordings.map((r) => r.media));
    }
    const all = recorded.flatMap((c) => c.recordings.map((r) => ({ c, r })));
    for (let i = 0; i < all.length; i += 100) {
      const chunk = all.slice(i, i + 100);
      const submitted = await api<{ id: string }>('/api/v2/recording/batchrequests', {
        batchDownloadRequestList: chunk.map(({ c, r }) => ({
          conversationId: c.conversationId,
          recordingId: r.recordingId,
        })),
      });
      const status = await api<BatchDownloadJobStatusResult>(
        `/api/v2/recording/batchrequests/${submitted.json.id}`,
      );
      expect(status.json.status).toBe('Completed');
      for (const { r } of chunk) {
        const got = verdictOf(status.json.results, r);
        const expected: Record<OracleRecording['outcome'], (g: string) => boolean> = {
          downloadable: (g) => g === `url:${r.contentType}`,
          'not-audio': (g) =>
            g === `url:${r.contentType}` &&
            (r.contentType === 'application/json' || r.contentType === 'video/webm'),
          excluded: (g) => g === 'absent',
          unavailable: (g) => g.startsWith('error:'),
          'not-ready': (g) => g.startsWith('error:'),
          'permission-missing': () => false,
        };
        expect(expected[r.outcome](got), `${r.recordingId} ${r.outcome}:${r.reason} → ${got}`).toBe(true);
      }
      for (const item of status.json.results ?? []) {
        if (!item.resultUrl) continue;
        const r = chunk.find((x) => x.r.recordingId === item.recordingId)?.r as OracleRecording;
        const first = await fetch(item.resultUrl, { redirect: 'manual' });
        expect(first.status === 302, item.recordingId).toBe(r.redirect);
        const res = first.status === 302 ? await fetch(first.headers.get('location') as string) : first;
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(r.downloadContentType);
        expect(new URL(res.url).pathname.endsWith(`.${r.extension}`)).toBe(true);
        const bytes = Buffer.from(await res.arrayBuffer());
        expect(bytes.equals(emu.dataset.audioOf(r.recordingId).bytes)).toBe(true);
      }
    }
    // The control route serves the same verdicts, for another process.
    const over = await (await fetch(`${emu.url}/emulator/oracle?date=${DAY}`)).json();
    expect(over).toEqual(JSON.parse(JSON.stringify(oracle)));
    expect((await fetch(`${emu.url}/emulator/oracle?date=nope`)).status).toBe(400);
  });

  it('judges per client: permission missing for a role without recording:recording:view or analytics', async () => {
    const { emu } = await start({
      extraClients: [
        { clientId: 'no-rec', clientSecret: 'x', missingPermissions: ['recording:recording:view'] },
        {
          clientId: 'no-analytics',
          clientSecret: 'x',
          missingPermissions: ['analytics:conversationDetail:view'],
        },
      ],
    });
    const noRec = emu.oracle(DAY, { clientId: 'no-rec' });
    const audio = noRec.conversations.flatMap((c) => c.recordings).filter((r) => r.media === 'audio');
    expect(audio.every((r) => r.outcome === 'permission-missing')).toBe(true);
    const noAnalytics = emu.oracle(DAY, { clientId: 'no-analytics' });
    expect(noAnalytics.dayOutcome).toBe('permission-missing');
    expect(noAnalytics.dayReason).toBe('missing:analytics:conversationDetail:view');
    expect(() => emu.oracle(DAY, { clientId: 'nobody' })).toThrow(/unknown client/);
  });

  it('judges at an instant: uploading until its upload ends, then downloadable', async () => {
    const { emu, clock } = await start({}, Date.parse('2026-03-10T22:00:00Z'));
    const uploading = emu
      .oracle(DAY)
      .conversations.flatMap((c: OracleConversation) => c.recordings)
      .find(
        (r) => r.reason === 'uploading' && r.until && Date.parse(r.until) < clock.now + 3_600_000,
      ) as OracleRecording;
    expect(uploading).toBeDefined();
    const later = emu.oracle(DAY, { at: Date.parse(uploading.until as string) + 1 });
    const same = later.conversations
      .flatMap((c) => c.recordings)
      .find((r) => r.recordingId === uploading.recordingId);
    expect(same?.outcome).toBe('downloadable');
  });
});

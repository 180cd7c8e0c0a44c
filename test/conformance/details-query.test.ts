// Spec §12.3-6 (§3): POST /api/v2/analytics/conversations/details/query through the official SDK.
// Expected results are computed from emu.dataset with the rule of §3.2 (UTC day of start + activity in
// the interval) and compared with what the SDK receives.
import type platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation, Participant } from '../../src/contracts/genesys.js';
import { buildEmulator, EMULATOR_QUEUE_IDS } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import {
  connectSdk,
  type Extended,
  expectErrorEnvelope,
  expectPlatformHeaders,
  nullPaths,
  type Sdk,
  settle,
  testClock,
} from './harness.js';

const DAY_MS = 86_400_000;
// The job runs at 06:00 in Lima (UTC-5) for "yesterday", 2026-03-10.
const NOW = '2026-03-11T11:00:00.000Z';
const UTC_DAY = '2026-03-10';
const LOCAL_DAY = { date: '2026-03-10', interval: '2026-03-10T05:00:00.000Z/2026-03-11T05:00:00.000Z' };

type QueryBody = Record<string, unknown>;
type QueryResponse = { totalHits?: number; conversations?: AnalyticsConversation[] };

let emu: Emulator;
let sdk: Sdk;
const clock = testClock(NOW);

beforeAll(async () => {
  emu = await buildEmulator({ seed: 'conformance-details', conversationsPerDay: 200, now: clock.now });
  sdk = await connectSdk(emu, { extended: true });
});
afterAll(async () => {
  await emu?.close();
});

function query(body: QueryBody, client: Sdk = sdk): Promise<Extended<QueryResponse>> {
  return settle<QueryResponse>(
    client.analytics.postAnalyticsConversationsDetailsQuery(
      body as unknown as platformClient.Models.ConversationQuery,
    ),
  );
}

/** Every page (pageSize 100) until the page without a `conversations` key. */
async function queryAll(
  body: QueryBody,
): Promise<{ conversations: AnalyticsConversation[]; pages: QueryResponse[] }> {
  const pages: QueryResponse[] = [];
  const conversations: AnalyticsConversation[] = [];
  for (let pageNumber = 1; pageNumber <= 100; pageNumber++) {
    const res = await query({ ...body, paging: { pageSize: 100, pageNumber } });
    expect(res.status).toBe(200);
    pages.push(res.body);
    if (!res.body.conversations) break;
    conversations.push(...res.body.conversations);
  }
  return { conversations, pages };
}

const ms = (iso: string) => Date.parse(iso);
const utcDay = (t: number) => Math.floor(t / DAY_MS);

/** §3.2: started on a UTC day the interval touches, and alive at some point of [start, end). */
function expectedIds(interval: string, keep: (c: AnalyticsConversation) => boolean = () => true): string[] {
  const [a, b] = interval.split('/') as [string, string];
  const start = ms(a);
  const end = ms(b);
  const now = clock.now();
  const out = new Set<string>();
  // Local (Lima) days around the interval hold every conversation that can match.
  for (let t = start - 2 * DAY_MS; t < end + 2 * DAY_MS; t += DAY_MS) {
    for (const c of emu.dataset.conversationsOnLocalDay(new Date(t).toISOString().slice(0, 10))) {
      const cs = ms(c.conversationStart);
      const ce = c.conversationEnd ? ms(c.conversationEnd) : now;
      const touched = utcDay(cs) >= utcDay(start) && utcDay(cs) <= utcDay(end - 1);
      if (touched && cs < end && ce >= start && keep(c)) out.add(c.conversationId);
    }
  }
  return [...out].sort();
}

const ids = (cs: AnalyticsConversation[]) => cs.map((c) => c.conversationId).sort();
const sessionsOf = (p: Participant) => p.sessions ?? [];
const segmentsOf = (c: AnalyticsConversation) =>
  (c.participants ?? []).flatMap((p) => sessionsOf(p).flatMap((s) => s.segments ?? []));
const queuesOf = (c: AnalyticsConversation) =>
  new Set(segmentsOf(c).flatMap((s) => (s.queueId ? [s.queueId] : [])));

function queueFilter(queueIds: readonly string[]) {
  return [
    {
      type: 'or',
      predicates: queueIds.map((q) => ({
        type: 'dimension',
        dimension: 'queueId',
        operator: 'matches',
        value: q,
      })),
    },
  ];
}

describe('paging', () => {
  const body = { interval: `${UTC_DAY}T00:00:00.000Z/${UTC_DAY}T23:59:59.999Z`, order: 'asc' };

  it('without paging answers the first 25 conversations (default pageSize 25), with totalHits', async () => {
    const all = await query({ ...body, paging: { pageSize: 100, pageNumber: 1 } });
    expect(all.body.totalHits).toBeGreaterThan(25);
    const first = await query(body);
    expect(first.status).toBe(200);
    expect(first.body.conversations).toHaveLength(25);
    expect(first.body.totalHits).toBe(all.body.totalHits);
    expect(ids(first.body.conversations ?? [])).toEqual(ids((all.body.conversations ?? []).slice(0, 25)));
  });

  it('pageNumber is 1-based: page 1 holds the first items, page 2 the next ones', async () => {
    const all = (await query({ ...body, paging: { pageSize: 20, pageNumber: 1 } })).body.conversations ?? [];
    const p1 = (await query({ ...body, paging: { pageSize: 10, pageNumber: 1 } })).body.conversations ?? [];
    const p2 = (await query({ ...body, paging: { pageSize: 10, pageNumber: 2 } })).body.conversations ?? [];
    expect(p1.map((c) => c.conversationId)).toEqual(all.slice(0, 10).map((c) => c.conversationId));
    expect(p2.map((c) => c.conversationId)).toEqual(all.slice(10, 20).map((c) => c.conversationId));
  });

  it('pages concatenate to every match exactly once', async () => {
    const { conversations, pages } = await queryAll(body);
    expect(new Set(ids(conversations)).size).toBe(conversations.length);
    expect(conversations.length).toBe(pages[0]?.totalHits);
    expect(ids(conversations)).toEqual(expectedIds(body.interval));
  });

  it('the page past the end is 200 with totalHits and no conversations key (not [])', async () => {
    const first = await query({ ...body, paging: { pageSize: 100, pageNumber: 1 } });
    const total = first.body.totalHits ?? 0;
    const past = await query({ ...body, paging: { pageSize: 100, pageNumber: Math.ceil(total / 100) + 1 } });
    expect(past.status).toBe(200);
    expect(past.body).toEqual({ totalHits: total });
    expect(Object.keys(past.body)).toEqual(['totalHits']);
  });

  it('an interval with no conversation answers {totalHits: 0} without conversations', async () => {
    // A second at night (04:00 in Lima) when no call is alive.
    let interval = '';
    for (
      let t = ms('2026-03-10T09:00:00.000Z');
      t < ms('2026-03-10T10:00:00.000Z') && !interval;
      t += 60_000
    ) {
      const candidate = `${new Date(t).toISOString()}/${new Date(t + 1000).toISOString()}`;
      if (expectedIds(candidate).length === 0) interval = candidate;
    }
    expect(interval).not.toBe('');
    const res = await query({ interval });
    expect(res.status).toBe(200);
    expect(res.body.conversations).toBeUndefined();
    expect(res.body).not.toHaveProperty('conversations');
  });

  it('pageSize above the cap (100) is a 400 in the platform envelope; 100 itself is fine', async () => {
    const ok = await query({ ...body, paging: { pageSize: 100, pageNumber: 1 } });
    expect(ok.status).toBe(200);
    const tooBig = await query({ ...body, paging: { pageSize: 101, pageNumber: 1 } });
    expectErrorEnvelope(tooBig, 400);
    expectPlatformHeaders(tooBig.headers, '400 pageSize');
  });

  it('asking beyond the 100,000th result is a 400 with the real message; the 100,000th is reachable', async () => {
    const last = await query({ ...body, paging: { pageSize: 100, pageNumber: 1000 } });
    expect(last.status).toBe(200);
    const beyond = await query({ ...body, paging: { pageSize: 100, pageNumber: 1001 } });
    expect(expectErrorEnvelope(beyond, 400, 'bad.request').message).toBe(
      'Pagination may not exceed 100000 results',
    );
    const beyondSmallPages = await query({ ...body, paging: { pageSize: 50, pageNumber: 2001 } });
    expectErrorEnvelope(beyondSmallPages, 400);
    // The 10,000 of the old tutorial is no limit any more.
    expect((await query({ ...body, paging: { pageSize: 100, pageNumber: 101 } })).status).toBe(200);
  });

  it('totalHits drifts when a conversation arrives between pages, and items move between pages', async () => {
    const own = await buildEmulator({
      seed: 'conformance-details-drift',
      conversationsPerDay: 120,
      now: clock.now,
    });
    try {
      const client = await connectSdk(own, { extended: true });
      const interval = LOCAL_DAY.interval;
      const filter = { segmentFilters: queueFilter(own.queueIds) };
      const page = (n: number) =>
        query({ interval, ...filter, order: 'asc', paging: { pageSize: 25, pageNumber: n } }, client);
      const p1 = await page(1);
      const before = p1.body.totalHits ?? 0;
      own.control.injectConversationDuringPaging();
      const p2 = await page(2);
      expect(p2.body.totalHits).toBe(before + 1);
      // The newcomer shifts the pages: a conversation already read shows up again, so clients de-duplicate.
      const read = [...(p1.body.conversations ?? []), ...(p2.body.conversations ?? [])];
      for (let n = 3; ; n++) {
        const p = await page(n);
        if (!p.body.conversations) break;
        read.push(...p.body.conversations);
      }
      const unique = new Set(read.map((c) => c.conversationId));
      expect(read.length).toBeGreaterThan(unique.size);
      expect(unique.size).toBeGreaterThanOrEqual(before);
      // A fresh pass sees the newcomer.
      const fresh = await query({ interval, ...filter, paging: { pageSize: 100, pageNumber: 1 } }, client);
      expect(fresh.body.totalHits).toBe(before + 1);
    } finally {
      await own.close();
    }
  });
});

describe('request validation', () => {
  it('interval is required (400)', async () => {
    expectErrorEnvelope(await query({ paging: { pageSize: 10, pageNumber: 1 } }), 400);
  });

  it('a malformed interval is a 400', async () => {
    expectErrorEnvelope(await query({ interval: 'yesterday' }), 400);
  });

  it('more than 7 days without a filter is a 400; 8 days with a filter are accepted', async () => {
    const eightDays = '2026-03-01T00:00:00.000Z/2026-03-09T00:00:00.000Z';
    expectErrorEnvelope(await query({ interval: eightDays }), 400);
    const filtered = await query({
      interval: eightDays,
      segmentFilters: queueFilter([EMULATOR_QUEUE_IDS[0]!]),
    });
    expect(filtered.status).toBe(200);
  });

  it('more than 31 days even with a filter is a 400', async () => {
    const res = await query({
      interval: '2026-01-01T00:00:00.000Z/2026-02-05T00:00:00.000Z',
      segmentFilters: queueFilter([EMULATOR_QUEUE_IDS[0]!]),
    });
    expectErrorEnvelope(res, 400);
  });

  it('a predicate value that is not a string is a 400 (values are always strings)', async () => {
    const res = await query({
      interval: LOCAL_DAY.interval,
      segmentFilters: [{ type: 'or', predicates: [{ type: 'dimension', dimension: 'queueId', value: 42 }] }],
    });
    expectErrorEnvelope(res, 400);
  });

  it('an unknown dimension is a 400 (invalid.value style)', async () => {
    const res = await query({
      interval: LOCAL_DAY.interval,
      segmentFilters: [
        { type: 'or', predicates: [{ type: 'dimension', dimension: 'favouriteColour', value: 'x' }] },
      ],
    });
    expectErrorEnvelope(res, 400, /^(invalid\.value|bad\.request)$/);
  });
});

describe('which conversations a query returns', () => {
  it('is decided by the UTC day of their start: a call across UTC midnight belongs to the day it started', async () => {
    // Find a conversation that starts before a UTC midnight and ends after it.
    let spanning: AnalyticsConversation | undefined;
    for (let d = 1; d <= 10 && !spanning; d++) {
      const date = `2026-03-${String(d).padStart(2, '0')}`;
      spanning = emu.dataset.conversationsOnLocalDay(date).find((c) => {
        const s = ms(c.conversationStart);
        const e = c.conversationEnd ? ms(c.conversationEnd) : s;
        return utcDay(s) !== utcDay(e);
      });
    }
    expect(spanning, 'the data set has a call that runs across UTC midnight').toBeDefined();
    const c = spanning as AnalyticsConversation;
    const midnight = utcDay(ms(c.conversationEnd as string)) * DAY_MS;
    const iso = (t: number) => new Date(t).toISOString();

    // First hour of the next UTC day: the call is active then, but its start day is not touched.
    const after = `${iso(midnight)}/${iso(midnight + 3_600_000)}`;
    const afterIds = ids((await queryAll({ interval: after })).conversations);
    expect(afterIds).not.toContain(c.conversationId);
    expect(afterIds).toEqual(expectedIds(after));

    // Last hour of its start day: returned.
    const before = `${iso(midnight - 3_600_000)}/${iso(midnight)}`;
    const beforeIds = ids((await queryAll({ interval: before })).conversations);
    expect(beforeIds).toContain(c.conversationId);
    expect(beforeIds).toEqual(expectedIds(before));
  });

  it('a local-day interval touches two UTC days and returns exactly the §3.2 set', async () => {
    const { conversations } = await queryAll({ interval: LOCAL_DAY.interval });
    expect(ids(conversations)).toEqual(expectedIds(LOCAL_DAY.interval));
  });

  it('order asc / desc sorts by conversationStart', async () => {
    const interval = `${UTC_DAY}T12:00:00.000Z/${UTC_DAY}T18:00:00.000Z`;
    const asc = (await query({ interval, order: 'asc', paging: { pageSize: 100, pageNumber: 1 } })).body;
    const desc = (await query({ interval, order: 'desc', paging: { pageSize: 100, pageNumber: 1 } })).body;
    const starts = (cs: AnalyticsConversation[] = []) => cs.map((c) => ms(c.conversationStart));
    expect(starts(asc.conversations)).toEqual([...starts(asc.conversations)].sort((a, b) => a - b));
    expect(starts(desc.conversations)).toEqual([...starts(desc.conversations)].sort((a, b) => b - a));
    expect(ids(asc.conversations ?? [])).toEqual(ids(desc.conversations ?? []));
  });

  it('a queueId OR filter returns every conversation touching any of the queues, whole', async () => {
    const wanted = EMULATOR_QUEUE_IDS.slice(0, 2);
    const { conversations } = await queryAll({
      interval: LOCAL_DAY.interval,
      segmentFilters: queueFilter(wanted),
    });
    const expected = expectedIds(LOCAL_DAY.interval, (c) => [...queuesOf(c)].some((q) => wanted.includes(q)));
    expect(ids(conversations)).toEqual(expected);
    expect(conversations.some((c) => queuesOf(c).has(wanted[0]!))).toBe(true);
    expect(conversations.some((c) => queuesOf(c).has(wanted[1]!))).toBe(true);

    // Whole: identical to the data set's conversation, customer and IVR participants included.
    const truth = new Map(
      ['2026-03-09', '2026-03-10', '2026-03-11'].flatMap((d) =>
        emu.dataset.conversationsOnLocalDay(d).map((c) => [c.conversationId, c] as const),
      ),
    );
    for (const c of conversations) expect(c).toEqual(truth.get(c.conversationId));
    expect(
      conversations.some((c) =>
        (c.participants ?? []).some((p) =>
          sessionsOf(p).every((s) => (s.segments ?? []).every((g) => !g.queueId)),
        ),
      ),
      'some returned participant has no segment in the queue (customer/IVR) and is still there',
    ).toBe(true);
  });

  it('a conversation transferred between queues comes back with the other queue segments too', async () => {
    const transferred = emu.dataset
      .conversationsOnLocalDay(LOCAL_DAY.date)
      .find((c) => c.conversationEnd && queuesOf(c).size >= 2);
    expect(transferred, 'the data set has a transfer between two queues').toBeDefined();
    const t = transferred as AnalyticsConversation;
    const [first, second] = [...queuesOf(t)] as [string, string];
    const { conversations } = await queryAll({
      interval: LOCAL_DAY.interval,
      segmentFilters: queueFilter([second]),
    });
    const got = conversations.find((c) => c.conversationId === t.conversationId);
    expect(got).toBeDefined();
    expect(queuesOf(got as AnalyticsConversation).has(first)).toBe(true);
    expect(got).toEqual(t);
  });

  it('filters AND together; predicates of an "and" filter must hold on the same segment', async () => {
    const [a, b] = EMULATOR_QUEUE_IDS as unknown as [string, string];
    const both = (c: AnalyticsConversation) => queuesOf(c).has(a) && queuesOf(c).has(b);
    // Two filters: a conversation must satisfy each (a transfer from one queue to the other).
    const { conversations } = await queryAll({
      interval: LOCAL_DAY.interval,
      segmentFilters: [...queueFilter([a]), ...queueFilter([b])],
    });
    expect(conversations.length).toBeGreaterThan(0);
    expect(ids(conversations)).toEqual(expectedIds(LOCAL_DAY.interval, both));
    // One "and" filter over two queueIds: no single segment is in two queues (§3.1, INFERRED).
    const same = queueFilter([a, b]);
    (same[0] as { type: string }).type = 'and';
    const none = await queryAll({ interval: LOCAL_DAY.interval, segmentFilters: same });
    expect(none.conversations).toEqual([]);
  });

  it('a queue that is not asked for is not returned', async () => {
    const wanted = [EMULATOR_QUEUE_IDS[0]!];
    const { conversations } = await queryAll({
      interval: LOCAL_DAY.interval,
      segmentFilters: queueFilter(wanted),
    });
    for (const c of conversations) expect(queuesOf(c).has(wanted[0]!)).toBe(true);
    const other = expectedIds(LOCAL_DAY.interval, (c) => !queuesOf(c).has(wanted[0]!));
    expect(other.length).toBeGreaterThan(0);
    const got = new Set(ids(conversations));
    for (const id of other) expect(got.has(id)).toBe(false);
  });
});

describe('response shape', () => {
  let day: AnalyticsConversation[];
  beforeAll(async () => {
    day = (await queryAll({ interval: LOCAL_DAY.interval })).conversations;
  });

  it('has no null anywhere: absent fields are left out', async () => {
    const res = await query({ interval: LOCAL_DAY.interval, paging: { pageSize: 100, pageNumber: 1 } });
    expect(nullPaths(res.body)).toEqual([]);
    expect(nullPaths(day)).toEqual([]);
  });

  it('carries metrics on sessions, never on participants', () => {
    for (const c of day) {
      for (const p of c.participants ?? []) expect(p).not.toHaveProperty('metrics');
    }
    expect(
      day.some((c) => (c.participants ?? []).some((p) => sessionsOf(p).some((s) => s.metrics?.length))),
    ).toBe(true);
  });

  it('includes conversations without any agent: IVR-only and abandoned in queue', () => {
    const purposes = (c: AnalyticsConversation) => new Set((c.participants ?? []).map((p) => p.purpose));
    const withoutAgent = day.filter((c) => c.conversationEnd && !purposes(c).has('agent'));
    const ivrOnly = withoutAgent.filter((c) => purposes(c).has('ivr') && !purposes(c).has('acd'));
    const abandoned = withoutAgent.filter((c) => purposes(c).has('acd'));
    expect(ivrOnly.length, 'IVR-only conversations').toBeGreaterThan(0);
    expect(abandoned.length, 'abandoned in queue').toBeGreaterThan(0);
  });

  it('tHandle is on agent sessions, in milliseconds, emitted when wrap-up ends', () => {
    let checked = 0;
    for (const c of day) {
      for (const p of c.participants ?? []) {
        for (const s of sessionsOf(p)) {
          const tHandle = s.metrics?.find((m) => m.name === 'tHandle');
          if (!tHandle) continue;
          expect(p.purpose).toBe('agent');
          expect(Number.isInteger(tHandle.value)).toBe(true);
          const wrapup = (s.segments ?? []).filter((g) => g.segmentType === 'wrapup');
          const wrapEnd = wrapup.at(-1)?.segmentEnd;
          expect(wrapEnd, `${c.conversationId}: tHandle needs a closed wrap-up`).toBeDefined();
          expect(tHandle.emitDate).toBe(wrapEnd);
          const interact = (s.segments ?? []).find((g) => g.segmentType === 'interact');
          if (interact) {
            // talk + hold + after-call work, from answer to end of wrap-up, in ms.
            const span = ms(wrapEnd as string) - ms(interact.segmentStart);
            expect(
              Math.abs(tHandle.value - span),
              `${c.conversationId} tHandle ${tHandle.value} vs ${span}`,
            ).toBeLessThanOrEqual(1000);
            expect(tHandle.value).toBeGreaterThan(1000);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('several agents on one conversation each carry their own tHandle', () => {
    const multi = day.find(
      (c) =>
        (c.participants ?? []).filter((p) =>
          sessionsOf(p).some((s) => s.metrics?.some((m) => m.name === 'tHandle')),
        ).length >= 2,
    );
    expect(multi, 'a conversation with two handling agents').toBeDefined();
  });

  it('an agent who never answered may still carry tAcw and tHandle', () => {
    const unanswered = day.flatMap((c) =>
      (c.participants ?? [])
        .filter((p) => p.purpose === 'agent')
        .flatMap(sessionsOf)
        .filter(
          (s) =>
            s.metrics?.some((m) => m.name === 'tHandle') &&
            !(s.segments ?? []).some((g) => g.segmentType === 'interact'),
        ),
    );
    expect(unanswered.length).toBeGreaterThan(0);
  });
});

describe('a conversation still in wrap-up', () => {
  it('has no conversationEnd and no tHandle until the agent finishes wrap-up (control.settleAll)', async () => {
    const own = await buildEmulator({
      seed: 'conformance-details-wrapup',
      conversationsPerDay: 200,
      now: clock.now,
    });
    try {
      const client = await connectSdk(own, { extended: true });
      const all = async () => {
        const out: AnalyticsConversation[] = [];
        for (let n = 1; ; n++) {
          const r = await query(
            { interval: LOCAL_DAY.interval, paging: { pageSize: 100, pageNumber: n } },
            client,
          );
          if (!r.body.conversations) return out;
          out.push(...r.body.conversations);
        }
      };
      const agentsOf = (c: AnalyticsConversation) =>
        (c.participants ?? []).filter((p) => p.purpose === 'agent');
      const inWrapUp = (await all()).filter((c) =>
        agentsOf(c).some((p) =>
          sessionsOf(p).some((s) =>
            (s.segments ?? []).some((g) => g.segmentType === 'wrapup' && !g.segmentEnd),
          ),
        ),
      );
      expect(
        inWrapUp.length,
        'the data set has a call still in wrap-up at 06:00 the next day',
      ).toBeGreaterThan(0);
      for (const c of inWrapUp) {
        expect(c).not.toHaveProperty('conversationEnd');
        const handles = agentsOf(c).flatMap((p) =>
          sessionsOf(p).flatMap((s) => (s.metrics ?? []).filter((m) => m.name === 'tHandle')),
        );
        // The agent whose wrap-up is still open has no tHandle yet.
        const openAgent = agentsOf(c).find((p) =>
          sessionsOf(p).some((s) =>
            (s.segments ?? []).some((g) => g.segmentType === 'wrapup' && !g.segmentEnd),
          ),
        );
        for (const s of sessionsOf(openAgent as Participant)) {
          expect((s.metrics ?? []).some((m) => m.name === 'tHandle')).toBe(false);
        }
        expect(handles.length).toBeLessThan(agentsOf(c).length);
      }

      own.control.settleAll();
      const after = new Map((await all()).map((c) => [c.conversationId, c]));
      for (const c of inWrapUp) {
        const settled = after.get(c.conversationId) as AnalyticsConversation;
        expect(settled.conversationEnd).toBeTypeOf('string');
        const wasOpen = agentsOf(c).filter((p) =>
          sessionsOf(p).some((s) =>
            (s.segments ?? []).some((g) => g.segmentType === 'wrapup' && !g.segmentEnd),
          ),
        );
        for (const before of wasOpen) {
          const p = agentsOf(settled).find((x) => x.participantId === before.participantId) as Participant;
          for (const s of sessionsOf(p)) {
            expect((s.segments ?? []).every((g) => g.segmentEnd)).toBe(true);
            expect((s.metrics ?? []).some((m) => m.name === 'tHandle')).toBe(true);
          }
        }
      }
    } finally {
      await own.close();
    }
  });
});

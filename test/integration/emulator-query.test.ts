// The analytics details query of the Genesys emulator: interval rule, paging, limits, filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation, ConversationQueryResponse } from '../../src/contracts/genesys.js';
import { buildEmulator, EMULATOR_QUEUE_IDS, type Emulator } from '../../src/emulator/index.js';

const QUERY = '/api/v2/analytics/conversations/details/query';
const DAY = '2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z';
const NOW = Date.parse('2024-05-10T12:00:00Z');

async function tokenFor(e: Emulator): Promise<string> {
  const res = await fetch(`${e.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('emulator:emulator').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

function client(e: Emulator, tok: string) {
  return async (
    body: unknown,
  ): Promise<{ status: number; body: ConversationQueryResponse & Record<string, unknown> }> => {
    const res = await fetch(`${e.url}${QUERY}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as ConversationQueryResponse & Record<string, unknown>,
    };
  };
}

const queueFilter = (...ids: string[]) => [
  {
    type: 'or',
    predicates: ids.map((value) => ({ type: 'dimension', dimension: 'queueId', operator: 'matches', value })),
  },
];

async function allPages(q: ReturnType<typeof client>, body: Record<string, unknown>) {
  const out: AnalyticsConversation[] = [];
  for (let page = 1; ; page++) {
    const r = await q({ ...body, paging: { pageSize: 100, pageNumber: page } });
    expect(r.status).toBe(200);
    if (!r.body.conversations) return { conversations: out, totalHits: r.body.totalHits };
    out.push(...r.body.conversations);
  }
}

describe('emulator details query', () => {
  let emu: Emulator;
  let q: ReturnType<typeof client>;
  beforeAll(async () => {
    emu = await buildEmulator({ now: () => NOW });
    q = client(emu, await tokenFor(emu));
  });
  afterAll(() => emu.close());

  it('uses a default page size of 25 and returns totalHits', async () => {
    const r = await q({ interval: DAY });
    expect(r.status).toBe(200);
    expect(r.body.conversations).toHaveLength(25);
    expect(r.body.totalHits).toBeGreaterThan(200);
  });

  it('pages 1-based and answers only {totalHits} past the end', async () => {
    const { conversations, totalHits } = await allPages(q, { interval: DAY });
    expect(conversations).toHaveLength(totalHits as number);
    expect(new Set(conversations.map((c) => c.conversationId)).size).toBe(totalHits);
    const past = await q({ interval: DAY, paging: { pageSize: 100, pageNumber: 50 } });
    expect(past.body).toEqual({ totalHits });
  });

  it('orders by conversationStart ascending by default, and descending on request', async () => {
    const asc =
      (await q({ interval: DAY, paging: { pageSize: 100, pageNumber: 1 } })).body.conversations ?? [];
    const starts = asc.map((c) => c.conversationStart);
    expect([...starts].sort()).toEqual(starts);
    const desc =
      (await q({ interval: DAY, order: 'desc', paging: { pageSize: 10, pageNumber: 1 } })).body
        .conversations ?? [];
    const d = desc.map((c) => c.conversationStart);
    expect([...d].sort().reverse()).toEqual(d);
    const byEnd =
      (await q({ interval: DAY, orderBy: 'conversationEnd', paging: { pageSize: 50, pageNumber: 1 } })).body
        .conversations ?? [];
    const ends = byEnd.map((c) => c.conversationEnd as string);
    expect([...ends].sort()).toEqual(ends);
  });

  it('enforces the page-size cap, the 100,000-result cap and interval lengths', async () => {
    expect((await q({ interval: DAY, paging: { pageSize: 101, pageNumber: 1 } })).body.code).toBe(
      'bad.request',
    );
    const beyond = await q({ interval: DAY, paging: { pageSize: 100, pageNumber: 1001 } });
    expect(beyond.status).toBe(400);
    expect(beyond.body.message).toBe('Pagination may not exceed 100000 results');
    expect((await q({ interval: DAY, paging: { pageSize: 100, pageNumber: 1000 } })).status).toBe(200);
    expect((await q({ interval: DAY, paging: { pageSize: 100, pageNumber: 101 } })).status).toBe(200);
    const eightDays = '2024-05-01T00:00:00Z/2024-05-09T00:00:00Z';
    expect((await q({ interval: eightDays })).status).toBe(400);
    expect(
      (await q({ interval: eightDays, segmentFilters: queueFilter(EMULATOR_QUEUE_IDS[0] as string) })).status,
    ).toBe(200);
    const longer = '2024-04-01T00:00:00Z/2024-05-03T00:00:00Z';
    expect(
      (await q({ interval: longer, segmentFilters: queueFilter(EMULATOR_QUEUE_IDS[0] as string) })).status,
    ).toBe(400);
  });

  it('rejects a missing or malformed interval', async () => {
    expect((await q({})).status).toBe(400);
    const bad = await q({ interval: '2024-05-01/yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid.date', status: 400, details: [], errors: [] });
  });

  it('returns whole conversations for a queueId filter, including segments of other queues', async () => {
    const [q0, q1] = EMULATOR_QUEUE_IDS as [string, string];
    const { conversations } = await allPages(q, { interval: DAY, segmentFilters: queueFilter(q0) });
    expect(conversations.length).toBeGreaterThan(50);
    for (const c of conversations) {
      const queues = c.participants?.flatMap((p) =>
        p.sessions?.flatMap((s) => s.segments?.map((g) => g.queueId)),
      );
      expect(queues).toContain(q0);
      expect(c.participants?.some((p) => p.purpose === 'customer')).toBe(true);
    }
    const both = await allPages(q, { interval: DAY, segmentFilters: queueFilter(q0, q1) });
    const only1 = await allPages(q, { interval: DAY, segmentFilters: queueFilter(q1) });
    const all = await allPages(q, { interval: DAY });
    expect(both.totalHits).toBeGreaterThan(conversations.length);
    expect(both.totalHits).toBeLessThanOrEqual(conversations.length + (only1.totalHits as number));
    // IVR-only calls and calls of other queues are not in any configured queue.
    expect(all.totalHits).toBeGreaterThan(both.totalHits as number);
  });

  it('combines predicates with and/or, clauses, and conversation filters', async () => {
    const q0 = EMULATOR_QUEUE_IDS[0] as string;
    const andSameSegment = await q({
      interval: DAY,
      segmentFilters: [
        {
          type: 'and',
          predicates: [
            { dimension: 'queueId', value: q0 },
            { dimension: 'purpose', value: 'agent' },
          ],
        },
      ],
    });
    const handled = await q({
      interval: DAY,
      segmentFilters: queueFilter(q0),
      conversationFilters: [
        { type: 'and', predicates: [{ type: 'metric', metric: 'tHandle', operator: 'exists' }] },
      ],
    });
    expect(andSameSegment.body.totalHits).toBe(handled.body.totalHits);
    const clauses = await q({
      interval: DAY,
      segmentFilters: [
        {
          type: 'and',
          clauses: [
            { type: 'or', predicates: [{ dimension: 'queueId', value: q0 }] },
            { type: 'or', predicates: [{ dimension: 'mediaType', value: 'voice' }] },
          ],
        },
      ],
    });
    expect(clauses.body.totalHits).toBe(
      (await q({ interval: DAY, segmentFilters: queueFilter(q0) })).body.totalHits,
    );
    const abandoned = await allPages(q, {
      interval: DAY,
      conversationFilters: [{ type: 'and', predicates: [{ metric: 'tAbandon', operator: 'exists' }] }],
    });
    expect(abandoned.totalHits).toBeGreaterThan(5);
    for (const c of abandoned.conversations)
      expect(c.participants?.some((p) => p.purpose === 'agent')).toBe(false);
    const recorded = await q({
      interval: DAY,
      segmentFilters: [{ type: 'and', predicates: [{ dimension: 'recording', value: 'true' }] }],
    });
    expect(recorded.body.totalHits).toBeGreaterThan(150);
  });

  it('rejects unknown dimensions and non-string predicate values', async () => {
    const unknown = await q({
      interval: DAY,
      segmentFilters: [{ type: 'or', predicates: [{ dimension: 'colour', value: 'x' }] }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('invalid.value');
    const numeric = await q({
      interval: DAY,
      segmentFilters: [{ type: 'or', predicates: [{ dimension: 'queueId', value: 5 }] }],
    });
    expect(numeric.status).toBe(400);
  });

  it('never sends null and omits absent fields', async () => {
    const { conversations } = await allPages(q, { interval: DAY });
    expect(JSON.stringify(conversations)).not.toContain('null');
  });
});

describe('emulator interval rule (UTC day of start)', () => {
  it('returns a call crossing midnight only for the UTC day it started on', async () => {
    const emu = await buildEmulator({ timezone: 'UTC', now: () => NOW });
    try {
      const q = client(emu, await tokenFor(emu));
      const crossing = emu.dataset
        .conversationsOnLocalDay('2024-05-01')
        .find((c) => c.conversationEnd && c.conversationEnd >= '2024-05-02T00:00:00.000Z');
      expect(crossing).toBeDefined();
      const id = crossing?.conversationId;
      const may1 = await allPages(q, { interval: DAY });
      expect(may1.conversations.map((c) => c.conversationId)).toContain(id);
      // The first hour of May 2 overlaps the call, but May 2 is not the day it started on.
      const earlyMay2 = await allPages(q, { interval: '2024-05-02T00:00:00.000Z/2024-05-02T01:00:00.000Z' });
      expect(earlyMay2.conversations.map((c) => c.conversationId)).not.toContain(id);
      // A late-evening window of May 1 includes it (started that day, active in the window).
      const lateMay1 = await allPages(q, { interval: '2024-05-01T23:59:00.000Z/2024-05-02T00:00:00.000Z' });
      expect(lateMay1.conversations.map((c) => c.conversationId)).toContain(id);
    } finally {
      await emu.close();
    }
  });

  it('applies the activity clause only when switched on', async () => {
    const window = '2024-05-01T12:00:00.000Z/2024-05-01T13:00:00.000Z';
    const strict = await buildEmulator({ timezone: 'UTC', now: () => NOW });
    const loose = await buildEmulator({ timezone: 'UTC', now: () => NOW, activityClause: false });
    try {
      const a = await client(strict, await tokenFor(strict))({ interval: window });
      const b = await client(loose, await tokenFor(loose))({ interval: window });
      expect(b.body.totalHits).toBe(strict.dataset.conversationsOnLocalDay('2024-05-01').length);
      expect(a.body.totalHits).toBeLessThan(b.body.totalHits as number);
      expect(a.body.totalHits).toBeGreaterThan(0);
    } finally {
      await strict.close();
      await loose.close();
    }
  });
});

describe('emulator live data and control knobs', () => {
  it('keeps wrap-up conversations open (no conversationEnd, no tHandle) until settleAll()', async () => {
    let now = Date.parse('2024-05-02T06:00:00Z'); // 01:00 in Lima, the morning after May 1
    const emu = await buildEmulator({ now: () => now });
    try {
      const q = client(emu, await tokenFor(emu));
      const open = await allPages(q, {
        interval: DAY,
        conversationFilters: [
          { type: 'and', predicates: [{ dimension: 'conversationEnd', operator: 'notExists' }] },
        ],
      });
      expect(open.totalHits).toBeGreaterThan(0);
      for (const c of open.conversations) {
        const agentMetrics = c.participants
          ?.filter((p) => p.purpose === 'agent')
          .flatMap((p) => p.sessions?.flatMap((s) => s.metrics?.map((m) => m.name) ?? []) ?? []);
        expect(agentMetrics).not.toContain('tHandle');
      }
      now += 60_000;
      emu.control.settleAll();
      const after = await q({
        interval: DAY,
        conversationFilters: [
          { type: 'and', predicates: [{ dimension: 'conversationEnd', operator: 'notExists' }] },
        ],
      });
      expect(after.body).toEqual({ totalHits: 0 });
      const settled = emu.dataset
        .conversationsOnLocalDay('2024-05-01')
        .filter((c) => open.conversations.some((o) => o.conversationId === c.conversationId));
      for (const c of settled) {
        expect(c.conversationEnd).toBe(new Date(now).toISOString());
        for (const s of c.participants
          ?.filter((p) => p.purpose === 'agent')
          .flatMap((p) => p.sessions ?? []) ?? []) {
          const m = Object.fromEntries((s.metrics ?? []).map((x) => [x.name, x.value]));
          if (m.tHandle !== undefined)
            expect(m.tHandle).toBe((m.tTalk ?? 0) + (m.tHeld ?? 0) + (m.tAcw ?? 0));
        }
      }
    } finally {
      await emu.close();
    }
  });

  it('injects a conversation between two page requests (totalHits drift, items move between pages)', async () => {
    const emu = await buildEmulator({ now: () => NOW });
    try {
      const q = client(emu, await tokenFor(emu));
      const body = { interval: DAY, segmentFilters: queueFilter(EMULATOR_QUEUE_IDS[0] as string) };
      const p1 = await q({ ...body, paging: { pageSize: 50, pageNumber: 1 } });
      emu.control.injectConversationDuringPaging();
      const p2 = await q({ ...body, paging: { pageSize: 50, pageNumber: 2 } });
      expect(p2.body.totalHits).toBe((p1.body.totalHits as number) + 1);
      const lastOfPage1 = p1.body.conversations?.at(-1)?.conversationId;
      expect(p2.body.conversations?.[0]?.conversationId).toBe(lastOfPage1);
      const p3 = await q({ ...body, paging: { pageSize: 50, pageNumber: 1 } });
      expect(p3.body.totalHits).toBe(p2.body.totalHits);
    } finally {
      await emu.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { ConversationQuery, ConversationQueryResponse } from '../../src/contracts/genesys.js';
import { pageConversationDetails } from '../../src/genesys/details.js';
import { GenesysHttpError } from '../../src/genesys/errors.js';

const DAY = Date.parse('2024-05-01T00:00:00Z');
const conv = (id: string) => ({ conversationId: id, conversationStart: '2024-05-01T10:00:00.000Z' });

async function collect(it: AsyncIterable<{ conversationId: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of it) out.push(c.conversationId);
  return out;
}

describe('details paging', () => {
  it('stops on the page without a `conversations` key and drops duplicates across pages', async () => {
    const pages: ConversationQueryResponse[] = [
      { totalHits: 3, conversations: [conv('a'), conv('b')] },
      { totalHits: 4, conversations: [conv('b'), conv('c')] }, // drift: b moved to page 2
      { totalHits: 4 },
    ];
    const bodies: ConversationQuery[] = [];
    const ids = await collect(
      pageConversationDetails(
        async (body) => {
          bodies.push(body);
          return pages[body.paging!.pageNumber - 1] ?? { totalHits: 4 };
        },
        { startMs: DAY, endMs: DAY + 86_400_000, queueIds: [] },
      ),
    );
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(bodies.map((b) => b.paging?.pageNumber)).toEqual([1, 2, 3]);
  });

  it('does not trust totalHits: keeps paging while pages come back full', async () => {
    const ids = await collect(
      pageConversationDetails(
        async (body) =>
          body.paging!.pageNumber <= 2
            ? { totalHits: 1, conversations: [conv(`p${body.paging!.pageNumber}`)] }
            : {},
        { startMs: DAY, endMs: DAY + 1000, queueIds: ['q'] },
      ),
    );
    expect(ids).toEqual(['p1', 'p2']);
  });

  it('fetches the pages totalHits announces up to three at a time, yields them in order, and makes no extra call', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const asked: number[] = [];
    const ids = await collect(
      pageConversationDetails(
        async (body) => {
          const n = body.paging!.pageNumber;
          asked.push(n);
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          // Later pages answer sooner, so an out-of-order yield would show.
          await new Promise((r) => setTimeout(r, 30 - n * 2));
          inFlight--;
          return n <= 10 ? { totalHits: 1000, conversations: [conv(`p${n}a`), conv(`p${n}b`)] } : {};
        },
        { startMs: DAY, endMs: DAY + 86_400_000, queueIds: [] },
        undefined,
        { pageSize: 100 },
      ),
    );
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => [`p${i + 1}a`, `p${i + 1}b`]).flat());
    // pages 1-10 (announced) and 11 (the empty one that ends the walk), each once
    expect([...asked].sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(maxInFlight).toBe(3);
  });

  it('ends cleanly when the data shrank: a prefetched page that fails after the real end is ignored', async () => {
    const ids = await collect(
      pageConversationDetails(
        async (body) => {
          const n = body.paging!.pageNumber;
          if (n === 1) return { totalHits: 500, conversations: [conv('only')] };
          if (n === 2) return {};
          throw new GenesysHttpError({ method: 'POST', path: '/x', status: 503, message: 'unavailable' });
        },
        { startMs: DAY, endMs: DAY + 86_400_000, queueIds: [] },
        undefined,
        { pageSize: 100 },
      ),
    );
    expect(ids).toEqual(['only']);
  });

  it('an empty conversations array also ends the walk', async () => {
    const ids = await collect(
      pageConversationDetails(async () => ({ totalHits: 0, conversations: [] }), {
        startMs: DAY,
        endMs: DAY + 1000,
        queueIds: [],
      }),
    );
    expect(ids).toEqual([]);
  });

  it('splits the interval in halves when the first page reports more than 10,000 hits', async () => {
    const intervals: string[] = [];
    const ids = await collect(
      pageConversationDetails(
        async (body) => {
          if (body.paging!.pageNumber === 1) intervals.push(body.interval);
          const [s, e] = body.interval.split('/').map((x) => Date.parse(x)) as [number, number];
          const hours = (e - s) / 3_600_000;
          if (hours > 6) return { totalHits: 12_000, conversations: [conv('x')] };
          return body.paging!.pageNumber === 1
            ? { totalHits: 1, conversations: [conv(body.interval), conv('x')] }
            : {};
        },
        { startMs: DAY, endMs: DAY + 86_400_000, queueIds: [] },
      ),
    );
    expect(intervals[0]).toBe('2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z');
    const leaves = ids.filter((i) => i !== 'x');
    expect(leaves).toEqual([
      '2024-05-01T00:00:00.000Z/2024-05-01T06:00:00.000Z',
      '2024-05-01T06:00:00.000Z/2024-05-01T12:00:00.000Z',
      '2024-05-01T12:00:00.000Z/2024-05-01T18:00:00.000Z',
      '2024-05-01T18:00:00.000Z/2024-05-02T00:00:00.000Z',
    ]);
    expect(ids.filter((i) => i === 'x')).toHaveLength(1);
  });

  it('splits when Genesys answers the results-cap 400', async () => {
    const call = { method: 'POST', path: '/api/v2/analytics/conversations/details/query' };
    const ids = await collect(
      pageConversationDetails(
        async (body) => {
          const [s, e] = body.interval.split('/').map((x) => Date.parse(x)) as [number, number];
          if (e - s > 43_200_000) {
            throw new GenesysHttpError({
              ...call,
              status: 400,
              message: 'result window exceeds the 10000 max',
            });
          }
          return body.paging!.pageNumber === 1 ? { conversations: [conv(body.interval.slice(11, 13))] } : {};
        },
        { startMs: DAY, endMs: DAY + 86_400_000, queueIds: [] },
      ),
    );
    expect(ids).toEqual(['00', '12']);
  });

  it('other errors propagate', async () => {
    const call = { method: 'POST', path: '/x' };
    const it = pageConversationDetails(
      async () => {
        throw new GenesysHttpError({ ...call, status: 403, message: 'missing.permissions' });
      },
      { startMs: DAY, endMs: DAY + 1000, queueIds: [] },
    );
    await expect(collect(it)).rejects.toThrow(/403/);
  });
});

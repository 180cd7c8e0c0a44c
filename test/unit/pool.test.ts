import { describe, expect, it } from 'vitest';
import { coalesce, createLimit, groupWriter, groupWriterPerKey, mapPool } from '../../src/lib/pool.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createLimit', () => {
  it('keeps at most N running, serves waiters first come first served, and survives failures', async () => {
    const limit = createLimit(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const job = (i: number) =>
      limit(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await tick(5);
        running--;
        if (i === 1) throw new Error('boom');
        return i;
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(job));
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    // every slot was given back: two more run side by side at once
    let together = 0;
    await Promise.all(
      [0, 1].map(() =>
        limit(async () => {
          together++;
          await tick(5);
          expect(together).toBe(2);
        }),
      ),
    );
  });

  it('shared by two pools, bounds their sum', async () => {
    const limit = createLimit(3);
    let running = 0;
    let peak = 0;
    const work = () =>
      limit(async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(3);
        running--;
      });
    await Promise.all([mapPool(Array(10).fill(0), 8, work), mapPool(Array(10).fill(0), 8, work)]);
    expect(peak).toBe(3);
  });
});

describe('coalesce', () => {
  it('runs once at a time; callers during a run share one run that starts after it', async () => {
    const runs: { startedAt: number; endedAt?: number }[] = [];
    let clock = 0;
    const sync = coalesce(async () => {
      const r: { startedAt: number; endedAt?: number } = { startedAt: ++clock };
      runs.push(r);
      await tick(10);
      r.endedAt = ++clock;
    });
    const first = sync(); // starts run 1 at once
    const calledAt = clock;
    const during = [sync(), sync(), sync()]; // all three wait for run 2
    expect(runs).toHaveLength(1);
    await first;
    await Promise.all(during);
    expect(runs).toHaveLength(2);
    // Run 2 started after the callers asked (so it covers what they did before asking) and after run 1.
    expect(runs[1]!.startedAt).toBeGreaterThan(calledAt);
    expect(runs[1]!.startedAt).toBeGreaterThan(runs[0]!.endedAt!);
    // Idle again: the next call starts its own run at once.
    await sync();
    expect(runs).toHaveLength(3);
  });
});

describe('groupWriter', () => {
  it('writes what arrives together as one group, at most maxItems at a time, and resolves each caller', async () => {
    const groups: number[][] = [];
    const add = groupWriter(
      async (items: number[]) => {
        groups.push(items);
      },
      { maxItems: 4, waitMs: 5 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => add(n)));
    expect(groups).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    await add(7);
    expect(groups.at(-1)).toEqual([7]);
  });

  it("a failed write rejects its own group's callers only", async () => {
    let calls = 0;
    const add = groupWriter(
      async () => {
        calls++;
        if (calls === 1) throw new Error('disk on fire');
      },
      { maxItems: 2, waitMs: 5 },
    );
    const results = await Promise.allSettled([add('a'), add('b'), add('c')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(calls).toBe(2);
  });
});

describe('groupWriterPerKey', () => {
  it('groups the items of each key apart and hands the key to the write', async () => {
    const groups: [string, number[]][] = [];
    const add = groupWriterPerKey(
      async (key: { name: string }, items: number[]) => {
        groups.push([key.name, items]);
      },
      { maxItems: 10, waitMs: 5 },
    );
    const a = { name: 'a' };
    const b = { name: 'b' };
    await Promise.all([add(a, 1), add(b, 2), add(a, 3)]);
    expect(groups.sort()).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
  });
});

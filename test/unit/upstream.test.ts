import { describe, expect, it } from 'vitest';
import { asUpstream, FINISHED, settleAll } from '../../src/lib/upstream.js';

const settledWithin = async (p: Promise<unknown>, ms = 50): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('asUpstream', () => {
  it('wrote() settles when the stage writes, and a new wait covers only later writes', async () => {
    let write = () => {};
    let finish = () => {};
    const { upstream, result } = asUpstream(
      (wrote) =>
        new Promise<string>((resolve) => {
          write = wrote;
          finish = () => resolve('done');
        }),
    );
    const first = upstream.wrote();
    expect(await settledWithin(first)).toBe(false);
    write();
    expect(await settledWithin(first)).toBe(true);
    const second = upstream.wrote();
    expect(await settledWithin(second)).toBe(false);
    expect(upstream.done()).toBe(false);
    finish();
    expect(await result).toBe('done');
    // The end of the stage wakes a waiter too.
    expect(await settledWithin(second)).toBe(true);
    expect(upstream.done()).toBe(true);
    expect(upstream.failed()).toBe(false);
  });

  it('a failing stage is done and failed, and its waiters wake', async () => {
    const { upstream, result } = asUpstream(async () => {
      await new Promise((r) => setTimeout(r, 10));
      throw new Error('boom');
    });
    const waiting = upstream.wrote();
    await expect(result).rejects.toThrow('boom');
    expect(await settledWithin(waiting)).toBe(true);
    expect(upstream.failed()).toBe(true);
  });

  it('FINISHED never makes anyone wait', async () => {
    expect(FINISHED.done()).toBe(true);
    expect(await settledWithin(FINISHED.wrote())).toBe(true);
  });
});

describe('settleAll', () => {
  it('resolves with every value in order', async () => {
    expect(await settleAll([Promise.resolve(1), Promise.resolve('two')] as const)).toEqual([1, 'two']);
  });

  it('rejects with the first error in the order given, only once every promise has settled', async () => {
    let lateEnded = false;
    const late = new Promise<number>((resolve) =>
      setTimeout(() => {
        lateEnded = true;
        resolve(3);
      }, 30),
    );
    const second = new Promise<number>((_, reject) => setTimeout(() => reject(new Error('second')), 10));
    const first = new Promise<number>((_, reject) => setTimeout(() => reject(new Error('first')), 20));
    await expect(settleAll([first, second, late] as const)).rejects.toThrow('first');
    expect(lateEnded).toBe(true);
  });
});

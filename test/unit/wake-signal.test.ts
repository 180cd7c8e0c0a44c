import { describe, expect, it } from 'vitest';
import { createWakeSignal } from '../../src/lib/wake-signal.js';

const settledYet = async (p: Promise<unknown>) => {
  let settled = false;
  void p.then(() => {
    settled = true;
  });
  await new Promise((r) => setImmediate(r));
  return settled;
};

describe('createWakeSignal', () => {
  it('ends every current wait at the next wake, and not before', async () => {
    const s = createWakeSignal();
    const a = s.wait();
    const b = s.wait();
    expect(await settledYet(a)).toBe(false);
    s.wake();
    expect(await settledYet(a)).toBe(true);
    expect(await settledYet(b)).toBe(true);
  });

  it('a wait that starts after a wake waits for the next one', async () => {
    const s = createWakeSignal();
    s.wake();
    const later = s.wait();
    expect(await settledYet(later)).toBe(false);
    s.wake();
    expect(await settledYet(later)).toBe(true);
  });
});

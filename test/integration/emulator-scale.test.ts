// A 20,000-conversation day must be generated lazily, fast, and in time linear in its size.
import { describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';

const NOW = () => Date.parse('2024-05-10T12:00:00Z');

async function timeDay(conversationsPerDay: number): Promise<number> {
  const emu = await buildEmulator({ now: NOW, conversationsPerDay });
  try {
    const t0 = performance.now();
    const day = emu.dataset.conversationsOnLocalDay('2024-05-01');
    const elapsed = performance.now() - t0;
    expect(day).toHaveLength(conversationsPerDay);
    const t1 = performance.now();
    emu.dataset.conversationsOnLocalDay('2024-05-01');
    expect(performance.now() - t1).toBeLessThan(elapsed); // the second call reads cached views
    return elapsed;
  } finally {
    await emu.close();
  }
}

describe('emulator data generation at scale', () => {
  it('generates a 20,000-conversation day in a time linear in its size', async () => {
    const small = await timeDay(1_000); // also warms up the JIT, which only makes the ratio stricter
    const big = await timeDay(20_000);
    process.stdout.write(
      `emulator: 1,000 conversations in ${small.toFixed(0)} ms, 20,000 in ${big.toFixed(0)} ms\n`,
    );
    // ~1 s on an idle laptop. Absolute times are noisy on shared CI machines, so the firm check is the
    // ratio (no quadratic step), with an absolute bound loose enough for a loaded 2-core box.
    expect(big / small).toBeLessThan(20);
    expect(big).toBeLessThan(15_000);
  });
});

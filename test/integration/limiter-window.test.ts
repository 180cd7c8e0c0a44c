// The limiter against a real rate window (the emulator at Genesys' default 300 requests a minute per
// client, over a real socket): while the window has room the client sends as fast as its concurrency
// allows, not at a steady 5 a second; at the margin it stops until the window resets, with no 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import { windowMargin } from '../../src/genesys/rate-window.js';
import type { GenesysClient } from '../../src/genesys/types.js';
import { mapPool } from '../../src/lib/pool.js';

const DAY = '2026-03-10';
const LIMIT = 300;
let emu: Emulator;
let client: GenesysClient;

beforeAll(async () => {
  emu = await buildEmulator({ seed: 'limiter-window', conversationsPerDay: 400, ratePerMinute: LIMIT });
  client = createGenesysClient({
    clientId: 'emulator',
    clientSecret: 'emulator',
    loginBaseUrl: emu.url,
    apiBaseUrl: emu.url,
    timeoutMs: 10_000,
    ratePerMinute: LIMIT,
  });
});
afterAll(async () => {
  await client?.close();
  await emu?.close();
});

describe('the limiter spends the server window', () => {
  it('sends a window-full at the pace of its concurrency, then waits for the reset: no 429', async () => {
    const ids = emu.dataset.conversationsOnLocalDay(DAY).map((c) => c.conversationId);
    const room = LIMIT - windowMargin(LIMIT);
    expect(ids.length).toBeGreaterThan(room + 20);
    const abort = new AbortController();
    const sent: number[] = [];
    const work = mapPool(ids.slice(0, room + 20), 8, async (id) => {
      await client.recordingMetadata(id, abort.signal).catch(() => {});
      sent.push(Date.now());
    });
    // Wait until the window is spent down to its margin, then give the rest a moment to (not) go.
    for (let i = 0; i < 600 && sent.length < room; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_500));
    abort.abort(new Error('enough'));
    await work;

    const api = emu.journal.entries().filter((e) => e.path.startsWith('/api/v2/'));
    expect(api.filter((e) => e.status === 429)).toEqual([]);
    // At most the window's budget minus the margin went out; the rest waited for the reset.
    expect(api.length).toBe(room);
    expect(client.budgetIdle()).toBe(false);
    // Not paced at ratePerMinute/60 = 5 a second: some second saw many times that.
    const perSecond = new Map<number, number>();
    for (const e of api)
      perSecond.set(Math.floor(e.at / 1000), (perSecond.get(Math.floor(e.at / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeGreaterThan(25);
    for (const w of emu.journal.rateWindows('emulator')) expect(w.limited).toBe(0);
  }, 120_000);
});

// The limiter against a real rate window (the emulator at Genesys' default 300 requests a minute per
// client, over a real socket): while the window has room the client sends as fast as its concurrency
// allows, not at a steady 5 a second; at the margin it stops until the window resets, with no 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import type { GenesysClient } from '../../src/genesys/types.js';
import { spendOneWindow } from '../support/window-spend.js';

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
    const { room, api, mostInASecond } = await spendOneWindow(emu, client, DAY, LIMIT);
    expect(api.filter((e) => e.status === 429)).toEqual([]);
    // At most the window's budget minus the margin went out; the rest waited for the reset.
    expect(api.length).toBe(room);
    expect(client.budgetIdle()).toBe(false);
    // Not paced at ratePerMinute/60 = 5 a second: some second saw many times that.
    expect(mostInASecond).toBeGreaterThan(25);
    for (const w of emu.journal.rateWindows('emulator')) expect(w.limited).toBe(0);
  }, 120_000);
});

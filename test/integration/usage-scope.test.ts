// The requests of one piece of work counted apart (genesys/usage-scope.ts): a worker runs batches of
// several days at once through one client, and each batch's requests are paid on its own day's runs.
// Two pieces of work interleaved on one client, against the emulator over a real socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import type { GenesysClient } from '../../src/genesys/types.js';
import { countRequests, emptyStats } from '../../src/genesys/usage-scope.js';
import { apiUsageBetween } from '../../src/pipeline/api-usage.js';

let emu: Emulator;
let client: GenesysClient;

beforeAll(async () => {
  emu = await buildEmulator({ seed: 'usage-scope', conversationsPerDay: 20, ratePerMinute: 1_000_000 });
  client = createGenesysClient({
    clientId: 'emulator',
    clientSecret: 'emulator',
    loginBaseUrl: emu.url,
    apiBaseUrl: emu.url,
    timeoutMs: 10_000,
    ratePerMinute: 100_000,
  });
});
afterAll(async () => {
  await client?.close();
  await emu?.close();
});

describe('requests counted by the work that made them', () => {
  it('two interleaved pieces of work on one client each count their own, the client all of them', async () => {
    const ids = emu.dataset.conversationsOnLocalDay('2026-03-10').map((c) => c.conversationId);
    const before = client.stats();
    const a = emptyStats();
    const b = emptyStats();
    const ask = async (n: number, offset: number) => {
      for (let i = 0; i < n; i++) {
        await client.recordingMetadata(ids[offset + i]!);
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    // A 429 answers a's first request: counted in a (and the client), not in b.
    emu.faults.add({ match: { path: '/recordingmetadata$/' }, times: 1, status: 429, retryAfter: 0 });
    await countRequests(a, () => ask(1, 0));
    await Promise.all([countRequests(a, () => ask(2, 1)), countRequests(b, () => ask(5, 3)), ask(2, 8)]);
    expect(apiUsageBetween(before, client.stats())).toEqual({
      apiCalls: 11,
      apiRateLimited: 1,
      apiRetries: 1,
    });
    expect(apiUsageBetween(emptyStats(), a)).toEqual({ apiCalls: 4, apiRateLimited: 1, apiRetries: 1 });
    expect(apiUsageBetween(emptyStats(), b)).toEqual({ apiCalls: 5, apiRateLimited: 0, apiRetries: 0 });
  });
});

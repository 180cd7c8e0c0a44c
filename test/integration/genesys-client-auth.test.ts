// Tokens and credentials against the emulator: renewal before expiry and on 401, clear errors for bad
// credentials or an unreachable host, and two clients in one process that never share state.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import { GenesysAuthError } from '../../src/genesys/errors.js';
import { createTokenBucketLimiter } from '../../src/genesys/limiter.js';
import type { GenesysClient, GenesysClientOptions } from '../../src/genesys/types.js';
import { systemClock } from '../../src/lib/clock.js';

const DAY = '2025-03-11';
const open: { close(): Promise<void> }[] = [];

async function emulator(o: Parameters<typeof buildEmulator>[0]): Promise<Emulator> {
  const e = await buildEmulator(o);
  open.push(e);
  return e;
}

function client(emu: { url: string }, o: Partial<GenesysClientOptions> = {}): GenesysClient {
  const c = createGenesysClient({
    clientId: 'emulator',
    clientSecret: 'emulator',
    loginBaseUrl: emu.url,
    apiBaseUrl: emu.url,
    timeoutMs: 2_000,
    ratePerMinute: 60_000,
    ...o,
  });
  open.push(c);
  return c;
}

const anyConversation = (emu: Emulator) => emu.dataset.conversationsOnLocalDay(DAY)[0]!.conversationId;
const tokenPosts = (emu: Emulator) => emu.journal.entries().filter((e) => e.path === '/oauth/token');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

describe('token lifecycle', () => {
  it('renews the token before it expires during a run', async () => {
    const emu = await emulator({ seed: 'auth-1', tokenTtlSeconds: 2, conversationsPerDay: 20 });
    const c = client(emu);
    const id = anyConversation(emu);
    await c.recordingMetadata(id);
    await sleep(2_100);
    await c.recordingMetadata(id);
    expect(tokenPosts(emu)).toHaveLength(2);
    expect(emu.journal.entries().filter((e) => e.status === 401)).toHaveLength(0);
  });

  it('on a 401 fetches a new token once and replays the request', async () => {
    const emu = await emulator({ seed: 'auth-2', tokenTtlSeconds: 1, conversationsPerDay: 20 });
    // A client clock stuck in the past believes the token is still fresh; the emulator does not.
    const frozen = Date.now();
    const c = client(emu, {
      clock: { now: () => frozen, sleep: systemClock.sleep },
      limiter: createTokenBucketLimiter({ ratePerMinute: 60_000 }),
    });
    const id = anyConversation(emu);
    await c.recordingMetadata(id);
    await sleep(1_300);
    await c.recordingMetadata(id);
    const path = `/api/v2/conversations/${id}/recordingmetadata`;
    expect(
      emu.journal
        .entries()
        .filter((e) => e.path === path)
        .map((e) => e.status),
    ).toEqual([200, 401, 200]);
    expect(tokenPosts(emu)).toHaveLength(2);
  });

  it('concurrent callers share one token request', async () => {
    const emu = await emulator({ seed: 'auth-3', conversationsPerDay: 20 });
    const c = client(emu);
    const id = anyConversation(emu);
    await Promise.all(Array.from({ length: 8 }, () => c.recordingMetadata(id)));
    expect(tokenPosts(emu)).toHaveLength(1);
  });
});

describe('bad credentials and hosts', () => {
  it('a wrong secret fails with GENESYS_AUTH naming secret and region, never the secret itself', async () => {
    const emu = await emulator({ seed: 'auth-4', conversationsPerDay: 5 });
    const secret = 'sup3r-s3cret-value';
    const c = client(emu, { clientSecret: secret, region: 'mypurecloud.com' });
    const err = await c.checkCredentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysAuthError);
    expect(err).toMatchObject({ code: 'GENESYS_AUTH', kind: 'auth' });
    const message = (err as Error).message;
    expect(message).toMatch(/wrong client secret/);
    expect(message).toMatch(/GENESYS_CLOUD_REGION=mypurecloud\.com/);
    expect(message).not.toContain(secret);
    expect(JSON.stringify(err)).not.toContain(secret);
    expect(tokenPosts(emu)).toHaveLength(1); // not retried
  });

  it('an unknown client id is reported as such', async () => {
    const emu = await emulator({ seed: 'auth-5', conversationsPerDay: 5 });
    const err = await client(emu, { clientId: 'nobody' })
      .recordingMetadata('x')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysAuthError);
    expect((err as Error).message).toMatch(/client not found|wrong client (id|secret)/);
  });

  it('an unreachable host fails fast with a hint at region/base URL', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    const url = `http://127.0.0.1:${port}`;
    const t0 = Date.now();
    const err = await client({ url })
      .checkCredentials()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysAuthError);
    expect((err as Error).message).toMatch(
      new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}.*GENESYS_CLOUD_REGION / GENESYS_CLOUD_BASE_URL`),
    );
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});

describe('two clients in one process', () => {
  it('keep their own gateway, credentials and token', async () => {
    const a = await emulator({ seed: 'auth-a', conversationsPerDay: 20 });
    const b = await emulator({
      seed: 'auth-b',
      conversationsPerDay: 20,
      clientId: 'other',
      clientSecret: 'other-secret',
    });
    const ca = client(a);
    const cb = client(b, { clientId: 'other', clientSecret: 'other-secret' });
    const ida = anyConversation(a);
    const idb = anyConversation(b);
    await Promise.all([ca.recordingMetadata(ida), cb.recordingMetadata(idb)]);
    await ca.close();
    // Closing one client must not affect the other.
    await cb.recordingMetadata(idb);

    expect(a.journal.entries().every((e) => e.clientId === undefined || e.clientId === 'emulator')).toBe(
      true,
    );
    expect(b.journal.entries().every((e) => e.clientId === undefined || e.clientId === 'other')).toBe(true);
    expect(a.journal.entries().some((e) => e.path.includes(idb))).toBe(false);
    expect(b.journal.entries().filter((e) => e.path.endsWith('/recordingmetadata'))).toHaveLength(2);
    expect(ca.stats().calls.recordingMetadata).toBe(1);
    expect(cb.stats().calls.recordingMetadata).toBe(2);
  });
});

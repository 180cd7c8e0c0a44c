// The client's name lookups against the emulator over a real socket: users and queues by id list in as
// few requests as the 100-id cap allows (the emulator pages an id list 25 at a time unless asked for
// more), departed agents included, wrap-up codes listed whole, and a 403 surfaced as such.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import { GenesysPermissionError } from '../../src/genesys/errors.js';
import type { GenesysClient } from '../../src/genesys/types.js';

let emu: Emulator;
const clients: GenesysClient[] = [];

function client(clientId = 'emulator'): GenesysClient {
  const c = createGenesysClient({
    clientId,
    clientSecret: 'emulator',
    loginBaseUrl: emu.url,
    apiBaseUrl: emu.url,
    timeoutMs: 5_000,
    ratePerMinute: 60_000,
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'genesys-directory',
    conversationsPerDay: 150,
    departedAgents: 2,
    extraClients: [
      { clientId: 'no-names', clientSecret: 'emulator', missingPermissions: ['directory:user:view'] },
    ],
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emu.close();
});
beforeEach(() => emu.journal.clear());

const requests = (path: string) => emu.journal.entries().filter((e) => e.path === path);

/** The agents and queues of a few days, as the emulator's oracle knows them (departed agents included). */
function known() {
  const agents = new Map<string, { managerId?: string; state: string }>();
  const queues = new Map<string, string>();
  for (const date of ['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13']) {
    for (const c of emu.oracle(date).conversations) {
      for (const a of c.agents) if (a.purpose === 'agent') agents.set(a.userId, a);
      for (const q of c.queues) queues.set(q.id, q.name);
    }
  }
  return { agents, queues };
}

describe('name lookups', () => {
  it('users by id: every agent in one request, the departed ones too, with their manager', async () => {
    const { agents } = known();
    const inactive = [...agents.values()].filter((a) => a.state === 'inactive').length;
    expect(inactive).toBeGreaterThan(0);
    const users = await client().usersById([...agents.keys()]);
    expect(users.map((u) => u.id).sort()).toEqual([...agents.keys()].sort());
    expect(users.filter((u) => u.state === 'inactive')).toHaveLength(inactive);
    for (const u of users) expect(u.manager?.id).toBe(agents.get(u.id)!.managerId);
    expect(requests('/api/v2/users')).toHaveLength(1);
  });

  it('more than 100 ids go in several requests of at most 100, unknown ids simply absent', async () => {
    const ids = [...known().agents.keys()];
    const unknown = Array.from(
      { length: 130 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const users = await client().usersById([...ids, ...unknown, ...ids]);
    expect(users).toHaveLength(ids.length);
    expect(requests('/api/v2/users')).toHaveLength(Math.ceil((ids.length + unknown.length) / 100));
  });

  it('queues by id and the wrap-up codes, named as the emulator names them', async () => {
    const c = client();
    const names = known().queues;
    const queues = await c.queuesById([...names.keys()]);
    expect(new Map(queues.map((q) => [q.id, q.name]))).toEqual(names);
    const codes = await c.wrapUpCodes();
    expect(codes.length).toBeGreaterThan(25); // more than one default page: listed whole
    expect(requests('/api/v2/routing/wrapupcodes')).toHaveLength(1);
    expect(requests('/api/v2/routing/queues')).toHaveLength(1);
  });

  it('a role without directory:user:view gets a 403, not an empty answer', async () => {
    const e = await client('no-names')
      .usersById([...known().agents.keys()].slice(0, 1))
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(GenesysPermissionError);
    expect((e as GenesysPermissionError).status).toBe(403);
    expect((e as GenesysPermissionError).permissions).toContain('directory:user:view');
  });
});

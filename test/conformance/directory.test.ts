// Issue 17: the lookups that turn ids into names with few calls, through the official SDK: users by id
// list (with the manager reference), queues by id list, the org's wrap-up codes (paged), names in
// Spanish that match participantName in the details query, wrapUpCode ids that the list names, and
// the 403 a role without the lookup permission gets.
import type platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation, Segment } from '../../src/contracts/genesys.js';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import {
  connectSdk,
  expectErrorEnvelope,
  expectPlatformHeaders,
  type Sdk,
  settle,
  testClock,
} from './harness.js';

const clock = testClock('2026-03-11T11:00:00.000Z');
const DAY = '2026-03-10';

let emu: Emulator;
let sdk: Sdk;
let plain: Sdk;
let day: AnalyticsConversation[];

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'conformance-directory',
    conversationsPerDay: 150,
    departedAgents: 2,
    now: clock.now,
    extraClients: [
      { clientId: 'no-queues', clientSecret: 's', missingPermissions: ['routing:queue:view'] },
      { clientId: 'no-codes', clientSecret: 's', missingPermissions: ['routing:wrapupCode:view'] },
      { clientId: 'no-users', clientSecret: 's', missingPermissions: ['directory:user:view'] },
    ],
  });
  sdk = await connectSdk(emu, { extended: true });
  plain = await connectSdk(emu);
  day = emu.dataset.conversationsOnLocalDay(DAY);
});
afterAll(async () => {
  await emu?.close();
});

const agentsOf = (c: AnalyticsConversation) => (c.participants ?? []).filter((p) => p.purpose === 'agent');
const segmentsOf = (c: AnalyticsConversation): Segment[] =>
  (c.participants ?? []).flatMap((p) => (p.sessions ?? []).flatMap((s) => s.segments ?? []));

describe('GET /api/v2/users?id=…', () => {
  it('answers the agents of a day in one call, named as participantName says, with the manager reference', async () => {
    const names = new Map<string, string>();
    for (const c of day)
      for (const a of agentsOf(c)) names.set(a.userId as string, a.participantName as string);
    expect(names.size).toBeGreaterThan(20);
    const ids = [...names.keys()].slice(0, 40);
    const res = await settle<platformClient.Models.UserEntityListing>(
      sdk.users.getUsers({ id: ids, pageSize: 100, state: 'any' }),
    );
    expect(res.status).toBe(200);
    expectPlatformHeaders(res.headers, 'users');
    expect(res.body.total).toBe(ids.length);
    expect(res.body.entities?.map((u) => u.id).sort()).toEqual([...ids].sort());
    for (const u of res.body.entities ?? []) {
      expect(u.name).toBe(names.get(u.id as string));
      expect(u.name).toMatch(/^[A-ZÁÉÍÓÚ][a-záéíóúñ]+ [A-ZÁÉÍÓÚ]/);
      expect(u.selfUri).toBe(`/api/v2/users/${u.id}`);
      if (u.manager) expect(Object.keys(u.manager).sort()).toEqual(['id', 'selfUri']);
    }
    const withManager = (res.body.entities ?? []).filter((u) => u.manager);
    expect(withManager.length).toBeGreaterThan(ids.length / 2);
    expect(withManager.length).toBeLessThan(ids.length); // some agents have no manager set
    // The managers are users too: one more call names them (team leaders, then the head of operations).
    const managerIds = [...new Set(withManager.map((u) => u.manager?.id as string))];
    const managers = (await plain.users.getUsers({ id: managerIds, pageSize: 100 })).entities ?? [];
    expect(managers.map((m) => m.id).sort()).toEqual(managerIds.sort());
    for (const m of managers) expect(m.title).toMatch(/^Supervisor/);
  });

  it('pages the id list like any listing: the default page holds 25', async () => {
    const ids = [...new Set(day.flatMap((c) => agentsOf(c).map((a) => a.userId as string)))].slice(0, 30);
    const first = await plain.users.getUsers({ id: ids, state: 'any' });
    expect(first.pageSize).toBe(25);
    expect(first.entities).toHaveLength(25);
    expect(first.total).toBe(30);
    expect(first.nextUri).toContain('pageNumber=2');
    const second = await plain.users.getUsers({ id: ids, state: 'any', pageNumber: 2 });
    expect(second.entities).toHaveLength(5);
  });

  it('leaves out agents who left (state inactive) unless state=any or inactive is asked for', async () => {
    const everyone = (await plain.users.getUsers({ pageSize: 100, state: 'any' })).entities ?? [];
    const gone = everyone.filter((u) => u.state === 'inactive');
    expect(gone).toHaveLength(2);
    const ids = gone.map((u) => u.id as string);
    expect((await plain.users.getUsers({ id: ids })).entities).toEqual([]);
    expect((await plain.users.getUsers({ id: ids, state: 'inactive' })).entities).toHaveLength(2);
  });

  it('refuses more than 100 ids and an unknown state', async () => {
    const many = Array.from(
      { length: 101 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    expectErrorEnvelope(await settle(sdk.users.getUsers({ id: many })), 400, 'bad.request');
    expectErrorEnvelope(await settle(sdk.users.getUsers({ state: 'gone' })), 400, 'invalid.value');
  });
});

describe('GET /api/v2/routing/queues?id=…', () => {
  it('names the queues of the details query, in Spanish, as the ACD participant does', async () => {
    const queueIds = [
      ...new Set(
        day.flatMap((c) =>
          segmentsOf(c)
            .map((g) => g.queueId)
            .filter(Boolean),
        ),
      ),
    ] as string[];
    expect(queueIds.length).toBeGreaterThanOrEqual(4); // the three configured ones and foreign ones
    const res = await settle<platformClient.Models.QueueEntityListing>(
      sdk.routing.getRoutingQueues({ id: queueIds, pageSize: 100 }),
    );
    expect(res.status).toBe(200);
    const names = new Map((res.body.entities ?? []).map((q) => [q.id, q.name]));
    expect([...names.keys()].sort()).toEqual(queueIds.sort());
    expect(names.get(emu.queueIds[0] as string)).toBe('Atención al Cliente');
    for (const c of day) {
      for (const p of c.participants ?? []) {
        if (p.purpose !== 'acd') continue;
        const q = p.sessions?.[0]?.segments?.[0]?.queueId as string;
        expect(p.participantName).toBe(names.get(q));
      }
    }
  });

  it('filters by name with a wildcard', async () => {
    const found = await plain.routing.getRoutingQueues({ name: 'Fact*' });
    expect(found.entities?.map((q) => q.name)).toEqual(['Facturación']);
  });
});

describe('GET /api/v2/routing/wrapupcodes', () => {
  it('lists the org codes over two default pages; segments carry their ids (no names)', async () => {
    const first = await plain.routing.getRoutingWrapupcodes({});
    expect(first.pageSize).toBe(25);
    expect(first.total).toBe(30);
    expect(first.pageCount).toBe(2);
    const second = await plain.routing.getRoutingWrapupcodes({ pageNumber: 2 });
    const all = [...(first.entities ?? []), ...(second.entities ?? [])];
    expect(all).toHaveLength(30);
    const names = new Map(all.map((c) => [c.id, c.name]));
    // An open wrap-up (still in ACW) has no code yet.
    const used = day.flatMap((c) =>
      segmentsOf(c)
        .filter((g) => g.segmentType === 'wrapup' && g.segmentEnd)
        .map((g) => g.wrapUpCode as string),
    );
    expect(used.length).toBeGreaterThan(50);
    const unnamed = new Set(used.filter((id) => !names.has(id)));
    // Only the system code of a timed-out wrap-up is not in the org's list.
    expect([...unnamed]).toEqual(['ININ-WRAP-UP-TIMEOUT']);
    expect(names.get(used.find((id) => names.has(id)))).toMatch(/[a-z]/);
  });

  it('carries wrapUpNote on some wrap-up segments', () => {
    const notes = day.flatMap((c) => segmentsOf(c).filter((g) => g.wrapUpNote));
    expect(notes.length).toBeGreaterThan(5);
    for (const g of notes) expect(g.segmentType).toBe('wrapup');
  });
});

describe('a role without the lookup permission', () => {
  it.each([
    [
      'no-queues',
      'missing.any.permissions',
      'routing:queue:view',
      (s: Sdk) => s.routing.getRoutingQueues({}),
    ],
    [
      'no-codes',
      'missing.permissions',
      'routing:wrapupCode:view',
      (s: Sdk) => s.routing.getRoutingWrapupcodes({}),
    ],
    ['no-users', 'missing.permissions', 'directory:user:view', (s: Sdk) => s.users.getUsers({})],
  ])('%s: 403 %s naming %s, while the other lookups work', async (clientId, code, permission, call) => {
    const other = await connectSdk(emu, { extended: true, clientId, clientSecret: 's' });
    const res = await settle(call(other));
    const body = expectErrorEnvelope(res, 403, code);
    expect(body.message).toContain(permission);
    expectPlatformHeaders(res.headers, '403');
    // The details query still works for that client.
    const q = await settle(
      other.analytics.postAnalyticsConversationsDetailsQuery({
        interval: '2026-03-10T05:00:00.000Z/2026-03-11T05:00:00.000Z',
      } as platformClient.Models.ConversationQuery),
    );
    expect(q.status).toBe(200);
  });
});

// Deterministic, realistic data of the Genesys emulator, and how fast a big day is generated.
import { describe, expect, it } from 'vitest';
import type { AnalyticsConversation, Session } from '../../src/contracts/genesys.js';
import { buildEmulator, EMULATOR_QUEUE_IDS } from '../../src/emulator/index.js';

const NOW = () => Date.parse('2024-05-10T12:00:00Z');
const agentSessions = (c: AnalyticsConversation): Session[] =>
  c.participants?.filter((p) => p.purpose === 'agent').flatMap((p) => p.sessions ?? []) ?? [];
const metricsOf = (s: Session) => Object.fromEntries((s.metrics ?? []).map((m) => [m.name, m.value]));

describe('emulator data set', () => {
  it('is deterministic per seed, with stable queue ids across seeds', async () => {
    const a = await buildEmulator({ seed: 'alpha', now: NOW });
    const b = await buildEmulator({ seed: 'alpha', now: NOW });
    const c = await buildEmulator({ seed: 'beta', now: NOW, queueCount: 5 });
    try {
      const dayA = a.dataset.conversationsOnLocalDay('2024-05-01');
      expect(b.dataset.conversationsOnLocalDay('2024-05-01')).toEqual(dayA);
      const dayC = c.dataset.conversationsOnLocalDay('2024-05-01');
      expect(dayC[0]?.conversationId).not.toBe(dayA[0]?.conversationId);
      expect(a.queueIds).toEqual(EMULATOR_QUEUE_IDS);
      expect(c.queueIds.slice(0, 3)).toEqual(EMULATOR_QUEUE_IDS);
      expect(c.queueIds).toHaveLength(5);
      const rec = dayA.map((x) => a.dataset.recordingsOf(x.conversationId)[0]).find(Boolean);
      expect(
        b.dataset.audioOf(rec?.id as string).bytes.equals(a.dataset.audioOf(rec?.id as string).bytes),
      ).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('generates the configured number of conversations per local day, mostly in business hours', async () => {
    const emu = await buildEmulator({ now: NOW, conversationsPerDay: 500 });
    try {
      const day = emu.dataset.conversationsOnLocalDay('2024-05-01');
      expect(day).toHaveLength(500);
      // Lima is UTC-5: 08:00-20:00 local is 13:00-01:00 UTC.
      const hours = day.map((c) => (new Date(c.conversationStart).getUTCHours() + 19) % 24);
      const business = hours.filter((h) => h >= 8 && h < 20).length;
      expect(business / day.length).toBeGreaterThan(0.9);
      for (const c of day) {
        expect(
          c.conversationStart >= '2024-05-01T05:00:00.000Z' &&
            c.conversationStart < '2024-05-02T05:00:00.000Z',
        ).toBe(true);
      }
      expect(day.some((c) => (c.conversationEnd ?? '') > '2024-05-02T05:00:00.000Z')).toBe(true); // crosses local midnight
    } finally {
      await emu.close();
    }
  });

  it('models agent sessions like Genesys: tHandle = tTalk + tHeld + tAcw, transfers and non-answering agents', async () => {
    const emu = await buildEmulator({ now: NOW });
    try {
      const day = emu.dataset.conversationsOnLocalDay('2024-05-01');
      let transfers = 0;
      let nonAnswering = 0;
      for (const c of day) {
        const sessions = agentSessions(c);
        for (const s of sessions) {
          const m = metricsOf(s);
          expect(m.tHandle).toBe((m.tTalk ?? 0) + (m.tHeld ?? 0) + (m.tAcw ?? 0));
          const wrap = s.segments?.find((g) => g.segmentType === 'wrapup');
          expect(s.metrics?.find((x) => x.name === 'tHandle')?.emitDate).toBe(wrap?.segmentEnd);
          if (m.tTalk === undefined && m.tAcw !== undefined) nonAnswering++;
        }
        if (sessions.filter((s) => metricsOf(s).tTalk !== undefined).length === 2) transfers++;
      }
      expect(transfers).toBeGreaterThan(3);
      expect(nonAnswering).toBeGreaterThan(0);
      const ivrOnly = day.filter((c) =>
        c.participants?.every((p) => p.purpose === 'customer' || p.purpose === 'ivr'),
      );
      expect(ivrOnly.length / day.length).toBeGreaterThan(0.03);
      const otherQueues = day.filter((c) => {
        const queues = c.participants?.flatMap(
          (p) => p.sessions?.flatMap((s) => s.segments?.map((g) => g.queueId) ?? []) ?? [],
        );
        return queues?.some(Boolean) && !queues.some((q) => q && EMULATOR_QUEUE_IDS.includes(q));
      });
      expect(otherQueues.length).toBeGreaterThan(3);
    } finally {
      await emu.close();
    }
  });

  it('hides conversations that have not started yet and shows live ones without conversationEnd', async () => {
    const emu = await buildEmulator({ now: () => Date.parse('2024-05-01T20:00:00Z') }); // 15:00 in Lima
    try {
      const day = emu.dataset.conversationsOnLocalDay('2024-05-01');
      expect(day.length).toBeGreaterThan(50);
      expect(day.length).toBeLessThan(300);
      for (const c of day) expect(c.conversationStart <= '2024-05-01T20:00:00.000Z').toBe(true);
      const live = day.filter((c) => !c.conversationEnd);
      expect(live.length).toBeGreaterThan(0);
      for (const c of live) for (const s of agentSessions(c)) expect(metricsOf(s).tHandle).toBeUndefined();
    } finally {
      await emu.close();
    }
  });
});

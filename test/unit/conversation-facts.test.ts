import { describe, expect, it } from 'vitest';
import type { AnalyticsConversation, Participant } from '../../src/contracts/genesys.js';
import { conversationFacts, recordingVerdict } from '../../src/genesys/conversation-facts.js';

const Q1 = '39988345-a7c5-4ce5-851e-334cb54efc79';
const Q2 = '5b703b3e-b3d6-4733-994e-bf09ceecd1a1';

const customer = (recording?: boolean): Participant => ({
  participantId: 'p-c',
  purpose: 'customer',
  sessions: [
    {
      sessionId: 's-c',
      mediaType: 'voice',
      ...(recording === undefined ? {} : { recording }),
      segments: [{ segmentStart: '2026-11-24T15:00:00.000Z', segmentType: 'interact', queueId: Q1 }],
    },
  ],
});
const agent = (userId: string, handle?: number, queueId = Q1): Participant => ({
  participantId: `p-${userId}`,
  purpose: 'agent',
  userId,
  sessions: [
    {
      sessionId: `s-${userId}`,
      mediaType: 'voice',
      metrics:
        handle === undefined
          ? []
          : [{ name: 'tHandle', value: handle, emitDate: '2026-11-24T15:10:00.000Z' }],
      segments: [
        { segmentStart: '2026-11-24T15:01:00.000Z', segmentType: 'interact', queueId },
        { segmentStart: '2026-11-24T15:09:00.000Z', segmentType: 'wrapup', queueId },
      ],
    },
  ],
});
const conv = (participants: Participant[], end = true): AnalyticsConversation => ({
  conversationId: 'c-1',
  conversationStart: '2026-11-24T15:00:00.000Z',
  ...(end ? { conversationEnd: '2026-11-24T15:09:30.000Z' } : {}),
  originatingDirection: 'inbound',
  participants,
});

describe('conversation facts', () => {
  it('reads tHandle from the agent session (ms) and the agent user id', () => {
    const f = conversationFacts(conv([customer(true), agent('u1', 377894)]));
    expect(f).toMatchObject({
      hasAgent: true,
      durationMs: 377894,
      agentUserIds: ['u1'],
      ready: true,
      recorded: true,
    });
    expect(f.queueIds).toEqual([Q1]);
  });

  it('sums tHandle over two agents of a transfer and lists both queues', () => {
    const f = conversationFacts(conv([customer(true), agent('u1', 1000), agent('u2', 2500, Q2)]));
    expect(f.durationMs).toBe(3500);
    expect(f.agentUserIds).toEqual(['u1', 'u2']);
    expect(f.queueIds).toEqual([Q1, Q2]);
  });

  it('a conversation without an agent participant is not agent-handled', () => {
    expect(conversationFacts(conv([customer(true)])).hasAgent).toBe(false);
  });

  it('a conversation still in wrap-up (no conversationEnd, no tHandle) is not ready', () => {
    const f = conversationFacts(conv([customer(true), agent('u1')], false));
    expect(f.ready).toBe(false);
    expect(f.durationMs).toBeNull();
  });

  it('an absent recording flag means not recorded (no metadata call needed)', () => {
    expect(conversationFacts(conv([customer(), agent('u1', 10)])).recorded).toBe(false);
  });
});

describe('recording verdicts', () => {
  const base = { id: 'r', conversationId: 'c' };
  it.each([
    [{ media: 'audio', fileState: 'AVAILABLE', archiveDate: '2099-01-01T00:00:00Z' }, 'download'],
    [{ media: 'audio', fileState: 'RESTORED' }, 'download'],
    [{ media: 'audio', fileState: 'UPLOADING' }, 'wait'],
    [{ media: 'audio', fileState: 'ARCHIVED' }, 'unavailable'],
    [{ media: 'audio', fileState: 'DELETED' }, 'unavailable'],
    [{ media: 'audio', fileState: 'SOMETHING_NEW' }, 'unavailable'],
    [{ media: 'screen', fileState: 'AVAILABLE' }, 'skip'],
  ])('%o → %s', (meta, kind) => {
    expect(recordingVerdict({ ...base, ...meta }).kind).toBe(kind);
  });
});

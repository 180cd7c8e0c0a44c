import { describe, expect, it } from 'vitest';
import type { AnalyticsConversation, Participant } from '../../src/contracts/genesys.js';
import {
  emptyLookupVerdict,
  conversationFacts as factsAt,
  HANDLE_TIME_GRACE_MS,
  recordingVerdict,
} from '../../src/genesys/conversation-facts.js';

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

/** The conversations below end at 15:09:30Z; "now" is an hour later unless a test says otherwise. */
const END_MS = Date.parse('2026-11-24T15:09:30.000Z');
const conversationFacts = (c: AnalyticsConversation, nowMs = END_MS + 3_600_000) => factsAt(c, nowMs);

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

  it('an absent recording flag is unknown (looked up), not "not recorded"', () => {
    expect(conversationFacts(conv([customer(), agent('u1', 10)])).recorded).toBeNull();
    expect(conversationFacts(conv([customer(false), agent('u1', 10)])).recorded).toBe(false);
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

// Production shapes (spec §15, issue 16 item 8): who handled the call, its handle time, and whether it
// is ready, as a table.
const T = (min: number) => new Date(Date.parse('2026-11-24T15:00:00.000Z') + min * 60_000).toISOString();
const tHandle = (value: number) => [{ name: 'tHandle', value, emitDate: T(10) }];
const consultedUser: Participant = {
  participantId: 'p-lead',
  purpose: 'user',
  userId: 'lead',
  participantName: 'Supervisora',
  sessions: [
    {
      sessionId: 's-lead',
      mediaType: 'voice',
      // segments, no metrics: a consult leg gets no tHandle
      segments: [{ segmentStart: T(3), segmentEnd: T(5), segmentType: 'interact' }],
    },
  ],
};
const agentWithConsultLeg: Participant = {
  participantId: 'p-u1',
  purpose: 'agent',
  userId: 'u1',
  sessions: [
    {
      sessionId: 's-u1',
      mediaType: 'voice',
      metrics: tHandle(500_000),
      segments: [
        { segmentStart: T(1), segmentEnd: T(8), segmentType: 'interact', queueId: Q1 },
        { segmentStart: T(8), segmentEnd: T(9), segmentType: 'wrapup', queueId: Q1, wrapUpCode: 'w1' },
      ],
    },
    // the consult leg: a metric, no segments
    { sessionId: 's-u1b', mediaType: 'voice', metrics: [{ name: 'nConsult', value: 1, emitDate: T(3) }] },
  ],
};
const callbackAgent: Participant = {
  participantId: 'p-u2',
  purpose: 'agent',
  userId: 'u2',
  sessions: [
    {
      sessionId: 's-cb',
      mediaType: 'callback',
      metrics: tHandle(300_000),
      segments: [
        { segmentStart: T(1), segmentEnd: T(2), segmentType: 'interact', queueId: Q1 },
        { segmentStart: T(8), segmentEnd: T(9), segmentType: 'wrapup', queueId: Q1 },
      ],
    },
    {
      sessionId: 's-call',
      mediaType: 'voice',
      metrics: [{ name: 'tTalk', value: 200_000, emitDate: T(8) }],
      segments: [
        { segmentStart: T(2), segmentEnd: T(3), segmentType: 'dialing', queueId: Q1 },
        { segmentStart: T(3), segmentEnd: T(8), segmentType: 'interact', queueId: Q1 },
      ],
    },
  ],
};
const callbackCustomer: Participant = {
  participantId: 'p-c',
  purpose: 'customer',
  sessions: [
    {
      sessionId: 's-c1',
      mediaType: 'callback',
      segments: [{ segmentStart: T(0), segmentType: 'scheduled' }],
    },
    {
      sessionId: 's-c2',
      mediaType: 'voice',
      recording: true,
      segments: [{ segmentStart: T(3), segmentType: 'interact' }],
    },
  ],
};
const bare = (purpose: string, userId?: string): Participant => ({
  participantId: `p-${purpose}-${userId}`,
  purpose,
  ...(userId ? { userId } : {}),
  sessions: [{ sessionId: `s-${purpose}-${userId}`, mediaType: 'voice' }],
});
const chatCustomer: Participant = {
  participantId: 'p-chat',
  purpose: 'customer',
  sessions: [
    {
      sessionId: 's-chat',
      mediaType: 'chat',
      segments: [{ segmentStart: T(0), segmentType: 'interact', queueId: Q1 }],
    },
  ],
};

describe('conversation facts of unusual participants', () => {
  const rows: [
    string,
    Participant[],
    { agentUserIds: string[]; durationMs: number | null; ready: boolean },
  ][] = [
    [
      'a consult to a team leader (purpose user, no metrics) and a consult leg without segments',
      [customer(true), agentWithConsultLeg, consultedUser],
      { agentUserIds: ['u1', 'lead'], durationMs: 500_000, ready: true },
    ],
    [
      'a callback: tHandle on the callback session, none on the call leg',
      [callbackCustomer, callbackAgent],
      { agentUserIds: ['u2'], durationMs: 300_000, ready: true },
    ],
    [
      'two agents, each with a tHandle',
      [customer(true), agent('u1', 1000), agent('u2', 2000)],
      { agentUserIds: ['u1', 'u2'], durationMs: 3000, ready: true },
    ],
    [
      'an agent who talked and has no tHandle yet, the call ended an hour ago: not ready',
      [customer(true), agent('u1')],
      { agentUserIds: ['u1'], durationMs: null, ready: false },
    ],
    [
      'one agent with a tHandle, one still owed: not ready, the sum so far',
      [customer(true), agent('u1', 1000), agent('u2')],
      { agentUserIds: ['u1', 'u2'], durationMs: 1000, ready: false },
    ],
    [
      'sessions with neither metrics nor segments',
      [bare('customer'), bare('agent', 'u1'), bare('user', 'u9')],
      { agentUserIds: ['u1', 'u9'], durationMs: null, ready: true },
    ],
    [
      'a participant without sessions',
      [{ participantId: 'p', purpose: 'agent', userId: 'u1' }, customer(true)],
      { agentUserIds: ['u1'], durationMs: null, ready: true },
    ],
  ];
  it.each(rows)('%s', (_, participants, expected) => {
    expect(conversationFacts(conv(participants))).toMatchObject(expected);
  });

  it('a tHandle that never comes is waited for HANDLE_TIME_GRACE_MS after the end, no longer', () => {
    const c = conv([customer(true), agent('u1')]);
    expect(factsAt(c, END_MS + HANDLE_TIME_GRACE_MS - 1).ready).toBe(false);
    expect(factsAt(c, END_MS + HANDLE_TIME_GRACE_MS).ready).toBe(true);
    // without conversationEnd it may still come, however late
    expect(
      factsAt(conv([customer(true), agent('u1')], false), END_MS + 100 * HANDLE_TIME_GRACE_MS).ready,
    ).toBe(false);
  });

  it('a consulted user alone, without a tHandle, does not hold the conversation back', () => {
    expect(conversationFacts(conv([customer(true), agent('u1', 10), consultedUser]), END_MS).ready).toBe(
      true,
    );
  });
});

describe('conversation media', () => {
  it.each([
    ['a call', [customer(true), agent('u1', 10)], true],
    ['a callback that became a call', [callbackCustomer, callbackAgent], true],
    [
      'a chat',
      [chatCustomer, { ...bare('agent', 'u1'), sessions: [{ sessionId: 's', mediaType: 'chat' }] }],
      false,
    ],
    [
      'sessions that name no media',
      [{ participantId: 'p', purpose: 'agent', userId: 'u1', sessions: [{ sessionId: 's' } as never] }],
      true,
    ],
  ] as [string, Participant[], boolean][])('%s: audio %s', (_, participants, audio) => {
    expect(conversationFacts(conv(participants)).audio).toBe(audio);
  });
});

describe('an empty recording lookup', () => {
  const DAY = 86_400_000;
  const end = '2026-11-24T15:09:30.000Z';
  it.each([
    ['no recording flag', null, end, END_MS + 1, 'not-recorded'],
    ['the sessions say not recorded', false, end, END_MS + 1, 'not-recorded'],
    ['recorded, an hour after the call', true, end, END_MS + 3_600_000, 'wait'],
    ['recorded, just inside the window', true, end, END_MS + 2 * DAY - 1, 'wait'],
    ['recorded, at the end of the window', true, end, END_MS + 2 * DAY, 'unavailable'],
    ['recorded, no end known', true, null, END_MS + 10 * DAY, 'wait'],
  ] as const)('%s → %s', (_, recorded, conversationEnd, nowMs, kind) => {
    const v = emptyLookupVerdict({ recorded, conversationEnd, nowMs, windowMs: 2 * DAY });
    expect(v.kind).toBe(kind);
    if (v.kind === 'unavailable') expect(v.reason).toMatch(/2 days after the call/);
  });
});

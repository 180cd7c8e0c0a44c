// The manifest's names and call facts, as tables: what a details conversation says about its people
// (conversationPeople), and how a line's names are joined from the day's lookups (namedFields).
import { describe, expect, it } from 'vitest';
import type { AnalyticsConversation, Participant } from '../../src/contracts/genesys.js';
import { conversationPeople } from '../../src/genesys/conversation-people.js';
import { GenesysHttpError, GenesysPermissionError } from '../../src/genesys/errors.js';
import { type DayNames, type NamedRow, namedFields, nameProblem } from '../../src/pipeline/names.js';

const T = '2026-11-24T15:00:00.000Z';
const END = '2026-11-24T15:05:00.000Z';

function agent(userId: string, name: string | undefined, segments: Record<string, unknown>[]): Participant {
  return {
    participantId: `p-${userId}`,
    purpose: 'agent',
    userId,
    ...(name ? { participantName: name } : {}),
    sessions: [{ sessionId: `s-${userId}`, mediaType: 'voice', segments: segments as never }],
  };
}
const wrapup = (code: string, note?: string, open = false) => ({
  segmentType: 'wrapup',
  segmentStart: T,
  ...(open ? {} : { segmentEnd: END }),
  wrapUpCode: code,
  ...(note ? { wrapUpNote: note } : {}),
});
const customer = (purpose = 'customer', ani = 'tel:+51999', dnis = 'tel:+5112345'): Participant => ({
  participantId: 'p-c',
  purpose,
  sessions: [{ sessionId: 's-c', mediaType: 'voice', ani, dnis }],
});
const conv = (...participants: Participant[]): AnalyticsConversation => ({
  conversationId: 'c-1',
  conversationStart: T,
  participants,
});

describe('conversationPeople', () => {
  it.each<[string, AnalyticsConversation, ReturnType<typeof conversationPeople>]>([
    [
      'one agent with a wrap-up and its note, the customer numbers',
      conv(customer(), agent('u1', 'Rosa Quispe', [wrapup('w1', 'cliente satisfecho')])),
      {
        agentNames: new Map([['u1', 'Rosa Quispe']]),
        wrapUps: [{ code: 'w1', note: 'cliente satisfecho' }],
        ani: 'tel:+51999',
        dnis: 'tel:+5112345',
      },
    ],
    [
      'two agents, each wrap-up in order; an agent without participantName has no name',
      conv(agent('u1', 'Rosa', [wrapup('w1')]), agent('u2', undefined, [wrapup('w2'), wrapup('w1')])),
      {
        agentNames: new Map([['u1', 'Rosa']]),
        wrapUps: [
          { code: 'w1', note: null },
          { code: 'w2', note: null },
          { code: 'w1', note: null },
        ],
        ani: null,
        dnis: null,
      },
    ],
    [
      'an open wrap-up segment is not final: left out',
      conv(agent('u1', 'Rosa', [wrapup('w1', undefined, true)])),
      { agentNames: new Map([['u1', 'Rosa']]), wrapUps: [], ani: null, dnis: null },
    ],
    [
      'a consulted user (purpose user) is not an agent: neither name nor wrap-up',
      conv({ ...agent('u9', 'Jefa', [wrapup('w9')]), purpose: 'user' }),
      { agentNames: new Map(), wrapUps: [], ani: null, dnis: null },
    ],
    [
      'without a customer the first voice session with numbers gives them',
      conv(customer('ivr', 'tel:+1', 'tel:+2')),
      { agentNames: new Map(), wrapUps: [], ani: 'tel:+1', dnis: 'tel:+2' },
    ],
  ])('%s', (_name, c, expected) => {
    expect(conversationPeople(c)).toEqual(expected);
  });
});

describe('namedFields', () => {
  const names: DayNames = {
    queues: new Map([['q1', 'Atención al Cliente']]),
    users: new Map([
      ['u1', { name: 'Rosa (directorio)', managerId: 'm1' }],
      ['u2', { name: 'Luis Mamani', managerId: null }],
      ['m1', { name: 'Carmen Rojas', managerId: 'h1' }],
    ]),
    wrapUpCodes: new Map([['w1', 'Reclamo registrado']]),
    problems: [],
  };
  const row = (over: Partial<NamedRow>): NamedRow => ({
    queueId: 'q1',
    queueIds: ['q1', 'q2'],
    agentUserIds: ['u1', 'u2', 'u3'],
    agentNames: ['Rosa Quispe', null, null],
    wrapUps: [
      { code: 'w1', note: 'nota' },
      { code: 'ININ-WRAP-UP-TIMEOUT', note: null },
    ],
    startTime: null,
    endTime: END,
    ani: null,
    dnis: null,
    ...over,
  });

  it('joins names by position: participantName first, the directory next, null when neither knows', () => {
    expect(namedFields(row({}), names)).toEqual({
      queueName: 'Atención al Cliente',
      queueNames: ['Atención al Cliente', null],
      agentNames: ['Rosa Quispe', 'Luis Mamani', null],
      agentManagerIds: ['m1', null, null],
      agentManagerNames: ['Carmen Rojas', null, null],
      wrapUpCodes: ['w1', 'ININ-WRAP-UP-TIMEOUT'],
      wrapUpNames: ['Reclamo registrado', null],
      wrapUpNotes: ['nota', null],
      recordingStart: null,
      recordingEnd: END,
      ani: null,
      dnis: null,
    });
  });

  it.each<[string, Partial<NamedRow>, Partial<ReturnType<typeof namedFields>>]>([
    [
      'a row from before names were stored',
      { agentNames: null, wrapUps: null },
      { agentNames: ['Rosa (directorio)', 'Luis Mamani', null], wrapUpCodes: [] },
    ],
    [
      'no agent',
      { agentUserIds: [], agentNames: [] },
      { agentNames: [], agentManagerIds: [], agentManagerNames: [] },
    ],
    ['no queue name known', { queueId: 'q9', queueIds: ['q9'] }, { queueName: null, queueNames: [null] }],
    [
      'numbers kept as stored',
      { ani: 'tel:+51999', dnis: 'tel:+5112345' },
      { ani: 'tel:+51999', dnis: 'tel:+5112345' },
    ],
  ])('%s', (_name, over, expected) => {
    expect(namedFields(row(over), names)).toMatchObject(expected);
  });
});

describe('nameProblem', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'a 403 names the permission to grant',
      new GenesysHttpError({ method: 'GET', path: '/api/v2/routing/queues', status: 403 }),
      /^queue names: the OAuth client's role lacks routing:queue:view \(403\)$/,
    ],
    [
      "a 403 naming the missing permission (Genesys' missing.any.permissions) says the same",
      new GenesysPermissionError({
        method: 'GET',
        path: '/api/v2/routing/queues',
        status: 403,
        genesysCode: 'missing.any.permissions',
        message:
          'Unable to perform the requested action. You are missing the following permission(s): [routing:queue:view]',
      }),
      /^queue names: the OAuth client's role lacks routing:queue:view \(403\)$/,
    ],
    [
      'anything else keeps its message',
      new GenesysHttpError({ method: 'GET', path: '/api/v2/routing/queues', status: 503 }),
      /^queue names: .*503/,
    ],
  ])('%s', (_name, e, expected) => {
    expect(nameProblem('queue', e)).toMatch(expected);
  });
});

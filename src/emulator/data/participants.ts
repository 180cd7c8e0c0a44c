// Builders of the participants of a voice conversation (customer, IVR, ACD queue, agent), shaped after
// the real payload of spec §11.3: metrics live on sessions, tHandle = tTalk + tHeld + tAcw (ms) emitted
// at wrap-up end.
import type { Rng } from '../random.js';
import { EDGE_ID, IVR_FLOW, ORG_DNIS, type Queue, WRAP_UP_TIMEOUT } from './catalog.js';
import type { TMetric, TParticipant, TSegment, TSession } from './timeline.js';

// Shared, frozen values: a 20,000-conversation day would otherwise hold 20,000 copies of each.
const STANDARD_ROUTING: readonly string[] = Object.freeze(['Standard']);
const NORMAL_CLEARING: readonly number[] = Object.freeze([16]);
const flows = new Map<string, Readonly<Record<string, unknown>>>();

function ivrFlow(target: Queue | undefined): Readonly<Record<string, unknown>> {
  const key = target?.id ?? '';
  let flow = flows.get(key);
  if (!flow) {
    flow = Object.freeze(
      target
        ? {
            ...IVR_FLOW,
            flowType: 'INBOUNDCALL',
            exitReason: 'TRANSFER',
            transferType: 'ACD',
            transferTargetAddress: target.id,
            transferTargetName: target.name,
          }
        : { ...IVR_FLOW, flowType: 'INBOUNDCALL', exitReason: 'DISCONNECT' },
    );
    flows.set(key, flow);
  }
  return flow;
}

export function customerParticipant(
  rng: Rng,
  o: {
    sessionId: string;
    phone: string;
    recording: boolean;
    t0: number;
    connectedAt: number;
    end: number;
    /** consecutive interact segments, one per queue visited (none for IVR-only calls) */
    legs: { queueId?: string; from: number; to: number }[];
    disconnectType: string;
  },
): TParticipant {
  const segments: TSegment[] = [{ type: 'system', start: o.t0, end: o.connectedAt }];
  o.legs.forEach((leg, i) => {
    const last = i === o.legs.length - 1;
    segments.push({
      type: 'interact',
      start: leg.from,
      end: leg.to,
      ...(leg.queueId ? { queueId: leg.queueId } : {}),
      ...(last ? { disconnectType: o.disconnectType, q850ResponseCodes: NORMAL_CLEARING } : {}),
    });
  });
  const tel = `tel:${o.phone}`;
  return {
    participantId: rng.uuid(),
    participantName: o.phone.replace('+', ''),
    purpose: 'customer',
    sessions: [
      {
        sessionId: o.sessionId,
        fields: {
          ani: tel,
          direction: 'inbound',
          dnis: ORG_DNIS,
          edgeId: EDGE_ID,
          mediaType: 'voice',
          protocolCallId: rng.uuid(),
          provider: 'Edge',
          ...(o.recording ? { recording: true } : {}),
          requestedRoutings: STANDARD_ROUTING,
          sessionDnis: ORG_DNIS,
          usedRouting: 'Standard',
        },
        metrics: [
          { name: 'nConnected', value: 1, at: o.connectedAt },
          { name: 'tConnected', value: o.end - o.connectedAt, at: o.end },
        ],
        segments,
      },
    ],
  };
}

export function ivrParticipant(
  rng: Rng,
  o: { peerId: string; start: number; end: number; target?: Queue },
): TParticipant {
  const flow = ivrFlow(o.target);
  const duration = o.end - o.start;
  return {
    participantId: rng.uuid(),
    participantName: IVR_FLOW.flowName,
    purpose: 'ivr',
    sessions: [
      {
        sessionId: rng.uuid(),
        fields: { direction: 'inbound', mediaType: 'voice', peerId: o.peerId, flow },
        metrics: [
          { name: 'nFlow', value: 1, at: o.start + 5 },
          { name: 'tIvr', value: duration, at: o.end },
          { name: 'tFlow', value: duration, at: o.end },
        ],
        segments: [
          {
            type: 'ivr',
            start: o.start,
            end: o.end,
            disconnectType: o.target ? 'transfer' : 'peer',
          },
        ],
      },
    ],
  };
}

export function acdParticipant(
  rng: Rng,
  o: { queue: Queue; peerId: string; enter: number; leave: number; abandoned: boolean; mediaType?: string },
): TParticipant {
  const wait = o.leave - o.enter;
  const metrics: TMetric[] = [{ name: 'nOffered', value: 1, at: o.enter }];
  if (o.abandoned) metrics.push({ name: 'tAbandon', value: wait, at: o.leave });
  metrics.push({ name: 'tAcd', value: wait, at: o.leave });
  return {
    participantId: rng.uuid(),
    participantName: o.queue.name,
    purpose: 'acd',
    sessions: [
      {
        sessionId: rng.uuid(),
        fields: { direction: 'inbound', mediaType: o.mediaType ?? 'voice', peerId: o.peerId, usedRouting: 'Standard' },
        metrics,
        segments: [
          {
            type: 'interact',
            start: o.enter,
            end: o.leave,
            queueId: o.queue.id,
            disconnectType: o.abandoned ? 'peer' : 'transfer',
          },
        ],
      },
    ],
  };
}

export interface AnsweringAgent {
  sessionId: string;
  userId: string;
  /** the agent's display name (participantName; the same name GET /api/v2/users gives) */
  name: string;
  queueId: string;
  peerId: string;
  /** when the interaction was offered to the queue (for tAnswered) */
  offeredAt: number;
  alertStart: number;
  answer: number;
  hold?: { start: number; end: number };
  talkEnd: number;
  wrapEnd: number;
  /** id of the wrap-up code (GET /api/v2/routing/wrapupcodes names it) */
  wrapUpCode: string;
  wrapUpNote?: string;
  /** how the interact leg ended: 'peer' (customer hung up), 'client' (agent hung up), 'transfer' */
  disconnectType: string;
  /** voice by default */
  mediaType?: string;
  /** tAcw and tHandle are emitted this long after the wrap-up segment ends (default 0) */
  handleLagMs?: number;
  /** extra sessions of the same agent (a consult leg, the call of a callback) */
  moreSessions?: TSession[];
}

export const AGENT_FIELDS = (peerId: string, mediaType = 'voice', direction = 'inbound') => ({
  direction,
  mediaType,
  peerId,
  ...(mediaType === 'voice' ? { provider: 'Edge' } : {}),
  requestedRoutings: STANDARD_ROUTING,
  usedRouting: 'Standard',
});

export function answeringAgent(rng: Rng, a: AnsweringAgent): TParticipant {
  const held = a.hold ? a.hold.end - a.hold.start : 0;
  const talk = a.talkEnd - a.answer - held;
  const acw = a.wrapEnd - a.talkEnd;
  const handleAt = a.wrapEnd + (a.handleLagMs ?? 0);
  const metrics: TMetric[] = [
    { name: 'tAlert', value: a.answer - a.alertStart, at: a.answer },
    { name: 'tAnswered', value: a.answer - a.offeredAt, at: a.answer },
  ];
  if (a.hold) {
    metrics.push({ name: 'tHeld', value: held, at: a.hold.end });
    metrics.push({ name: 'tHeldComplete', value: held, at: a.hold.end });
  }
  metrics.push({ name: 'tTalk', value: talk, at: a.talkEnd });
  metrics.push({ name: 'tTalkComplete', value: talk, at: a.talkEnd });
  metrics.push({ name: 'tAcw', value: acw, at: handleAt });
  metrics.push({ name: 'tHandle', value: talk + held + acw, at: handleAt });

  const q = a.queueId;
  const segments: TSegment[] = [{ type: 'alert', start: a.alertStart, end: a.answer, queueId: q }];
  if (a.hold) {
    segments.push({ type: 'interact', start: a.answer, end: a.hold.start, queueId: q });
    segments.push({ type: 'hold', start: a.hold.start, end: a.hold.end, queueId: q });
    segments.push({ type: 'interact', start: a.hold.end, end: a.talkEnd, queueId: q, disconnectType: a.disconnectType });
  } else {
    segments.push({ type: 'interact', start: a.answer, end: a.talkEnd, queueId: q, disconnectType: a.disconnectType });
  }
  segments.push({
    type: 'wrapup',
    start: a.talkEnd,
    end: a.wrapEnd,
    queueId: q,
    wrapUpCode: a.wrapUpCode,
    ...(a.wrapUpNote ? { wrapUpNote: a.wrapUpNote } : {}),
  });
  return {
    participantId: rng.uuid(),
    participantName: a.name,
    purpose: 'agent',
    userId: a.userId,
    sessions: [
      { sessionId: a.sessionId, fields: AGENT_FIELDS(a.peerId, a.mediaType), metrics, segments },
      ...(a.moreSessions ?? []),
    ],
  };
}

/** An agent who was alerted, never answered, and still went through (timed-out) wrap-up: tHandle = tAcw. */
export function nonAnsweringAgent(
  rng: Rng,
  o: {
    userId: string;
    name: string;
    queueId: string;
    peerId: string;
    alertStart: number;
    alertEnd: number;
    wrapEnd: number;
  },
): TParticipant {
  const alert = o.alertEnd - o.alertStart;
  const acw = o.wrapEnd - o.alertEnd;
  return {
    participantId: rng.uuid(),
    participantName: o.name,
    purpose: 'agent',
    userId: o.userId,
    sessions: [
      {
        sessionId: rng.uuid(),
        fields: AGENT_FIELDS(o.peerId),
        metrics: [
          { name: 'tAlert', value: alert, at: o.alertEnd },
          { name: 'tNotResponding', value: alert, at: o.alertEnd },
          { name: 'tAcw', value: acw, at: o.wrapEnd },
          { name: 'tHandle', value: acw, at: o.wrapEnd },
        ],
        segments: [
          {
            type: 'alert',
            start: o.alertStart,
            end: o.alertEnd,
            queueId: o.queueId,
            disconnectType: 'noAnswerTransfer',
          },
          {
            type: 'wrapup',
            start: o.alertEnd,
            end: o.wrapEnd,
            queueId: o.queueId,
            wrapUpCode: WRAP_UP_TIMEOUT,
          },
        ],
      },
    ],
  };
}

/**
 * A consult with a person outside the queue (purpose user, e.g. the team leader): a voice session with
 * segments but no metrics, as a production org shows for such legs.
 */
export function consultedUser(
  rng: Rng,
  o: { userId: string; name: string; peerId: string; start: number; end: number },
): TParticipant {
  return {
    participantId: rng.uuid(),
    participantName: o.name,
    purpose: 'user',
    userId: o.userId,
    sessions: [
      {
        sessionId: rng.uuid(),
        fields: { direction: 'outbound', mediaType: 'voice', peerId: o.peerId, provider: 'Edge' },
        metrics: [],
        segments: [
          { type: 'alert', start: o.start, end: o.start + 4_000 },
          { type: 'interact', start: o.start + 4_000, end: o.end, disconnectType: 'peer' },
        ],
      },
    ],
  };
}

/** The agent's own leg of a consult: a session with metrics only, no segments. */
export function consultLegWithoutSegments(rng: Rng, o: { peerId: string; at: number }): TSession {
  return {
    sessionId: rng.uuid(),
    fields: { direction: 'outbound', mediaType: 'voice', peerId: o.peerId, provider: 'Edge' },
    metrics: [{ name: 'nConsult', value: 1, at: o.at }],
    segments: [],
    visibleFrom: o.at,
  };
}

// Plan → complete timeline of one conversation. Deterministic from (seed, day, index) plus the settle
// instants (control.settleAll), which end pending wrap-ups and uploads early.
import type { Rng } from '../random.js';
import { type BuildContext, HANDLE_TIME_LAG_MS, nameOf, pickWrapUp, recordingAdder } from './build-context.js';
import { phoneNumber, TRANSFER_WRAP_UP } from './catalog.js';
import { type ConversationPlan, conversationRng } from './day-plan.js';
import { buildOtherMedia } from './other-media.js';
import {
  acdParticipant,
  answeringAgent,
  consultedUser,
  consultLegWithoutSegments,
  customerParticipant,
  ivrParticipant,
  nonAnsweringAgent,
} from './participants.js';
import {
  finish,
  PENDING_GRACE_MS,
  settledWithin,
  type TConversation,
  type TParticipant,
  type TRecording,
} from './timeline.js';

export type { BuildContext };

function talkDuration(rng: Rng): number {
  return rng.chance(0.1) ? rng.int(600_000, 1_500_000) : rng.int(45_000, 600_000);
}

export function buildConversation(plan: ConversationPlan, ctx: BuildContext): TConversation {
  if (plan.kind === 'chat' || plan.kind === 'email' || plan.kind === 'message' || plan.kind === 'callback') {
    return buildOtherMedia(plan, ctx);
  }
  const rng = conversationRng(ctx.seedHash, plan.day, plan.index, 2);
  const t0 = plan.start;
  const connectedAt = t0 + rng.int(150, 450);
  const ivrStart = t0 + rng.int(20, 80);
  const ivrEnd = connectedAt + rng.int(15_000, 90_000);
  const customerSessionId = rng.uuid();
  const phone = phoneNumber(ctx.seedHash, plan.day * 1_000_003 + plan.index);
  const mos = 3.6 + rng.next() * 0.8;
  const rFactor = 70 + rng.next() * 18;
  const participants: TParticipant[] = [];
  const recordings: TRecording[] = [];
  const recorded = !['abandoned', 'ivrOnly', 'unrecorded'].includes(plan.kind);
  const quirks = plan.quirks ?? {};
  const addRecording = recordingAdder(plan, ctx, rng, recordings);
  const customer = (end: number, legs: { queueId?: string; from: number; to: number }[], disconnect: string) =>
    customerParticipant(rng, {
      sessionId: customerSessionId,
      phone,
      recording: recorded && !quirks.noRecordingFlag,
      t0,
      connectedAt,
      end,
      legs,
      disconnectType: disconnect,
    });

  if (plan.kind === 'ivrOnly') {
    participants.push(customer(ivrEnd, [{ from: connectedAt, to: ivrEnd }], 'endpoint'));
    participants.push(ivrParticipant(rng, { peerId: customerSessionId, start: ivrStart, end: ivrEnd }));
    return finish(plan, t0, ivrEnd, mos, rFactor, participants, recordings);
  }
  const ivr = ivrParticipant(rng, { peerId: customerSessionId, start: ivrStart, end: ivrEnd, target: plan.queue });
  if (plan.kind === 'abandoned') {
    const abandonAt = ivrEnd + rng.int(10_000, 240_000);
    participants.push(customer(abandonAt, [{ queueId: plan.queue.id, from: connectedAt, to: abandonAt }], 'endpoint'));
    participants.push(ivr);
    participants.push(
      acdParticipant(rng, {
        queue: plan.queue,
        peerId: customerSessionId,
        enter: ivrEnd,
        leave: abandonAt,
        abandoned: true,
      }),
    );
    return finish(plan, t0, abandonAt, mos, rFactor, participants, recordings);
  }

  // Agent-handled kinds.
  const agentA = rng.pick(ctx.agents);
  let agentB = rng.pick(ctx.agents);
  if (agentB === agentA) agentB = ctx.agents[(ctx.agents.indexOf(agentA) + 1) % ctx.agents.length] as string;
  const extraAgents: TParticipant[] = [];
  let offerFrom = ivrEnd;
  if (plan.kind === 'noAnswer') {
    const alertStart = ivrEnd + rng.int(3_000, 60_000);
    const alertEnd = alertStart + rng.int(15_000, 30_000);
    const wrap = alertEnd + rng.int(30_000, 60_000);
    extraAgents.push(
      nonAnsweringAgent(rng, {
        userId: agentB,
        name: nameOf(ctx, agentB),
        queueId: plan.queue.id,
        peerId: customerSessionId,
        alertStart,
        alertEnd,
        wrapEnd: wrap,
      }),
    );
    offerFrom = alertEnd;
  }
  const alertDur = rng.int(2_000, 12_000);
  const answer = offerFrom + alertDur + rng.int(500, 120_000);
  let talk = talkDuration(rng);
  if (plan.lateNight) talk = Math.max(talk, plan.dayEnd - answer + rng.int(60_000, 600_000));
  const agentHungUp = rng.chance(0.25);
  const wrapUp = pickWrapUp(rng);
  const agentSessionId = rng.uuid();
  const legs: { queueId?: string; from: number; to: number }[] = [];
  let talkEnd: number;
  let mainAnswer = answer;
  let mainQueueId = plan.queue.id;
  let mainOfferedAt = offerFrom;

  if (plan.kind === 'transfer' && plan.transferQueue) {
    const transferAt = answer + rng.int(30_000, 240_000);
    const wrap1 = transferAt + rng.int(10_000, 60_000);
    const sessionA = rng.uuid();
    extraAgents.push(
      answeringAgent(rng, {
        sessionId: sessionA,
        userId: agentA,
        name: nameOf(ctx, agentA),
        queueId: plan.queue.id,
        peerId: customerSessionId,
        offeredAt: ivrEnd,
        alertStart: answer - alertDur,
        answer,
        talkEnd: transferAt,
        wrapEnd: wrap1,
        wrapUpCode: TRANSFER_WRAP_UP.id,
        disconnectType: 'transfer',
      }),
    );
    participants.push(
      acdParticipant(rng, { queue: plan.queue, peerId: customerSessionId, enter: ivrEnd, leave: answer, abandoned: false }),
    );
    mainAnswer = transferAt + alertDur + rng.int(3_000, 90_000);
    mainQueueId = plan.transferQueue.id;
    mainOfferedAt = transferAt;
    talkEnd = mainAnswer + talk;
    legs.push({ queueId: plan.queue.id, from: connectedAt, to: transferAt });
    legs.push({ queueId: mainQueueId, from: transferAt, to: talkEnd });
    participants.push(
      acdParticipant(rng, {
        queue: plan.transferQueue,
        peerId: customerSessionId,
        enter: transferAt,
        leave: mainAnswer,
        abandoned: false,
      }),
    );
    addRecording(0, 'audio', customerSessionId, answer, transferAt);
    addRecording(1, 'audio', customerSessionId, mainAnswer, talkEnd);
  } else {
    participants.push(
      acdParticipant(rng, { queue: plan.queue, peerId: customerSessionId, enter: ivrEnd, leave: answer, abandoned: false }),
    );
    talkEnd = answer + talk;
    legs.push({ queueId: plan.queue.id, from: connectedAt, to: talkEnd });
    if (recorded) {
      if (plan.twoRecordings) {
        const mid = answer + Math.floor(talk * (0.35 + rng.next() * 0.3));
        addRecording(0, 'audio', customerSessionId, answer, mid);
        addRecording(1, 'audio', customerSessionId, mid, talkEnd);
      } else {
        addRecording(0, 'audio', customerSessionId, answer, talkEnd);
      }
    }
  }
  const hold = rng.chance(0.2)
    ? (() => {
        const start = mainAnswer + Math.floor((talkEnd - mainAnswer) * (0.3 + rng.next() * 0.3));
        return { start, end: Math.min(start + rng.int(15_000, 120_000), talkEnd - 1_000) };
      })()
    : undefined;
  const plannedWrapEnd = plan.kind === 'wrapStuck' ? plan.dayEnd + PENDING_GRACE_MS : talkEnd + rng.int(5_000, 120_000);
  const wrapEnd = settledWithin(ctx.settleTimes, talkEnd, plannedWrapEnd) ?? plannedWrapEnd;
  const mainUser = plan.kind === 'transfer' ? agentB : agentA;
  const extras: TParticipant[] = [];
  let consultLeg: ReturnType<typeof consultLegWithoutSegments> | undefined;
  if (quirks.unusualParticipants && ctx.leaders.length > 0) {
    // The agent consults the team leader for a minute or two in the middle of the call.
    const leader = rng.pick(ctx.leaders);
    const from = mainAnswer + Math.floor((talkEnd - mainAnswer) * 0.2);
    const to = Math.min(from + rng.int(40_000, 150_000), talkEnd - 1_000);
    extras.push(consultedUser(rng, { userId: leader.id, name: leader.name, peerId: agentSessionId, start: from, end: to }));
    consultLeg = consultLegWithoutSegments(rng, { peerId: customerSessionId, at: from });
  }
  const mainAgent = answeringAgent(rng, {
    sessionId: agentSessionId,
    userId: mainUser,
    name: nameOf(ctx, mainUser),
    queueId: mainQueueId,
    peerId: customerSessionId,
    offeredAt: mainOfferedAt,
    alertStart: mainAnswer - alertDur,
    answer: mainAnswer,
    ...(hold && hold.end > hold.start ? { hold } : {}),
    talkEnd,
    wrapEnd,
    ...wrapUp,
    disconnectType: agentHungUp ? 'client' : 'peer',
    ...(quirks.handleTimeLag ? { handleLagMs: HANDLE_TIME_LAG_MS } : {}),
    ...(consultLeg ? { moreSessions: [consultLeg] } : {}),
  });
  if (recorded && plan.screen) addRecording(2, 'screen', agentSessionId, mainAnswer, talkEnd);
  participants.unshift(customer(talkEnd, legs, agentHungUp ? 'peer' : 'endpoint'), ivr);
  participants.push(...extraAgents, mainAgent, ...extras);
  const end = Math.max(talkEnd, wrapEnd, ...extraAgents.map(lastSegmentEnd));
  return finish(plan, t0, end, mos, rFactor, participants, recordings);
}

function lastSegmentEnd(p: TParticipant): number {
  let max = 0;
  for (const s of p.sessions) for (const g of s.segments) max = Math.max(max, g.end);
  return max;
}

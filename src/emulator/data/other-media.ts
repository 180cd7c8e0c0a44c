// Conversations that are not plain voice calls but sit in the same queues: web chats, e-mails and
// WhatsApp messages (their "recordings" are transcripts with media chat/email/message), and callbacks
// (the customer asks to be called back; the agent gets a callback session, then places the call on a
// voice session, and the audio belongs to that call).
import type { Rng } from '../random.js';
import { type BuildContext, nameOf, pickWrapUp, recordingAdder } from './build-context.js';
import { ORG_DNIS, phoneNumber } from './catalog.js';
import { type ConversationPlan, conversationRng } from './day-plan.js';
import { acdParticipant, answeringAgent } from './participants.js';
import { finish, type TConversation, type TParticipant, type TRecording, type TSession } from './timeline.js';

type Messaging = 'chat' | 'email' | 'message';

/** How long the agent works on one interaction of each medium (ms). */
const WORK_MS: Record<Messaging | 'callback', [number, number]> = {
  chat: [180_000, 900_000],
  email: [120_000, 600_000],
  message: [120_000, 1_200_000],
  callback: [45_000, 480_000],
};

function customerFields(medium: Messaging, phone: string): Record<string, unknown> {
  if (medium === 'email') {
    return {
      direction: 'inbound',
      mediaType: 'email',
      addressFrom: `cliente${phone.slice(-4)}@correo.example`,
      addressTo: 'atencion@lima-cc.example',
    };
  }
  if (medium === 'message') {
    return { direction: 'inbound', mediaType: 'message', messageType: 'whatsapp', addressFrom: phone };
  }
  return { direction: 'inbound', mediaType: 'chat', remoteNameDisplayable: 'Cliente web' };
}

interface AnsweredTimes {
  enterQueue: number;
  alertStart: number;
  answer: number;
  talkEnd: number;
  wrapEnd: number;
}

/** The queue's participant and the agent who answered from it (rng drawn in that order). */
function queuedAndAnswered(
  plan: ConversationPlan,
  ctx: BuildContext,
  rng: Rng,
  o: { peerId: string; agent: string; times: AnsweredTimes; mediaType: Messaging | 'callback'; moreSessions?: TSession[] },
): TParticipant[] {
  const { enterQueue, alertStart, answer, talkEnd, wrapEnd } = o.times;
  const acd = acdParticipant(rng, {
    queue: plan.queue,
    peerId: o.peerId,
    enter: enterQueue,
    leave: answer,
    abandoned: false,
    mediaType: o.mediaType,
  });
  const answering = answeringAgent(rng, {
    sessionId: rng.uuid(),
    userId: o.agent,
    name: nameOf(ctx, o.agent),
    queueId: plan.queue.id,
    peerId: o.peerId,
    offeredAt: enterQueue,
    alertStart,
    answer,
    talkEnd,
    wrapEnd,
    ...pickWrapUp(rng),
    disconnectType: 'client',
    mediaType: o.mediaType,
    ...(o.moreSessions ? { moreSessions: o.moreSessions } : {}),
  });
  return [acd, answering];
}

export function buildOtherMedia(plan: ConversationPlan, ctx: BuildContext): TConversation {
  const rng = conversationRng(ctx.seedHash, plan.day, plan.index, 2);
  return plan.kind === 'callback' ? buildCallback(plan, ctx, rng) : buildMessaging(plan, ctx, rng, plan.kind as Messaging);
}

function buildMessaging(plan: ConversationPlan, ctx: BuildContext, rng: Rng, medium: Messaging): TConversation {
  const t0 = plan.start;
  const phone = phoneNumber(ctx.seedHash, plan.day * 1_000_003 + plan.index);
  const customerSessionId = rng.uuid();
  const enterQueue = t0 + rng.int(2_000, 20_000);
  const alertStart = enterQueue + rng.int(5_000, 240_000);
  const answer = alertStart + rng.int(2_000, 15_000);
  const [min, max] = WORK_MS[medium];
  const talkEnd = answer + rng.int(min, max);
  const wrapEnd = talkEnd + rng.int(5_000, 60_000);
  const agent = rng.pick(ctx.agents);
  const recordings: TRecording[] = [];
  const customer: TParticipant = {
    participantId: rng.uuid(),
    participantName: medium === 'email' ? 'Cliente' : phone.replace('+', ''),
    purpose: 'customer',
    sessions: [
      {
        sessionId: customerSessionId,
        fields: customerFields(medium, phone),
        metrics: [{ name: 'nConnected', value: 1, at: t0 }],
        segments: [{ type: 'interact', start: t0, end: talkEnd, queueId: plan.queue.id, disconnectType: 'peer' }],
      },
    ],
  };
  const participants: TParticipant[] = [
    customer,
    ...queuedAndAnswered(plan, ctx, rng, {
      peerId: customerSessionId,
      agent,
      times: { enterQueue, alertStart, answer, talkEnd, wrapEnd },
      mediaType: medium,
    }),
  ];
  recordingAdder(plan, ctx, rng, recordings)(0, medium, customerSessionId, answer, talkEnd);
  return finish(plan, t0, wrapEnd, 4.2, 80, participants, recordings);
}

function buildCallback(plan: ConversationPlan, ctx: BuildContext, rng: Rng): TConversation {
  const t0 = plan.start;
  const phone = phoneNumber(ctx.seedHash, plan.day * 1_000_003 + plan.index);
  const tel = `tel:${phone}`;
  const callbackSessionId = rng.uuid();
  const customerCallId = rng.uuid();
  const agentCallId = rng.uuid();
  const enterQueue = t0 + rng.int(1_000, 5_000);
  const alertStart = enterQueue + rng.int(60_000, 1_800_000);
  const answer = alertStart + rng.int(2_000, 12_000);
  const dialStart = answer + rng.int(5_000, 40_000);
  const connected = dialStart + rng.int(8_000, 25_000);
  const [min, max] = WORK_MS.callback;
  const talkEnd = connected + rng.int(min, max);
  const wrapEnd = talkEnd + rng.int(5_000, 90_000);
  const agent = rng.pick(ctx.agents);
  const recordings: TRecording[] = [];
  const customerCall: TSession = {
    sessionId: customerCallId,
    fields: {
      ani: ORG_DNIS,
      direction: 'outbound',
      dnis: tel,
      mediaType: 'voice',
      provider: 'Edge',
      recording: true,
    },
    metrics: [{ name: 'nConnected', value: 1, at: connected }],
    segments: [{ type: 'interact', start: connected, end: talkEnd, disconnectType: 'peer' }],
  };
  const customer: TParticipant = {
    participantId: rng.uuid(),
    participantName: phone.replace('+', ''),
    purpose: 'customer',
    sessions: [
      {
        sessionId: callbackSessionId,
        fields: { direction: 'inbound', mediaType: 'callback', callbackNumbers: [tel], callbackUserName: 'Cliente' },
        metrics: [],
        segments: [{ type: 'scheduled', start: t0, end: answer, queueId: plan.queue.id }],
      },
      customerCall,
    ],
  };
  // The agent's own call leg: dialling, contacting, then the conversation. tHandle stays on the callback
  // session (where the routed interaction and its wrap-up are), which is the emulator's choice: where a
  // real org puts it is unverified (spec §15).
  const agentCall: TSession = {
    sessionId: agentCallId,
    fields: { direction: 'outbound', mediaType: 'voice', peerId: customerCallId, provider: 'Edge', dnis: tel },
    metrics: [
      { name: 'tDialing', value: connected - dialStart, at: connected },
      { name: 'tTalk', value: talkEnd - connected, at: talkEnd },
      { name: 'tTalkComplete', value: talkEnd - connected, at: talkEnd },
    ],
    segments: [
      { type: 'dialing', start: dialStart, end: connected, queueId: plan.queue.id },
      { type: 'interact', start: connected, end: talkEnd, queueId: plan.queue.id, disconnectType: 'peer' },
    ],
  };
  const participants: TParticipant[] = [
    customer,
    ...queuedAndAnswered(plan, ctx, rng, {
      peerId: callbackSessionId,
      agent,
      times: { enterQueue, alertStart, answer, talkEnd, wrapEnd },
      mediaType: 'callback',
      moreSessions: [agentCall],
    }),
  ];
  recordingAdder(plan, ctx, rng, recordings)(0, 'audio', customerCallId, connected, talkEnd);
  return finish(plan, t0, wrapEnd, 4.1, 79, participants, recordings);
}

// What happens on one local day: which conversations, of which kind, starting when, in which queue.
// Cheap to compute (no timelines yet); timelines are built lazily from a plan (see build-conversation.ts).
// Kinds are assigned by quota over a seeded shuffle, so a day of N conversations always holds the same
// mix (every kind is present from ~50 conversations a day), which tests can rely on.
import { encodeId } from '../ids.js';
import { createRng, mix32, type Rng, shuffle } from '../random.js';
import { dayNumberOf, localDayBounds } from './calendar.js';
import { FOREIGN_QUEUES, type Queue } from './catalog.js';

export type ConversationKind =
  | 'recorded' // agent-handled and recorded (the bulk)
  | 'abandoned' // abandoned in queue, no agent
  | 'ivrOnly' // self-served in the IVR
  | 'unrecorded' // agent-handled, recording off
  | 'transfer' // two agents, two recordings
  | 'noAnswer' // first agent never answered but still carries tAcw/tHandle
  | 'wrapStuck' // agent still in wrap-up until settled or day end + 8 h
  | 'otherQueue' // recorded call of a queue the job is not configured for
  | 'chat' // web chat: a transcript "recording" with media chat
  | 'email' // e-mail: a transcript with media email
  | 'message' // WhatsApp message: a transcript with media message
  | 'callback'; // callback request, then the agent calls: audio on the agent's voice session

export type PlannedFileState =
  | 'AVAILABLE'
  | 'ARCHIVED'
  | 'DELETED'
  | 'UPLOADING'
  | 'RESTORING'
  | 'RESTORED'
  | 'ERROR';

/** Production quirks of one conversation (all off in the default day). */
export interface PlanQuirks {
  /** its recordings hold sensitive data: excluded from batches of a client without viewSensitiveData */
  sensitive?: boolean;
  /** recorded, but recordingmetadata answers [] (or 404) for a while after the call */
  metadataLag?: 'empty' | 'notFound';
  /** GET /recordings answers its AVAILABLE audio with mediaUris {} for a while, or always */
  emptyMediaUris?: 'temporary' | 'permanent';
  /** fileState written "Uploading" / "Archived" as in the Python SDK docs */
  titleCaseFileState?: boolean;
  /** a consult to a person (purpose user), a monitoring agent session without segments */
  unusualParticipants?: boolean;
  /** wrap-up ended but tHandle is emitted later */
  handleTimeLag?: boolean;
  /** recorded, but no session carries the recording flag */
  noRecordingFlag?: boolean;
}

/** Shares of the day's conversations per kind and per quirk beyond the default mix (all 0 by default). */
export interface DayMix {
  chat: number;
  email: number;
  message: number;
  callback: number;
  restoring: number;
  restored: number;
  error: number;
  sensitive: number;
  metadataLag: number;
  emptyMediaUris: number;
  titleCaseFileState: number;
  unusualParticipants: number;
  handleTimeLag: number;
  noRecordingFlag: number;
}

export const DEFAULT_MIX: DayMix = Object.freeze({
  chat: 0,
  email: 0,
  message: 0,
  callback: 0,
  restoring: 0,
  restored: 0,
  error: 0,
  sensitive: 0,
  metadataLag: 0,
  emptyMediaUris: 0,
  titleCaseFileState: 0,
  unusualParticipants: 0,
  handleTimeLag: 0,
  noRecordingFlag: 0,
});

export interface ConversationPlan {
  id: string;
  date: string;
  day: number;
  /** end of the local day (pending wrap-ups and uploads resolve 8 h later) */
  dayEnd: number;
  index: number;
  kind: ConversationKind;
  start: number;
  queue: Queue;
  /** second queue of a transfer */
  transferQueue?: Queue;
  /** state the first audio recording reaches once uploaded */
  fileState: PlannedFileState;
  twoRecordings: boolean;
  screen: boolean;
  /** starts shortly before local midnight and runs into the next day */
  lateNight: boolean;
  quirks?: PlanQuirks;
}

export interface DayPlan {
  date: string;
  day: number;
  start: number;
  end: number;
  conversations: ConversationPlan[];
}

export interface PlanContext {
  seedHash: number;
  timezone: string;
  queues: readonly Queue[];
  mix: DayMix;
}

const KIND_SHARES: [ConversationKind, number][] = [
  ['abandoned', 0.08],
  ['ivrOnly', 0.05],
  ['unrecorded', 0.04],
  ['transfer', 0.03],
  ['otherQueue', 0.03],
  ['noAnswer', 0.01],
  ['wrapStuck', 0.01],
];

/** round(n * share), but at least one once the population is big enough for the share to make sense. */
function quota(n: number, share: number, minPopulation: number): number {
  if (share <= 0) return 0;
  const q = Math.round(n * share);
  return q === 0 && n >= minPopulation ? 1 : q;
}

// Relative call volume per local hour 08..19 (mid-morning and afternoon peaks).
const HOUR_WEIGHTS = [5, 9, 11, 10, 7, 6, 8, 10, 9, 7, 5, 3];
const HOUR_TOTAL = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);

function businessOffset(rng: Rng): number {
  let r = rng.next() * HOUR_TOTAL;
  let hour = 8;
  for (const w of HOUR_WEIGHTS) {
    if (r < w) break;
    r -= w;
    hour++;
  }
  return hour * 3_600_000 + Math.floor(rng.next() * 3_600_000);
}

function offHoursOffset(rng: Rng): number {
  // 00:00-07:45 or 20:15-23:30 local
  return rng.chance(0.5) ? rng.int(0, 27_900_000) : rng.int(72_900_000, 84_600_000);
}

export function conversationRng(seedHash: number, day: number, index: number, purpose: number): Rng {
  return createRng(mix32(seedHash ^ Math.imul(day + 1, 0x9e3779b1)) ^ mix32(Math.imul(index + 1, 0x85ebca6b) ^ purpose));
}

function weightedQueue(rng: Rng, queues: readonly Queue[]): Queue {
  // Queue i gets weight 1/(i+1): the first queue is the busiest.
  const weights = queues.map((_, i) => 1 / (i + 1));
  let r = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < queues.length; i++) {
    r -= weights[i] as number;
    if (r < 0) return queues[i] as Queue;
  }
  return queues[queues.length - 1] as Queue;
}

export function planDay(date: string, count: number, ctx: PlanContext): DayPlan {
  const day = dayNumberOf(date);
  const { start, end } = localDayBounds(date, ctx.timezone);
  const dayRng = createRng(mix32(ctx.seedHash ^ Math.imul(day + 7, 0x27d4eb2d)));

  const kinds: ConversationKind[] = new Array(count).fill('recorded');
  const order = shuffle(
    Array.from({ length: count }, (_, i) => i),
    dayRng,
  );
  let cursor = 0;
  const shares: [ConversationKind, number][] = [
    ...KIND_SHARES,
    ['chat', ctx.mix.chat],
    ['email', ctx.mix.email],
    ['message', ctx.mix.message],
    ['callback', ctx.mix.callback],
  ];
  for (const [kind, share] of shares) {
    const q = Math.min(quota(count, share, 50), count - cursor);
    for (let k = 0; k < q; k++) kinds[order[cursor++] as number] = kind;
  }
  // Sub-features of recorded calls, again by quota over the recorded population.
  const recorded = shuffle(
    order.slice(cursor),
    dayRng,
  );
  type Flags = { fileState?: PlannedFileState; two?: boolean; screen?: boolean; late?: boolean; quirks?: PlanQuirks };
  const flags = new Map<number, Flags>();
  const take = (share: number, minPop: number, set: (f: Flags) => void) => {
    if (share <= 0) return; // draws nothing from dayRng: the default day stays as it always was
    const pool = shuffle([...recorded], dayRng).slice(0, quota(recorded.length, share, minPop));
    for (const i of pool) {
      const f = flags.get(i) ?? {};
      set(f);
      flags.set(i, f);
    }
  };
  // fileState quotas are disjoint: take from one shuffled list.
  const states: [PlannedFileState, number][] = [
    ['ARCHIVED', 0.02],
    ['DELETED', 0.01],
    ['UPLOADING', 0.01],
    ['RESTORING', ctx.mix.restoring],
    ['RESTORED', ctx.mix.restored],
    ['ERROR', ctx.mix.error],
  ];
  let s = 0;
  for (const [state, share] of states) {
    const q = quota(recorded.length, share, 40);
    for (let k = 0; k < q && s < recorded.length; k++, s++) {
      const i = recorded[s] as number;
      flags.set(i, { ...flags.get(i), fileState: state });
    }
  }
  take(0.05, 20, (f) => {
    f.two = true;
  });
  take(0.08, 15, (f) => {
    f.screen = true;
  });
  take(0.005, 20, (f) => {
    f.late = true;
  });
  const quirk = (share: number, set: (q: PlanQuirks) => void) =>
    take(share, 20, (f) => {
      f.quirks = { ...f.quirks };
      set(f.quirks);
    });
  quirk(ctx.mix.sensitive, (q) => {
    q.sensitive = true;
  });
  let lagged = 0;
  quirk(ctx.mix.metadataLag, (q) => {
    q.metadataLag = lagged++ % 2 === 0 ? 'empty' : 'notFound';
  });
  let emptied = 0;
  quirk(ctx.mix.emptyMediaUris, (q) => {
    q.emptyMediaUris = emptied++ % 2 === 0 ? 'temporary' : 'permanent';
  });
  // Title case shows only on ARCHIVED and UPLOADING recordings, so it is drawn among those.
  if (ctx.mix.titleCaseFileState > 0) {
    const shown = recorded.filter((i) => ['ARCHIVED', 'UPLOADING'].includes(flags.get(i)?.fileState ?? ''));
    const n = Math.max(1, Math.round(shown.length * ctx.mix.titleCaseFileState));
    for (const i of shuffle(shown, dayRng).slice(0, n)) {
      const f = flags.get(i) ?? {};
      f.quirks = { ...f.quirks, titleCaseFileState: true };
      flags.set(i, f);
    }
  }
  quirk(ctx.mix.unusualParticipants, (q) => {
    q.unusualParticipants = true;
  });
  quirk(ctx.mix.handleTimeLag, (q) => {
    q.handleTimeLag = true;
  });
  quirk(ctx.mix.noRecordingFlag, (q) => {
    q.noRecordingFlag = true;
  });

  const conversations: ConversationPlan[] = new Array(count);
  for (let index = 0; index < count; index++) {
    const kind = kinds[index] as ConversationKind;
    const f = flags.get(index) ?? {};
    conversations[index] = makePlan(ctx, { date, day, start, end }, index, kind, {
      fileState: f.fileState ?? 'AVAILABLE',
      twoRecordings: f.two ?? false,
      screen: f.screen ?? false,
      lateNight: f.late ?? false,
      ...(f.quirks ? { quirks: f.quirks } : {}),
    });
  }
  return { date, day, start, end, conversations };
}

export function makePlan(
  ctx: PlanContext,
  d: { date: string; day: number; start: number; end: number },
  index: number,
  kind: ConversationKind,
  extra: Pick<ConversationPlan, 'fileState' | 'twoRecordings' | 'screen' | 'lateNight' | 'quirks'>,
  forced?: { start?: number; queue?: Queue },
): ConversationPlan {
  const rng = conversationRng(ctx.seedHash, d.day, index, 1);
  let offset: number;
  if (extra.lateNight) offset = d.end - d.start - rng.int(180_000, 900_000);
  else offset = rng.chance(0.04) ? offHoursOffset(rng) : businessOffset(rng);
  const start = forced?.start ?? Math.min(d.start + offset, d.end - 1000);
  const queue = forced?.queue ?? (kind === 'otherQueue' ? rng.pick(FOREIGN_QUEUES) : weightedQueue(rng, ctx.queues));
  let transferQueue: Queue | undefined;
  if (kind === 'transfer') {
    const others = ctx.queues.filter((q) => q.id !== queue.id);
    transferQueue = others.length > 0 ? rng.pick(others) : queue;
  }
  return {
    id: encodeId(ctx.seedHash, 'conversation', d.day, index),
    date: d.date,
    day: d.day,
    dayEnd: d.end,
    index,
    kind,
    start,
    queue,
    ...(transferQueue ? { transferQueue } : {}),
    ...extra,
  };
}

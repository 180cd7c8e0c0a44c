// The emulated org's data: day plans (cheap, kept), built timelines and rendered views (LRU by day,
// since 20,000 conversations a day weigh ~100 MB of views), lookups by id, and the two control knobs.
// Once a conversation can no longer change, its view is cached and its timeline is dropped to a light
// copy (start/end/recordings): retained objects, not computation, were the cost of big days.
import type { AnalyticsConversation } from '../../contracts/genesys.js';
import { decodeId, RECORDING_SLOTS } from '../ids.js';
import { hash32 } from '../random.js';
import { buildConversation } from './build-conversation.js';
import { dateOfDayNumber, dayNumberOf, isIsoDate, localDateOf } from './calendar.js';
import { configuredQueues, type Queue } from './catalog.js';
import { type ConversationPlan, type DayMix, type DayPlan, makePlan, type PlanContext, planDay } from './day-plan.js';
import { buildDirectory, type Directory } from './people.js';
import { renderConversation } from './render.js';
import type { TConversation, TRecording } from './timeline.js';

export interface DatasetOptions {
  seed: string;
  timezone: string;
  conversationsPerDay: number;
  queueCount: number;
  mix: DayMix;
  departedAgents: number;
}

interface Built {
  t: TConversation;
  /** final view, valid for any later instant */
  view?: AnalyticsConversation;
}

/** Conversations whose views are kept in memory (~6 KB each). */
const BUILT_CONVERSATIONS_KEPT = 60_000;
const PLANNED_DAYS_KEPT = 400;

export interface Dataset {
  readonly seedHash: number;
  readonly queues: readonly Queue[];
  readonly directory: Directory;
  /** bumped by every change that can alter an existing view (settle, inject) */
  readonly version: number;
  /**
   * Visits every conversation of the local day `date` that exists at `now`, with its view. Returns
   * true when the visit is final: every conversation in range already existed and had its final view,
   * so a later visit (same version) would see exactly the same.
   */
  eachOnDay(
    date: string,
    now: number,
    visit: (t: TConversation, view: AnalyticsConversation) => void,
    /** only conversations starting in [from, to) (skips rendering the others) */
    starts?: { from: number; to: number },
  ): boolean;
  conversation(id: string): TConversation | undefined;
  recording(id: string): { conversation: TConversation; recording: TRecording } | undefined;
  /** the analytics view of `t` at `now`, or undefined before it starts */
  view(t: TConversation, now: number): AnalyticsConversation | undefined;
  /** the full timeline of `t` (rebuilt when its participants were dropped) */
  full(t: TConversation): TConversation;
  /** plans of the local day `date` (every conversation, started or not) */
  plansOf(date: string): readonly ConversationPlan[];
  /** control.settleAll() */
  settle(at: number): void;
  /** adds a recorded conversation in `queue` starting at `start` (control.injectConversationDuringPaging) */
  inject(start: number, queue: Queue): TConversation;
}

function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number): V {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
  return value;
}

export function createDataset(o: DatasetOptions): Dataset {
  const seedHash = hash32(`emulator-seed:${o.seed}`);
  const queues = configuredQueues(o.queueCount);
  const directory = buildDirectory(o.seed, o.departedAgents);
  const planCtx: PlanContext = { seedHash, timezone: o.timezone, queues, mix: o.mix };
  const names = new Map([...directory.byId].map(([id, p]) => [id, p.name]));
  const buildCtx = {
    seedHash,
    agents: directory.agents.map((a) => a.id),
    names,
    leaders: directory.leaders,
    settleTimes: [] as number[],
  };
  const builtDaysKept = Math.max(2, Math.floor(BUILT_CONVERSATIONS_KEPT / Math.max(1, o.conversationsPerDay)));
  const plans = new Map<number, DayPlan>();
  const injected = new Map<number, ConversationPlan[]>();
  const built = new Map<number, Map<number, Built>>();

  function planOf(day: number): DayPlan {
    const cached = plans.get(day);
    if (cached) return touch(plans, day, cached, PLANNED_DAYS_KEPT);
    const p = planDay(dateOfDayNumber(day), o.conversationsPerDay, planCtx);
    p.conversations.push(...(injected.get(day) ?? []));
    return touch(plans, day, p, PLANNED_DAYS_KEPT);
  }

  let lastBuiltDay = Number.NaN;
  function builtOf(day: number): Map<number, Built> {
    const m = built.get(day);
    if (m && day === lastBuiltDay) return m; // hot path: a whole day is built in a row
    lastBuiltDay = day;
    return touch(built, day, m ?? new Map<number, Built>(), builtDaysKept);
  }

  function entryOf(plan: ConversationPlan): Built {
    const cache = builtOf(plan.day);
    let b = cache.get(plan.index);
    if (!b) {
      b = { t: buildConversation(plan, buildCtx) };
      cache.set(plan.index, b);
    }
    return b;
  }

  function viewOf(b: Built, now: number): AnalyticsConversation | undefined {
    if (b.view) return b.view;
    if (b.t.light) b.t = buildConversation(b.t.plan, buildCtx);
    const v = renderConversation(b.t, now);
    if (v && now >= b.t.finalAt) {
      b.view = v;
      b.t = { ...b.t, participants: [], light: true };
    }
    return v;
  }

  function conversationAt(day: number, index: number): TConversation | undefined {
    if (day < 0 || day > 0xffff) return undefined;
    const plan = planOf(day).conversations[index];
    return plan ? entryOf(plan).t : undefined;
  }

  let version = 0;
  return {
    seedHash,
    queues,
    directory,
    get version() {
      return version;
    },
    eachOnDay(date, now, visit, starts) {
      if (!isIsoDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
      let final = true;
      // One conversation at a time: a timeline dies young once its final view is cached.
      for (const plan of planOf(dayNumberOf(date)).conversations) {
        if (starts && (plan.start < starts.from || plan.start >= starts.to)) continue;
        if (now < plan.start) {
          final = false;
          continue;
        }
        const b = entryOf(plan);
        const v = viewOf(b, now);
        if (!b.view) final = false;
        if (v) visit(b.t, v);
      }
      return final;
    },
    conversation(id) {
      const d = decodeId(seedHash, 'conversation', id);
      return d ? conversationAt(d.day, d.index) : undefined;
    },
    recording(id) {
      const d = decodeId(seedHash, 'recording', id);
      if (!d) return undefined;
      const conversation = conversationAt(d.day, Math.floor(d.index / RECORDING_SLOTS));
      const recording = conversation?.recordings.find((r) => r.id === id.toLowerCase());
      return conversation && recording ? { conversation, recording } : undefined;
    },
    view(t, now) {
      return now < t.start ? undefined : viewOf(entryOf(t.plan), now);
    },
    full(t) {
      return t.light ? buildConversation(t.plan, buildCtx) : t;
    },
    plansOf(date) {
      if (!isIsoDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
      return planOf(dayNumberOf(date)).conversations;
    },
    settle(at) {
      version++;
      buildCtx.settleTimes.push(at);
      buildCtx.settleTimes.sort((a, b) => a - b);
      // Timelines that were still changing at `at` must be rebuilt with the new settle instant.
      for (const m of built.values()) for (const [k, b] of m) if (b.t.finalAt > at) m.delete(k);
    },
    inject(start, queue) {
      version++;
      const date = localDateOf(start, o.timezone);
      const day = dayNumberOf(date);
      const p = planOf(day);
      const list = injected.get(day) ?? [];
      injected.set(day, list);
      const plan = makePlan(
        planCtx,
        p,
        p.conversations.length,
        'recorded',
        { fileState: 'AVAILABLE', twoRecordings: false, screen: false, lateNight: false },
        { start, queue },
      );
      list.push(plan);
      p.conversations.push(plan);
      return entryOf(plan).t;
    },
  };
}

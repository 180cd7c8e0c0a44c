// Stage 1: find the day's voice conversations for the configured queues and record the agent-handled ones.
import type { AnalyticsConversation } from '../contracts/genesys.js';
import { conversationFacts } from '../genesys/conversation-facts.js';
import { conversationPeople } from '../genesys/conversation-people.js';
import { localDateOf, localDayInterval, readsThroughJobs } from '../lib/dates.js';
import { type ConversationRow, upsertConversations } from '../store/conversations.js';
import type { DayPlan, PipelineDeps } from './deps.js';

export interface DiscoverResult {
  /** conversations returned by Genesys (after de-duplication) */
  seen: number;
  /** agent-handled conversations of the local day that were recorded in the database */
  kept: number;
  notReady: number;
  outsideDay: number;
  withoutAgent: number;
  /** chats, e-mails, messages the query still returned: never looked up, counted nowhere else */
  notAudio: number;
}

/** Rows per write: one details page, so lookups can start on each page as it arrives. */
const FLUSH_EVERY = 100;

export async function discover(
  deps: PipelineDeps,
  plan: DayPlan,
  /** called after each write of conversations (lookups take them at once) */
  wrote: () => void = () => {},
  /** a later stage failed (the day fails): stop paging */
  stopped: () => boolean = () => false,
): Promise<DiscoverResult> {
  const { config, db, genesys, logger } = deps;
  const zone = config.TIMEZONE;
  // The local day as a UTC interval. Genesys matches by the UTC day of conversationStart, so it may also
  // return conversations of the neighbouring local day: those are dropped below, not here.
  const interval = localDayInterval(plan.processDate, zone);
  const result: DiscoverResult = {
    seen: 0,
    kept: 0,
    notReady: 0,
    outsideDay: 0,
    withoutAgent: 0,
    notAudio: 0,
  };
  let buffer: ConversationRow[] = [];
  const flush = async () => {
    await upsertConversations(db, buffer);
    buffer = [];
    wrote();
  };
  // A day past the synchronous query's look-back (a backfill) is read through an asynchronous details
  // job: same conversations, read from the analytics data lake.
  const byJob = readsThroughJobs(interval.startMs, deps.clock.now(), config.GENESYS_DETAILS_LOOKBACK_DAYS);
  logger.info(
    {
      stage: 'discover',
      processDate: plan.processDate,
      interval: `${new Date(interval.startMs).toISOString()}/${new Date(interval.endMs).toISOString()}`,
      queueIds: plan.queueIds,
      source: byJob ? 'details job' : 'details query',
    },
    'querying conversation details',
  );
  const input = { ...interval, queueIds: plan.queueIds };
  const details = byJob
    ? genesys.conversationDetailsByJob(input, deps.signal)
    : genesys.conversationDetails(input, deps.signal);
  for await (const c of details) {
    if (stopped()) break;
    result.seen++;
    const f = conversationFacts(c, deps.clock.now());
    if (localDateOf(f.conversationStart, zone) !== plan.processDate) {
      result.outsideDay++;
      continue;
    }
    // The query asks for voice only; this keeps a chat, e-mail or message out whatever answers it.
    if (!f.audio) {
      result.notAudio++;
      continue;
    }
    if (!f.hasAgent) {
      result.withoutAgent++;
      continue;
    }
    const queueId = plan.queueIds.find((q) => f.queueIds.includes(q)) ?? f.queueIds[0] ?? 'unknown';
    if (!f.ready) result.notReady++;
    result.kept++;
    buffer.push({
      conversationId: f.conversationId,
      processDate: plan.processDate,
      queueId,
      queueIds: f.queueIds,
      agentUserIds: f.agentUserIds,
      conversationStart: f.conversationStart,
      conversationEnd: f.conversationEnd,
      durationMs: f.durationMs,
      direction: f.direction,
      state: f.ready ? 'ready' : 'not_ready',
      recorded: f.recorded,
      ...peopleColumns(c, f.agentUserIds, config.MANIFEST_ANI_DNIS),
    });
    if (buffer.length >= FLUSH_EVERY) await flush();
    deps.onProgress?.({ processDate: plan.processDate, stage: 'discover', done: result.seen });
  }
  await flush();
  logger.info({ stage: 'discover', processDate: plan.processDate, ...result }, 'discovery done');
  return result;
}

/** The manifest's facts about the people of the call (issue 17); the numbers only when allowed. */
function peopleColumns(c: AnalyticsConversation, agentUserIds: readonly string[], withNumbers: boolean) {
  const people = conversationPeople(c);
  return {
    agentNames: agentUserIds.map((id) => people.agentNames.get(id) ?? null),
    wrapUps: people.wrapUps,
    ani: withNumbers ? people.ani : null,
    dnis: withNumbers ? people.dnis : null,
  };
}

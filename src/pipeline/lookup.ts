// Stage 2: find each kept conversation's audio recordings (recording metadata), with bounded concurrency.
// Conversations whose sessions say nothing was recorded cost no call at all; those whose sessions say
// nothing either way are looked up (spec §15).
import { emptyLookupVerdict, recordingVerdict } from '../genesys/conversation-facts.js';
import { GenesysError } from '../genesys/errors.js';
import { sleepOrWake } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import { mapPool } from '../lib/pool.js';
import { FINISHED, type Upstream } from '../lib/upstream.js';
import {
  conversationsToLookUp,
  type FoundRecording,
  type MissingRecordings,
  recordConversationWide,
  recordLookup,
} from '../store/conversations.js';
import type { PipelineDeps } from './deps.js';

/** Conversation-wide placeholders written per transaction in RECORDING_LOOKUP=conversation. */
const PLACEHOLDER_CHUNK = 200;

export interface LookupResult {
  conversations: number;
  audio: number;
  skipped: number;
  waiting: number;
  unavailable: number;
  failed: number;
  /** recorded conversations whose metadata Genesys has not published yet (a later run asks again) */
  notPublished: number;
}

/**
 * Lookups wake when discovery writes a page; this is only the fallback if a wake-up were missed (there
 * is no known way to miss one: it is taken before the database is read).
 */
const DISCOVERY_WAKE_MS = 1_000;

/**
 * Looks up the recordings of every conversation that needs it. While `upstream` (discovery) is still
 * running it takes conversations as they are written, in rounds, so lookups (and, behind them, batches)
 * start with the first page of the details query; the last round runs once discovery has finished.
 */
export async function lookUpRecordings(
  deps: PipelineDeps,
  processDate: string,
  upstream: Upstream = FINISHED,
  /** called when recordings ready to batch were written (about every BATCH_SIZE of them) */
  wrote: () => void = () => {},
): Promise<LookupResult> {
  const { db, logger, config } = deps;
  const result: LookupResult = {
    conversations: 0,
    audio: 0,
    skipped: 0,
    waiting: 0,
    unavailable: 0,
    failed: 0,
    notPublished: 0,
  };
  // Each conversation is taken once per run, so a recording that is still UPLOADING is asked about once
  // per run, not in a loop.
  const taken = new Set<string>();
  // `total` grows while discovery finds more conversations.
  const progress = { done: 0, total: 0 };
  for (;;) {
    if (deps.signal?.aborted || upstream.failed()) break;
    const last = upstream.done();
    const discovered = upstream.wrote();
    const todo = (await conversationsToLookUp(db, [processDate], 1_000_000)).filter(
      (c) => !taken.has(c.conversationId),
    );
    for (const c of todo) taken.add(c.conversationId);
    result.conversations += todo.length;
    progress.total = result.conversations;
    if (config.RECORDING_LOOKUP === 'conversation') {
      // A conversation whose sessions say nothing about recording is looked up first: as a batch item
      // it would take a batch slot and get an error when (as usual) it was not recorded.
      const [flagged, unflagged] = partition(todo, (c) => c.recorded === true);
      await writePlaceholders(deps, processDate, flagged, progress, wrote);
      await lookUpMetadata(deps, processDate, unflagged, result, progress, wrote);
    } else await lookUpMetadata(deps, processDate, todo, result, progress, wrote);
    if (last) break;
    if (todo.length === 0) {
      await sleepOrWake(deps.clock, DISCOVERY_WAKE_MS, discovered, deps.signal);
    }
  }
  if (config.RECORDING_LOOKUP === 'conversation') {
    logger.info(
      { stage: 'lookup', processDate, conversations: result.conversations, mode: 'conversation' },
      'lookup skipped',
    );
  } else {
    logger.info({ stage: 'lookup', processDate, ...result }, 'recording lookup done');
  }
  return result;
}

type Todo = Awaited<ReturnType<typeof conversationsToLookUp>>;

const DAY_MS = 86_400_000;

/**
 * What the lookup records for a conversation Genesys listed no recording of: nothing when its sessions
 * do not say it was recorded, else waiting or unavailable (emptyLookupVerdict, the reconcile window).
 */
export function missingRecordings(
  c: { recorded: boolean | null; conversationEnd: string | null },
  nowMs: number,
  reconcileDays: number,
): MissingRecordings | undefined {
  const v = emptyLookupVerdict({ ...c, nowMs, windowMs: Math.max(1, reconcileDays) * DAY_MS });
  if (v.kind === 'not-recorded') return undefined;
  return { state: v.kind === 'wait' ? 'waiting' : 'unavailable', reason: v.reason };
}

function partition<T>(list: readonly T[], test: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const t of list) (test(t) ? yes : no).push(t);
  return [yes, no];
}

/**
 * RECORDING_LOOKUP=conversation: no metadata call at all. The batch item names only the conversation
 * and Genesys returns every recording of it. Costs: no fileState before the download, and screen
 * recordings use batch slots. Written in chunks, one transaction each, so the first batches can go out
 * while the rest are written.
 */
async function writePlaceholders(
  deps: PipelineDeps,
  processDate: string,
  todo: Todo,
  progress: { done: number; total: number },
  wrote: () => void,
): Promise<void> {
  for (let i = 0; i < todo.length; i += PLACEHOLDER_CHUNK) {
    if (deps.signal?.aborted) return;
    const chunk = todo.slice(i, i + PLACEHOLDER_CHUNK);
    await recordConversationWide(deps.db, chunk);
    wrote();
    progress.done += chunk.length;
    deps.onProgress?.({ processDate, stage: 'lookup', done: progress.done, total: progress.total });
  }
}

async function lookUpMetadata(
  deps: PipelineDeps,
  processDate: string,
  todo: Todo,
  result: LookupResult,
  progress: { done: number; total: number },
  wrote: () => void,
): Promise<void> {
  const { db, genesys, logger, config } = deps;
  // The batcher is woken once a batch's worth of recordings is ready, not after every conversation.
  let readySinceWake = 0;
  await mapPool(todo, config.CONCURRENCY, async (c) => {
    if (deps.signal?.aborted) return;
    let metadata: Awaited<ReturnType<typeof genesys.recordingMetadata>>;
    try {
      metadata = await genesys.recordingMetadata(c.conversationId, deps.signal);
    } catch (e) {
      // One conversation's lookup failing (after the client's retries) must not sink the day: it stays
      // "not looked up", the manifest says so, and the next run asks again. Auth and rate-limit give-ups
      // concern every call, so they stop the run.
      if (!(e instanceof GenesysError) || e.kind === 'auth' || e.kind === 'rate-limited') throw e;
      result.failed++;
      logger.warn({ conversationId: c.conversationId, err: errorMessage(e) }, 'recording lookup failed');
      return;
    }
    const found: FoundRecording[] = [];
    for (const r of metadata) {
      const v = recordingVerdict(r);
      if (v.kind === 'skip') {
        result.skipped++;
        continue;
      }
      result.audio++;
      if (v.kind === 'wait') result.waiting++;
      if (v.kind === 'unavailable') result.unavailable++;
      found.push({
        recordingId: r.id,
        media: r.media ?? null,
        fileState: r.fileState ?? null,
        state: v.kind === 'download' ? 'pending' : v.kind === 'wait' ? 'waiting' : 'unavailable',
        reason: v.kind === 'download' ? null : v.reason,
        startTime: r.startTime ?? null,
        endTime: r.endTime ?? null,
      });
    }
    const missing =
      metadata.length === 0 ? missingRecordings(c, deps.clock.now(), config.RECONCILE_DAYS) : undefined;
    if (missing?.state === 'waiting') result.notPublished++;
    await recordLookup(db, c.conversationId, c.processDate, found, { missing, again: c.lookedUp });
    readySinceWake += found.filter((f) => f.state === 'pending').length;
    if (readySinceWake >= config.BATCH_SIZE) {
      readySinceWake = 0;
      wrote();
    }
    deps.onProgress?.({ processDate, stage: 'lookup', done: ++progress.done, total: progress.total });
  });
}

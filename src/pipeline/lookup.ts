// Stage 2: find each kept conversation's audio recordings (recording metadata), with bounded concurrency.
// Conversations whose sessions say nothing was recorded cost no call at all.
import { recordingVerdict } from '../genesys/conversation-facts.js';
import { GenesysError } from '../genesys/errors.js';
import { errorMessage } from '../lib/errors.js';
import { mapPool } from '../lib/pool.js';
import { conversationsToLookUp, type FoundRecording, recordLookup } from '../store/conversations.js';
import { ALL_RECORDINGS } from '../store/schema.js';
import type { PipelineDeps } from './deps.js';

export interface LookupResult {
  conversations: number;
  audio: number;
  skipped: number;
  waiting: number;
  unavailable: number;
  failed: number;
}

export async function lookUpRecordings(deps: PipelineDeps, processDate: string): Promise<LookupResult> {
  const { db, genesys, logger, config } = deps;
  // One list of ids for the whole pass, so a recording that is still UPLOADING is asked about once per
  // run, not in a loop.
  const todo = await conversationsToLookUp(db, [processDate], 1_000_000);
  const result: LookupResult = {
    conversations: todo.length,
    audio: 0,
    skipped: 0,
    waiting: 0,
    unavailable: 0,
    failed: 0,
  };
  let done = 0;
  if (config.RECORDING_LOOKUP === 'conversation') {
    // No metadata call at all: the batch item names only the conversation and Genesys returns every
    // recording of it. Costs: no fileState before the download, and screen recordings use batch slots.
    for (const c of todo) {
      if (deps.signal?.aborted) break;
      const all = {
        recordingId: ALL_RECORDINGS,
        media: null,
        fileState: null,
        state: 'pending' as const,
        reason: null,
      };
      await recordLookup(db, c.conversationId, c.processDate, [all]);
      deps.onProgress?.({ processDate, stage: 'lookup', done: ++done, total: todo.length });
    }
    logger.info(
      { stage: 'lookup', processDate, conversations: todo.length, mode: 'conversation' },
      'lookup skipped',
    );
    return result;
  }
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
      });
    }
    await recordLookup(db, c.conversationId, c.processDate, found);
    deps.onProgress?.({ processDate, stage: 'lookup', done: ++done, total: todo.length });
  });
  logger.info({ stage: 'lookup', processDate, ...result }, 'recording lookup done');
  return result;
}

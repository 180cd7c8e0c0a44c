// Downloads the results of one completed (or stalled) batch job into DATA_DIR/audio/<date>/ and records
// each recording's outcome. Per item: a resultUrl → stream to *.part, verify size, sha256, rename; an
// errorMsg → unavailable with Genesys' reason; an expired URL (403) → re-requested in a new batch (at most twice).
import type { Logger } from 'pino';
import type { BatchDownloadJobResult } from '../contracts/genesys.js';
import { createLimit, type Limit, mapPool } from '../lib/pool.js';
import { audioDir } from '../storage/index.js';
import {
  type RecordingKey,
  recordingKey,
  recordOutcome,
  recordOutcomes,
  upsertExpandedRecordings,
} from '../store/recordings.js';
import type { RecordingState } from '../store/schema.js';
import { ALL_RECORDINGS } from '../store/schema.js';
import type { PipelineDeps } from './deps.js';
import { fetchToStore } from './fetch-file.js';

/**
 * A recording is requested at most this many times in all (first request + re-requests after an expired
 * URL or a stalled job) before it fails. Two re-requests, like a job Genesys lost (transfer.ts): one
 * re-request let two unrelated transient faults on the same recording (an expired URL, then a stalled
 * job) fail it for good (test/chaos/chaos.test.ts).
 */
const MAX_REQUESTS = 3;

export interface DownloadResult {
  downloaded: number;
  unavailable: number;
  failed: number;
  requeued: number;
}

type Item = RecordingKey & { attempts: number };

export async function downloadBatchResults(
  deps: PipelineDeps,
  input: {
    processDate: string;
    batchId: number;
    jobId: string;
    items: readonly Item[];
    results: readonly BatchDownloadJobResult[];
    stalled: boolean;
    log: Logger;
    /** the download slots shared by every batch in flight (CONCURRENCY downloads at once in all) */
    slots?: Limit;
  },
): Promise<DownloadResult> {
  const { db } = deps;
  const out: DownloadResult = { downloaded: 0, unavailable: 0, failed: 0, requeued: 0 };
  // A recording can have several results (spec §7.2); prefer one with a URL.
  const byKey = new Map<string, BatchDownloadJobResult>();
  for (const r of input.results) {
    const key = `${r.conversationId}/${r.recordingId}`;
    const prev = byKey.get(key);
    if (!prev || (!prev.resultUrl && r.resultUrl)) byKey.set(key, r);
  }
  const requeueOrFail = async (item: Item, reason: string) => {
    if (item.attempts + 1 < MAX_REQUESTS) {
      await recordOutcome(db, item, 'pending', reason);
      out.requeued++;
    } else {
      await recordOutcome(db, item, 'failed', reason);
      out.failed++;
    }
  };
  const dir = audioDir(deps.config.DATA_DIR, input.processDate);
  let done = 0;
  const expansion = await prepareExpansion(deps, input);
  /** conversation-wide items whose recordings were all dealt with: marked `expanded` together at the end */
  const expanded: Item[] = [];
  const slots = input.slots ?? createLimit(deps.config.CONCURRENCY);
  await mapPool(input.items, deps.config.CONCURRENCY, (item) => slots(() => handle(item)));
  await recordOutcomes(db, expanded, 'expanded');
  input.log.info({ jobId: input.jobId, ...out }, 'batch downloaded');
  return out;

  async function handle(item: Item): Promise<void> {
    if (deps.signal?.aborted) return;
    const r = byKey.get(recordingKey(item));
    if (item.recordingId === ALL_RECORDINGS) {
      const results = expansion.byConversation.get(item.conversationId) ?? [];
      const c = await expandConversation(deps, { ...input, dir, item, results, states: expansion.states });
      out.downloaded += c.downloaded;
      out.unavailable += c.unavailable;
      out.failed += c.failed;
      if (c.retry) await requeueOrFail(item, c.retry);
      else if (c.reason) await recordOutcome(db, item, 'unavailable', c.reason);
      else expanded.push(item);
    } else if (!r) {
      await requeueOrFail(
        item,
        input.stalled
          ? `batch job ${input.jobId} stalled before producing this recording`
          : `batch job ${input.jobId} returned no result for this recording`,
      );
    } else if (r.errorMsg || !r.resultUrl) {
      await recordOutcome(
        db,
        item,
        'unavailable',
        `Genesys: ${r.errorMsg ?? 'result without a download URL'}`,
      );
      out.unavailable++;
    } else {
      const res = await fetchToStore(deps, dir, item, r.resultUrl, r.contentType ?? null);
      if (res.kind === 'ok') out.downloaded++;
      else if (res.kind === 'expired') await requeueOrFail(item, 'download URL expired before the download');
      else await requeueOrFail(item, res.reason);
    }
    deps.onProgress?.({
      processDate: input.processDate,
      stage: 'download',
      done: ++done,
      total: input.items.length,
    });
  }
}

const isAudioResult = (r: BatchDownloadJobResult) => !r.contentType || r.contentType.startsWith('audio/');

/**
 * For the batch's conversation-wide items (RECORDING_LOOKUP=conversation): their results by
 * conversation, and a row for every audio recording among them, written for the whole batch at once
 * (the state map says which are already known). A recording that is itself an item of this batch (a
 * resumed batch whose placeholder was expanded before the interruption) is left to that item, so no
 * file is downloaded twice at the same time.
 */
async function prepareExpansion(
  deps: PipelineDeps,
  input: {
    processDate: string;
    batchId: number;
    items: readonly Item[];
    results: readonly BatchDownloadJobResult[];
  },
): Promise<{ byConversation: Map<string, BatchDownloadJobResult[]>; states: Map<string, RecordingState> }> {
  const wide = new Set(
    input.items.filter((i) => i.recordingId === ALL_RECORDINGS).map((i) => i.conversationId),
  );
  const byConversation = new Map<string, BatchDownloadJobResult[]>();
  if (wide.size === 0) return { byConversation, states: new Map() };
  const ownItems = new Set(input.items.map(recordingKey));
  const rows: Parameters<typeof upsertExpandedRecordings>[1][number][] = [];
  for (const r of input.results) {
    const conversationId = r.conversationId;
    if (!conversationId || !wide.has(conversationId)) continue;
    const recordingId = r.recordingId;
    if (recordingId && ownItems.has(recordingKey({ conversationId, recordingId }))) continue;
    const list = byConversation.get(conversationId) ?? [];
    list.push(r);
    byConversation.set(conversationId, list);
    if (recordingId && isAudioResult(r)) {
      rows.push({
        conversationId,
        recordingId,
        processDate: input.processDate,
        batchId: input.batchId,
        contentType: r.contentType ?? null,
      });
    }
  }
  return { byConversation, states: await upsertExpandedRecordings(deps.db, rows) };
}

/**
 * The results of a conversation-wide item (RECORDING_LOOKUP=conversation): one row per audio recording
 * Genesys returned, downloaded like any other; non-audio results (screen recordings) are dropped.
 * Returns `retry` when the conversation must be requested again (no results yet, expired URL), or
 * `reason` when Genesys has nothing for it.
 */
async function expandConversation(
  deps: PipelineDeps,
  input: {
    processDate: string;
    batchId: number;
    jobId: string;
    dir: string;
    item: Item;
    results: readonly BatchDownloadJobResult[];
    stalled: boolean;
    /** state of each audio recording among the results, after prepareExpansion wrote them */
    states: ReadonlyMap<string, RecordingState>;
  },
): Promise<{
  downloaded: number;
  unavailable: number;
  failed: number;
  retry?: string;
  reason: string | null;
}> {
  const out = {
    downloaded: 0,
    unavailable: 0,
    failed: 0,
    retry: undefined as string | undefined,
    reason: null as string | null,
  };
  const { conversationId } = input.item;
  if (input.results.length === 0) {
    out.retry = input.stalled
      ? `batch job ${input.jobId} stalled before producing this conversation's recordings`
      : `batch job ${input.jobId} returned no result for this conversation`;
    return out;
  }
  const whole = input.results.find((r) => !r.recordingId && r.errorMsg);
  if (whole) return { ...out, reason: `Genesys: ${whole.errorMsg}` };
  // A recording can come back more than once (spec §7.2): one pass per recording, the result with a URL.
  const byRecording = new Map<string, BatchDownloadJobResult>();
  for (const r of input.results) {
    if (!r.recordingId) continue;
    const prev = byRecording.get(r.recordingId);
    if (!prev || (!prev.resultUrl && r.resultUrl)) byRecording.set(r.recordingId, r);
  }
  let audio = 0;
  for (const r of byRecording.values()) {
    if (!r.recordingId) continue;
    if (!isAudioResult(r)) continue;
    audio++;
    const key = { conversationId, recordingId: r.recordingId };
    const state = input.states.get(recordingKey(key));
    if (state === 'downloaded' || state === 'unavailable') continue;
    if (r.errorMsg || !r.resultUrl) {
      await recordOutcome(
        deps.db,
        key,
        'unavailable',
        `Genesys: ${r.errorMsg ?? 'result without a download URL'}`,
      );
      out.unavailable++;
      continue;
    }
    const res = await fetchToStore(deps, input.dir, key, r.resultUrl, r.contentType ?? null);
    if (res.kind === 'ok') out.downloaded++;
    else if (res.kind === 'expired') out.retry = 'download URL expired before the download';
    else {
      await recordOutcome(deps.db, key, 'failed', res.reason);
      out.failed++;
    }
  }
  if (audio === 0 && !out.retry)
    out.reason = 'no audio recording in the batch results (screen recordings only)';
  return out;
}

// Downloads the results of one completed (or stalled) batch job into DATA_DIR/audio/<date>/ and records
// each recording's outcome. Per item: a resultUrl → stream to *.part, verify size, sha256, rename; an
// errorMsg → unavailable with Genesys' reason; an expired URL (403) → re-requested in a new batch (at most twice).
import type { Logger } from 'pino';
import type { BatchDownloadJobResult } from '../contracts/genesys.js';
import { mapPool } from '../lib/pool.js';
import { audioDir } from '../storage/index.js';
import { type RecordingKey, recordOutcome, upsertExpandedRecording } from '../store/recordings.js';
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
  await mapPool(input.items, deps.config.CONCURRENCY, async (item) => {
    if (deps.signal?.aborted) return;
    const r = byKey.get(`${item.conversationId}/${item.recordingId}`);
    if (item.recordingId === ALL_RECORDINGS) {
      const results = input.results.filter((x) => x.conversationId === item.conversationId);
      const c = await expandConversation(deps, { ...input, dir, item, results });
      out.downloaded += c.downloaded;
      out.unavailable += c.unavailable;
      out.failed += c.failed;
      if (c.retry) await requeueOrFail(item, c.retry);
      else await recordOutcome(db, item, c.reason ? 'unavailable' : 'expanded', c.reason);
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
  });
  input.log.info({ jobId: input.jobId, ...out }, 'batch downloaded');
  return out;
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
  let audio = 0;
  for (const r of input.results) {
    if (!r.recordingId) continue;
    const isAudio = !r.contentType || r.contentType.startsWith('audio/');
    if (!isAudio) continue;
    audio++;
    const key = { conversationId, recordingId: r.recordingId };
    const state = await upsertExpandedRecording(deps.db, {
      ...key,
      processDate: input.processDate,
      batchId: input.batchId,
      contentType: r.contentType ?? null,
    });
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

// What a batch job's results say about each item of the batch, and what becomes of the item: plain
// functions of plain data (test/unit/batch-results.test.ts). The download loop (download-batch.ts)
// fetches and writes around them.
import type { BatchDownloadJobResult } from '../contracts/genesys.js';
import type { BatchItem, ResultRecording } from '../store/batches.js';
import type { RecordingKey } from '../store/recordings.js';
import type { FetchResult } from './fetch-file.js';

/**
 * An item is requested at most this many times in all (first request + re-requests after an expired
 * URL, a failed download or a stalled job) before it fails. Two re-requests, like a job Genesys lost
 * (batches.ts): one re-request let two unrelated transient faults on the same recording (an expired
 * URL, then a stalled job) fail it for good (test/chaos/chaos.test.ts).
 */
export const MAX_REQUESTS = 3;

/** An item's key in maps: `conversationId/recordingId`, or the conversation id for a whole conversation. */
export const itemKey = (i: { conversationId: string; recordingId?: string | null }): string =>
  i.recordingId ? `${i.conversationId}/${i.recordingId}` : i.conversationId;

/** The job's results, indexed. */
export interface ResultIndex {
  /** by item key; of several results for one recording (spec §7.2), the one with a URL */
  byKey: Map<string, BatchDownloadJobResult>;
  /** conversations with a result of any kind */
  answered: Set<string>;
  /** audio recordings the results name (non-audio ones, i.e. screen recordings, are left out) */
  audio: ResultRecording[];
}

/** A result without a content type (an error) may be audio: only a known non-audio type is left out. */
const isAudio = (r: BatchDownloadJobResult) => !r.contentType || r.contentType.startsWith('audio/');

export function indexResults(results: readonly BatchDownloadJobResult[]): ResultIndex {
  const byKey = new Map<string, BatchDownloadJobResult>();
  const answered = new Set<string>();
  for (const r of results) {
    if (!r.conversationId) continue;
    answered.add(r.conversationId);
    const key = itemKey({ conversationId: r.conversationId, recordingId: r.recordingId });
    const prev = byKey.get(key);
    if (!prev || (!prev.resultUrl && r.resultUrl)) byKey.set(key, r);
  }
  const audio: ResultRecording[] = [];
  for (const r of byKey.values()) {
    if (r.recordingId && isAudio(r))
      audio.push({
        conversationId: r.conversationId as string,
        recordingId: r.recordingId,
        contentType: r.contentType ?? null,
      });
  }
  return { byKey, answered, audio };
}

/** What the results say about one item. */
export type ItemResult =
  | { kind: 'url'; recording: RecordingKey; url: string; contentType: string | null }
  /** Genesys cannot serve it; `reason` says why */
  | { kind: 'refused'; reason: string }
  /** nothing yet */
  | { kind: 'none' };

export function resultFor(item: BatchItem, index: ResultIndex): ItemResult {
  const r = index.byKey.get(itemKey(item));
  if (r?.resultUrl && !r.errorMsg && r.recordingId) {
    return {
      kind: 'url',
      recording: { conversationId: item.conversationId, recordingId: r.recordingId },
      url: r.resultUrl,
      contentType: r.contentType ?? null,
    };
  }
  if (r) return { kind: 'refused', reason: `Genesys: ${r.errorMsg ?? 'result without a download URL'}` };
  // A whole conversation answered only with non-audio results (its audio ones became items).
  if (item.recordingId === null && index.answered.has(item.conversationId))
    return { kind: 'refused', reason: 'no audio recording in the batch results (screen recordings only)' };
  return { kind: 'none' };
}

/** What became of an item: its result, or the download its URL led to. */
export type ItemOutcome = Exclude<ItemResult, { kind: 'url' }> | FetchResult;

export type Decision =
  | { state: 'downloaded' }
  /** `pending`: requested again in a later batch of this run */
  | { state: 'pending' | 'failed' | 'unavailable'; reason: string };

/**
 * The item's fate. `attempts`: its requests before this one; `missing`: why an item the job produced
 * nothing for is requested again (the job completed without it, stalled, or is gone).
 */
export function decideItem(outcome: ItemOutcome, attempts: number, missing: string): Decision {
  const again = (reason: string): Decision => ({
    state: attempts + 1 < MAX_REQUESTS ? 'pending' : 'failed',
    reason,
  });
  switch (outcome.kind) {
    case 'ok':
      return { state: 'downloaded' };
    case 'refused':
      return { state: 'unavailable', reason: outcome.reason };
    case 'none':
      return again(missing);
    case 'expired':
      return again('download URL expired before the download');
    case 'error':
      return again(outcome.reason);
  }
}

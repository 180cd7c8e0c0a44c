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
  /** audio recordings the results name (screen recordings and transcripts are left out) */
  audio: ResultRecording[];
  /** what the non-audio results of each conversation were ("a screen recording", "a transcript") */
  notAudio: Map<string, Set<string>>;
}

/**
 * What a result's content type says it is when it is not audio, or undefined when it may be audio: no
 * type (an error result), an audio type, or a generic one (the file's bytes tell, storage/sniff.ts).
 */
export function nonAudioKind(contentType: string | undefined): string | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === '' || type.startsWith('audio/') || GENERIC_TYPES.has(type)) return undefined;
  if (type.startsWith('video/')) return 'a screen recording';
  // chat, e-mail and message transcripts (spec §15)
  if (type === 'application/json' || type.startsWith('text/') || type.endsWith('+json'))
    return 'a transcript';
  return `a file of type ${type}`;
}

const GENERIC_TYPES = new Set(['binary/octet-stream', 'application/octet-stream', 'application/binary']);

export function indexResults(results: readonly BatchDownloadJobResult[]): ResultIndex {
  const byKey = new Map<string, BatchDownloadJobResult>();
  const answered = new Set<string>();
  const notAudio = new Map<string, Set<string>>();
  for (const r of results) {
    if (!r.conversationId) continue;
    answered.add(r.conversationId);
    const kind = nonAudioKind(r.contentType);
    if (kind) {
      const kinds = notAudio.get(r.conversationId) ?? new Set<string>();
      notAudio.set(r.conversationId, kinds.add(kind));
    }
    const key = itemKey({ conversationId: r.conversationId, recordingId: r.recordingId });
    const prev = byKey.get(key);
    if (!prev || (!prev.resultUrl && r.resultUrl)) byKey.set(key, r);
  }
  const audio: ResultRecording[] = [];
  for (const r of byKey.values()) {
    if (r.recordingId && !nonAudioKind(r.contentType))
      audio.push({
        conversationId: r.conversationId as string,
        recordingId: r.recordingId,
        contentType: r.contentType ?? null,
      });
  }
  return { byKey, answered, audio, notAudio };
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
  // A whole conversation answered only with non-audio results (its audio ones became items): say what
  // they were, a screen recording or a transcript.
  if (item.recordingId === null && index.answered.has(item.conversationId)) {
    const kinds = [...(index.notAudio.get(item.conversationId) ?? [])].sort();
    const only = kinds.length > 0 ? `only ${kinds.join(' and ')}` : 'no audio result';
    return { kind: 'refused', reason: `no audio recording in the batch results (${only})` };
  }
  return { kind: 'none' };
}

/** What became of an item: its result, or the download its URL led to. */
export type ItemOutcome = Exclude<ItemResult, { kind: 'url' }> | FetchResult;

export type Decision =
  | { state: 'downloaded' }
  /** `pending`: requested again in a later batch of this run */
  | { state: 'pending' | 'failed' | 'unavailable'; reason: string };

/**
 * Why the job produced nothing for an item, and whether that is final: a job Genesys completed without
 * the item will not produce it if asked again (`final`); a job that stalled or is gone might.
 */
export interface NoResult {
  reason: string;
  final: boolean;
}

/**
 * The reason of an item a completed job has no result for. Genesys leaves recordings with sensitive data
 * out of batch downloads when the OAuth client lacks recording:recording:viewSensitiveData, without an
 * error item, and may or may not count them in expectedResultCount (spec §15): the likely cause, named.
 */
export const LEFT_OUT_REASON =
  'Genesys completed the batch without this recording: most likely it holds sensitive data and the OAuth ' +
  "client's role lacks recording:recording:viewSensitiveData (such recordings are left out of batch downloads)";

/**
 * The item's fate. `attempts`: its requests before this one; `missing`: why the job produced nothing
 * for the item, and whether asking again could help (it is requested again, up to MAX_REQUESTS in all).
 */
export function decideItem(outcome: ItemOutcome, attempts: number, missing: NoResult): Decision {
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
      return missing.final ? { state: 'unavailable', reason: missing.reason } : again(missing.reason);
    case 'expired':
      return again('download URL expired before the download');
    case 'error':
      return again(outcome.reason);
  }
}

// Downloads the results of one batch job into DATA_DIR/audio/<date>/ and records each recording's
// outcome. Per item: a resultUrl → stream to *.part, verify size, sha256, rename; an errorMsg →
// unavailable with Genesys' reason; an expired URL (403) → re-requested in a new batch (at most twice).
//
// Results with a URL are downloaded as the polls bring them in (`take`), while Genesys still prepares
// the rest; once the job is complete (or stalled) `finish` settles every item, reusing those downloads.
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
import { type FetchResult, fetchToStore } from './fetch-file.js';

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

export interface BatchDownloadInput {
  processDate: string;
  batchId: number;
  jobId: string;
  items: readonly Item[];
  log: Logger;
  /** the download slots shared by every batch in flight (CONCURRENCY downloads at once in all) */
  slots?: Limit;
}

export interface BatchDownloader {
  /**
   * The job's results so far (while it is InProgress): downloads every audio result with a URL not
   * taken before, through the shared slots. Never throws; a failure surfaces from `finish`/`settled`.
   */
  take(results: readonly BatchDownloadJobResult[]): void;
  /** Resolves when every download started by `take` has ended (call it before abandoning the batch). */
  settled(): Promise<void>;
  /** The results last given to `take` (empty before the first). */
  taken(): readonly BatchDownloadJobResult[];
  /**
   * The job's final results: settles every item of the batch and records the outcomes. `stalled`: the
   * job stopped short; `missing` then says why an item without a result is requested again.
   */
  finish(
    results: readonly BatchDownloadJobResult[],
    end: { stalled: boolean; missing?: string },
  ): Promise<DownloadResult>;
}

export function createBatchDownloader(deps: PipelineDeps, input: BatchDownloadInput): BatchDownloader {
  const { db } = deps;
  const dir = audioDir(deps.config.DATA_DIR, input.processDate);
  const slots = input.slots ?? createLimit(deps.config.CONCURRENCY);
  const items = new Map(input.items.map((i) => [recordingKey(i), i]));
  const wide = new Set(
    input.items.filter((i) => i.recordingId === ALL_RECORDINGS).map((i) => i.conversationId),
  );
  /** downloads started early, by recording key; each started once */
  const early = new Map<string, Promise<FetchResult>>();
  /** early takes run one after another (a conversation-wide result needs its row written first) */
  let taking: Promise<void> = Promise.resolve();
  let takeError: unknown;
  let lastTaken: readonly BatchDownloadJobResult[] = [];

  const start = (key: RecordingKey, r: BatchDownloadJobResult): void => {
    const p = fetchToStore(deps, dir, key, r.resultUrl as string, r.contentType ?? null, slots);
    p.catch(() => {}); // awaited (and its error thrown) by finish()
    early.set(recordingKey(key), p);
  };

  const takeNow = async (results: readonly BatchDownloadJobResult[]): Promise<void> => {
    const rows: Parameters<typeof upsertExpandedRecordings>[1][number][] = [];
    const expandedResults = new Map<string, BatchDownloadJobResult>();
    for (const r of results) {
      if (!r.conversationId || !r.recordingId || !r.resultUrl || r.errorMsg) continue;
      const key = { conversationId: r.conversationId, recordingId: r.recordingId };
      const k = recordingKey(key);
      if (early.has(k)) continue;
      if (items.has(k)) start(key, r);
      else if (wide.has(r.conversationId) && isAudioResult(r) && !expandedResults.has(k)) {
        rows.push({
          ...key,
          processDate: input.processDate,
          batchId: input.batchId,
          contentType: r.contentType ?? null,
        });
        expandedResults.set(k, r);
      }
    }
    if (rows.length === 0 || deps.signal?.aborted) return;
    const states = await upsertExpandedRecordings(db, rows);
    for (const r of expandedResults.values()) {
      const key = { conversationId: r.conversationId as string, recordingId: r.recordingId as string };
      const state = states.get(recordingKey(key));
      // Already settled by an earlier run: finish() skips it too.
      if (state === 'downloaded' || state === 'unavailable') continue;
      if (!early.has(recordingKey(key))) start(key, r);
    }
  };

  const settled = async (): Promise<void> => {
    await taking;
    await Promise.allSettled(early.values());
  };

  return {
    take(results) {
      if (deps.signal?.aborted || takeError) return;
      const batch = [...results];
      lastTaken = batch;
      taking = taking
        .then(() => takeNow(batch))
        .catch((e) => {
          takeError ??= e;
        });
    },
    settled,
    taken: () => lastTaken,
    async finish(results, end) {
      await taking;
      if (takeError) {
        await settled();
        throw takeError;
      }
      const missing =
        end.missing ??
        (end.stalled
          ? `batch job ${input.jobId} stalled before producing`
          : `batch job ${input.jobId} returned no result for`);
      return settleItems(deps, { ...input, dir, slots, results, missing, early });
    },
  };
}

async function settleItems(
  deps: PipelineDeps,
  input: {
    processDate: string;
    batchId: number;
    jobId: string;
    items: readonly Item[];
    results: readonly BatchDownloadJobResult[];
    /** why an item without a result is requested again, completed by "this recording"/"this conversation's recordings" */
    missing: string;
    log: Logger;
    dir: string;
    slots: Limit;
    early: ReadonlyMap<string, Promise<FetchResult>>;
  },
): Promise<DownloadResult> {
  const { db } = deps;
  const { early } = input;
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
  const { dir, slots } = input;
  let done = 0;
  const expansion = await prepareExpansion(deps, input);
  /** conversation-wide items whose recordings were all dealt with: marked `expanded` together at the end */
  const expanded: Item[] = [];
  // A slot is held only while a download runs (fetchToStore takes it): an item waiting on a download
  // started early (which has or waits for its own slot) holds none, or the slots could all wait on
  // each other.
  await mapPool(input.items, deps.config.CONCURRENCY, handle);
  await recordOutcomes(db, expanded, 'expanded');
  input.log.info({ jobId: input.jobId, early: early.size, ...out }, 'batch downloaded');
  return out;

  async function handle(item: Item): Promise<void> {
    if (deps.signal?.aborted) return;
    const key = recordingKey(item);
    const r = byKey.get(key);
    const started = early.get(key);
    if (item.recordingId === ALL_RECORDINGS) {
      const results = expansion.byConversation.get(item.conversationId) ?? [];
      const c = await expandConversation(deps, {
        ...input,
        dir,
        item,
        results,
        states: expansion.states,
        early,
        slots,
      });
      out.downloaded += c.downloaded;
      out.unavailable += c.unavailable;
      out.failed += c.failed;
      if (c.retry) await requeueOrFail(item, c.retry);
      else if (c.reason) await recordOutcome(db, item, 'unavailable', c.reason);
      else expanded.push(item);
    } else if (started) {
      await settleFetch(item, await started);
    } else if (!r) {
      await requeueOrFail(item, `${input.missing} this recording`);
    } else if (r.errorMsg || !r.resultUrl) {
      await recordOutcome(
        db,
        item,
        'unavailable',
        `Genesys: ${r.errorMsg ?? 'result without a download URL'}`,
      );
      out.unavailable++;
    } else {
      await settleFetch(item, await fetchToStore(deps, dir, item, r.resultUrl, r.contentType ?? null, slots));
    }
    deps.onProgress?.({
      processDate: input.processDate,
      stage: 'download',
      done: ++done,
      total: input.items.length,
    });
  }

  async function settleFetch(item: Item, res: FetchResult): Promise<void> {
    if (res.kind === 'ok') out.downloaded++;
    else if (res.kind === 'expired') await requeueOrFail(item, 'download URL expired before the download');
    else await requeueOrFail(item, res.reason);
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
    missing: string;
    /** state of each audio recording among the results, after prepareExpansion wrote them */
    states: ReadonlyMap<string, RecordingState>;
    /** downloads started while the job was in progress, by recording key */
    early: ReadonlyMap<string, Promise<FetchResult>>;
    /** the shared download slots: one is taken per download started here */
    slots: Limit;
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
    out.retry = `${input.missing} this conversation's recordings`;
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
    const started = input.early.get(recordingKey(key));
    const state = input.states.get(recordingKey(key));
    if (!started && (state === 'downloaded' || state === 'unavailable')) continue;
    if (!started && (r.errorMsg || !r.resultUrl)) {
      await recordOutcome(
        deps.db,
        key,
        'unavailable',
        `Genesys: ${r.errorMsg ?? 'result without a download URL'}`,
      );
      out.unavailable++;
      continue;
    }
    const res = started
      ? await started
      : await fetchToStore(deps, input.dir, key, r.resultUrl as string, r.contentType ?? null, input.slots);
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

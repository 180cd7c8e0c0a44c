// Downloads the results of one batch job into the day's storage and records each item's outcome.
//
// Results with a URL are downloaded as the polls bring them in (`take`), while Genesys still prepares
// the rest; once the job is complete (or stalled, or gone) `finish` settles every item in one loop,
// reusing those downloads, each item decided by decideItem (batch-results.ts).
//
// Conversation-wide items (RECORDING_LOOKUP=conversation) are turned into ordinary recording items
// where their results arrive, by one store call per arrival (expandConversationItems); the rest of this
// file never tells them apart.
import type { Logger } from 'pino';
import type { BatchDownloadJobResult } from '../contracts/genesys.js';
import { createLimit, type Limit, mapPool } from '../lib/pool.js';
import { type BatchItem, expandConversationItems } from '../store/batches.js';
import { recordOutcome } from '../store/recordings.js';
import {
  type Decision,
  decideItem,
  type ItemOutcome,
  type ItemResult,
  indexResults,
  itemKey,
  type NoResult,
  type ResultIndex,
  resultFor,
} from './batch-results.js';
import type { PipelineDeps } from './deps.js';
import { type FetchResult, fetchToStore } from './fetch-file.js';

export interface DownloadResult {
  downloaded: number;
  unavailable: number;
  failed: number;
  requeued: number;
}

export interface BatchDownloadInput {
  processDate: string;
  batchId: number;
  jobId: string;
  items: readonly BatchItem[];
  log: Logger;
  /** the download slots shared by every batch in flight (CONCURRENCY downloads at once in all) */
  slots?: Limit;
}

export interface BatchDownloader {
  /**
   * The job's results so far (while it is InProgress): downloads every item's result with a URL not
   * taken before, through the shared slots. Never throws; a failure surfaces from `finish`/`settled`.
   */
  take(results: readonly BatchDownloadJobResult[]): void;
  /** Resolves when every download started by `take` has ended (call it before abandoning the batch). */
  settled(): Promise<void>;
  /** The results last given to `take` (empty before the first). */
  taken(): readonly BatchDownloadJobResult[];
  /**
   * The job's final results: settles every item of the batch and records the outcomes. `missing` says
   * why an item has no result (the job completed without it, stalled, is gone) and whether that is final.
   */
  finish(results: readonly BatchDownloadJobResult[], missing: NoResult): Promise<DownloadResult>;
}

export function createBatchDownloader(deps: PipelineDeps, input: BatchDownloadInput): BatchDownloader {
  const slots = input.slots ?? createLimit(deps.config.CONCURRENCY);
  const items = new Map(input.items.map((i) => [itemKey(i), i]));
  const hasWholeConversations = input.items.some((i) => i.recordingId === null);
  /** downloads started, by item key; each started once */
  const downloads = new Map<string, Promise<FetchResult>>();
  /** takes run one after another (a conversation's recordings get their rows before their downloads) */
  let taking: Promise<void> = Promise.resolve();
  let takeError: unknown;
  let lastTaken: readonly BatchDownloadJobResult[] = [];

  /** The edge: recordings of conversation-wide items become items of the batch (one store call). */
  const expand = async (index: ResultIndex, final: boolean): Promise<void> => {
    if (!hasWholeConversations) return;
    const found = index.audio.filter((r) => !items.has(itemKey(r)));
    if (found.length === 0 && !final) return;
    const close = final ? [...new Set(index.audio.map((r) => r.conversationId))] : [];
    const batch = { id: input.batchId, processDate: input.processDate };
    const { items: added, closed } = await expandConversationItems(deps.db, batch, found, close);
    for (const i of added) if (!items.has(itemKey(i))) items.set(itemKey(i), i);
    for (const conversationId of closed) items.delete(itemKey({ conversationId, recordingId: null }));
  };

  const start = (item: BatchItem, r: Extract<ItemResult, { kind: 'url' }>): Promise<FetchResult> => {
    const p = fetchToStore(deps, input.processDate, r.recording, r.url, r.contentType, slots);
    p.catch(() => {}); // awaited (and its error thrown) by finish()
    downloads.set(itemKey(item), p);
    return p;
  };

  /** The item's download if its result has a URL (started once, early or now), else its result. */
  const outcomeOf = (item: BatchItem, index: ResultIndex): Promise<FetchResult> | ItemOutcome => {
    const started = downloads.get(itemKey(item));
    if (started) return started;
    const r = resultFor(item, index);
    return r.kind === 'url' ? start(item, r) : r;
  };

  const takeNow = async (results: readonly BatchDownloadJobResult[]): Promise<void> => {
    const index = indexResults(results);
    await expand(index, false);
    if (deps.signal?.aborted) return;
    for (const item of items.values()) outcomeOf(item, index);
  };

  const settled = async (): Promise<void> => {
    await taking;
    await Promise.allSettled(downloads.values());
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
    async finish(results, missing) {
      await taking;
      if (takeError) {
        await settled();
        throw takeError;
      }
      const early = downloads.size;
      const index = indexResults(results);
      await expand(index, true);
      const out = await settleItems(deps, input, [...items.values()], missing, (item) =>
        outcomeOf(item, index),
      );
      input.log.info({ jobId: input.jobId, early, ...out }, 'batch downloaded');
      return out;
    },
  };
}

/**
 * Every item's outcome, decided and recorded. An item waiting on its download holds no slot (the
 * download takes one itself while it runs), so the slots can never all wait on each other.
 */
async function settleItems(
  deps: PipelineDeps,
  input: BatchDownloadInput,
  items: readonly BatchItem[],
  missing: NoResult,
  outcomeOf: (item: BatchItem) => Promise<ItemOutcome> | ItemOutcome,
): Promise<DownloadResult> {
  const out: DownloadResult = { downloaded: 0, unavailable: 0, failed: 0, requeued: 0 };
  let done = 0;
  await mapPool(items, deps.config.CONCURRENCY, async (item) => {
    if (deps.signal?.aborted) return;
    const decision = decideItem(await outcomeOf(item), item.attempts, missing);
    // A download records itself (fetchToStore); every other outcome is recorded here.
    if (decision.state !== 'downloaded') await recordOutcome(deps.db, item, decision.state, decision.reason);
    count(out, decision);
    deps.onProgress?.({
      processDate: input.processDate,
      stage: 'download',
      done: ++done,
      total: items.length,
    });
  });
  return out;
}

function count(out: DownloadResult, d: Decision): void {
  if (d.state === 'downloaded') out.downloaded++;
  else if (d.state === 'unavailable') out.unavailable++;
  else if (d.state === 'failed') out.failed++;
  else out.requeued++;
}

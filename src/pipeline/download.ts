// Downloads the results of one completed (or stalled) batch job into DATA_DIR/audio/<date>/ and records
// each recording's outcome. Per item: a resultUrl → stream to *.part, verify size, sha256, rename; an
// errorMsg → unavailable with Genesys' reason; an expired URL (403) → re-requested in a new batch once.
import type { Logger } from 'pino';
import type { BatchDownloadJobResult } from '../contracts/genesys.js';
import { mapPool } from '../lib/pool.js';
import { audioDir, fileNameFor, writeAudioFile } from '../storage/index.js';
import { type RecordingKey, recordDownloaded, recordOutcome } from '../store/recordings.js';
import type { PipelineDeps } from './deps.js';
import { fetchToStore } from './fetch-file.js';

/** A recording is re-requested at most this many times (expired URL, stalled job) before it fails. */
const MAX_REQUESTS = 2;

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
    if (!r) {
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

// Downloads the results of one completed (or stalled) batch job into DATA_DIR/audio/<date>/ and records
// each recording's outcome. Per item: a resultUrl → stream to *.part, verify size, sha256, rename; an
// errorMsg → unavailable with Genesys' reason; an expired URL (403) → re-requested in a new batch once.
import type { Logger } from 'pino';
import type { BatchDownloadJobResult } from '../contracts/genesys.js';
import { GenesysError } from '../genesys/errors.js';
import { AppError, EnvironmentError, errorMessage } from '../lib/errors.js';
import { mapPool } from '../lib/pool.js';
import { audioDir, fileNameFor, writeAudioFile } from '../storage/index.js';
import { type RecordingKey, recordDownloaded, recordOutcome } from '../store/recordings.js';
import type { PipelineDeps } from './deps.js';

/** A recording is re-requested at most this many times (expired URL, stalled job) before it fails. */
const MAX_REQUESTS = 2;
/** In-place retries of one download (truncated body, reset) before the item is re-requested. */
const DOWNLOAD_ATTEMPTS = 3;

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
      const res = await downloadOne(deps, dir, item, r.resultUrl, r.contentType ?? null);
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

type OneResult = { kind: 'ok' } | { kind: 'expired' } | { kind: 'error'; reason: string };

async function downloadOne(
  deps: PipelineDeps,
  dir: string,
  item: Item,
  url: string,
  resultContentType: string | null,
): Promise<OneResult> {
  let lastReason = 'download failed';
  for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
    let res: Awaited<ReturnType<PipelineDeps['genesys']['download']>>;
    try {
      res = await deps.genesys.download(url, deps.signal);
    } catch (e) {
      if (!(e instanceof GenesysError)) throw e;
      lastReason = `download failed: ${e.code}`;
      continue;
    }
    if (res.status === 403) {
      res.body.resume();
      return { kind: 'expired' };
    }
    if (res.status < 200 || res.status >= 300) {
      res.body.resume();
      lastReason = `download answered HTTP ${res.status}`;
      if (res.status < 500) return { kind: 'error', reason: lastReason };
      continue;
    }
    const contentType = res.contentType?.split(';')[0]?.trim() || resultContentType;
    try {
      const written = await writeAudioFile({
        dir,
        fileName: fileNameFor({ ...item, contentType }),
        body: res.body,
        expectedBytes: res.contentLength,
        signal: deps.signal,
      });
      await recordDownloaded(deps.db, item, {
        file: fileNameFor({ ...item, contentType }),
        bytes: written.bytes,
        sha256: written.sha256,
        contentType,
      });
      return { kind: 'ok' };
    } catch (e) {
      // A full disk or unwritable DATA_DIR stops the run (clear error, resumable); bad bodies are retried.
      if (e instanceof EnvironmentError || !(e instanceof AppError)) throw e;
      if (e.code === 'UNSAFE_PATH') return { kind: 'error', reason: errorMessage(e) };
      lastReason = `download incomplete: ${e.code}`;
    }
  }
  return { kind: 'error', reason: lastReason };
}

// Fetches one pre-signed media URL into the audio store and records the recording as downloaded.
// Shared by the batch path (resultUrl) and the converted-format path (mediaUri). A 403 means the URL
// expired; truncated bodies and 5xx are retried in place a few times.
import { GenesysError, GenesysUrlRefusedError } from '../genesys/errors.js';
import { AppError, ConfigError, EnvironmentError, errorMessage } from '../lib/errors.js';
import type { Limit } from '../lib/pool.js';
import { chooseContentType, fileNameFor, peekHead } from '../storage/index.js';
import { type DownloadedFile, type RecordingKey, recordDownloaded } from '../store/recordings.js';
import type { PipelineDeps } from './deps.js';

/** In-place retries of one download (truncated body, reset) before the caller re-requests the item. */
const DOWNLOAD_ATTEMPTS = 3;

export type FetchResult = { kind: 'ok' } | { kind: 'expired' } | { kind: 'error'; reason: string };

/**
 * Downloads `url` into the audio store and records it. `slot` bounds the downloads in flight: it is
 * held for the transfer and the file write only, not while the row is being recorded (rows are written
 * in groups, src/store/recordings.ts).
 */
export async function fetchToStore(
  deps: PipelineDeps,
  processDate: string,
  item: RecordingKey,
  url: string,
  resultContentType: string | null,
  slot: Limit = (task) => task(),
): Promise<FetchResult> {
  const got = await slot(() => fetchFile(deps, processDate, item, url, resultContentType));
  if (got.kind !== 'written') return got;
  await recordDownloaded(deps.db, item, got.file);
  return { kind: 'ok' };
}

async function fetchFile(
  deps: PipelineDeps,
  processDate: string,
  item: RecordingKey,
  url: string,
  resultContentType: string | null,
): Promise<Exclude<FetchResult, { kind: 'ok' }> | { kind: 'written'; file: DownloadedFile }> {
  let lastReason = 'download failed';
  for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
    let res: Awaited<ReturnType<PipelineDeps['genesys']['download']>>;
    try {
      res = await deps.genesys.download(url, deps.signal);
    } catch (e) {
      if (!(e instanceof GenesysError)) throw e;
      // A URL the policy refuses (not https, a private address…) fails this item with the reason;
      // asking again would only get the same URL.
      if (e instanceof GenesysUrlRefusedError) return { kind: 'error', reason: e.message };
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
    // The file's name and type: the declared audio type, else what its first bytes show (sniff.ts).
    let head: Buffer;
    try {
      head = await peekHead(res.body);
    } catch (e) {
      if (deps.signal?.aborted) throw deps.signal.reason;
      lastReason = `download failed before its first byte: ${errorMessage(e)}`;
      continue;
    }
    const contentType = chooseContentType({ result: resultContentType, download: res.contentType, head });
    try {
      // An id that would make an unsafe file name fails here (UNSAFE_PATH), as a bad result, not the run.
      const file = fileNameFor({ ...item, contentType });
      const written = await deps.storage.writeAudio({
        processDate,
        fileName: file,
        body: res.body,
        expectedBytes: res.contentLength,
        contentType,
        signal: deps.signal,
      });
      return {
        kind: 'written',
        file: { file, bytes: written.bytes, sha256: written.sha256, contentType },
      };
    } catch (e) {
      // A full disk, an unwritable DATA_DIR, a refused or unreachable bucket stop the run (clear error,
      // resumable), and so does wrong storage configuration (bad credentials, no bucket); bad bodies
      // are retried.
      if (e instanceof EnvironmentError || e instanceof ConfigError || !(e instanceof AppError)) throw e;
      // Asking again would get the same id or the same size.
      if (e.code === 'UNSAFE_PATH' || e.code === 'RECORDING_TOO_LARGE')
        return { kind: 'error', reason: errorMessage(e) };
      lastReason = `download incomplete: ${e.code}`;
    }
  }
  return { kind: 'error', reason: lastReason };
}

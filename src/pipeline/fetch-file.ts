// Fetches one pre-signed media URL into the audio store and records the recording as downloaded.
// Shared by the batch path (resultUrl) and the converted-format path (mediaUri). A 403 means the URL
// expired; truncated bodies and 5xx are retried in place a few times.
import { GenesysError } from '../genesys/errors.js';
import { AppError, EnvironmentError, errorMessage } from '../lib/errors.js';
import { fileNameFor, writeAudioFile } from '../storage/index.js';
import { type RecordingKey, recordDownloaded } from '../store/recordings.js';
import type { PipelineDeps } from './deps.js';

/** In-place retries of one download (truncated body, reset) before the caller re-requests the item. */
const DOWNLOAD_ATTEMPTS = 3;

export type FetchResult = { kind: 'ok' } | { kind: 'expired' } | { kind: 'error'; reason: string };

export async function fetchToStore(
  deps: PipelineDeps,
  dir: string,
  item: RecordingKey,
  url: string,
  resultContentType: string | null,
): Promise<FetchResult> {
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

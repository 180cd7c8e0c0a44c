// Stages 2-5 for a converted format (AUDIO_FORMAT other than `original`): the full recordings endpoint
// transcodes each recording to the requested format and returns media URIs, which are downloaded right
// away (they are pre-signed and expire). Genesys answers 202 while it is still transcoding: those
// conversations are asked again a few times with growing pauses, and left for the next run after that.
// An available audio recording listed with empty `mediaUris` (seen live, spec §15) is asked again the
// same way, then given up on as unavailable with that reason.

import type { Recording } from '../contracts/genesys.js';
import { recordingVerdict } from '../genesys/conversation-facts.js';
import { GenesysError } from '../genesys/errors.js';
import { errorMessage } from '../lib/errors.js';
import { mapPool } from '../lib/pool.js';
import { conversationsToLookUp, type FoundRecording, recordLookup } from '../store/conversations.js';
import { recordingKey, recordOutcome } from '../store/recordings.js';
import type { PipelineDeps } from './deps.js';
import { fetchToStore } from './fetch-file.js';
import { missingRecordings } from './lookup.js';

const FORMAT_IDS: Record<string, string> = {
  wav: 'WAV',
  wav_ulaw: 'WAV_ULAW',
  mp3: 'MP3',
  ogg_vorbis: 'OGG_VORBIS',
  ogg_opus: 'OGG_OPUS',
  webm: 'WEBM',
};
/** How long Genesys may hold one request while it transcodes (its default is 5000 ms). */
const MAX_WAIT_MS = 5_000;
/** Rounds of asking again for conversations still transcoding, and the pause before each. */
const TRANSCODE_ROUNDS = [5_000, 15_000, 30_000];

/** What to do with one recording the recordings endpoint listed. */
export type ConvertedVerdict =
  | { kind: 'skip' }
  | { kind: 'fetch'; url: string }
  /** available, but no media URL yet: ask again (the conversation, in the next round) */
  | { kind: 'ask-again'; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'unavailable'; reason: string };

export const NO_MEDIA_URI_REASON =
  'Genesys lists the recording as available but gave no media URL (empty mediaUris) each time it was asked';

/**
 * One recording of a recordings answer: fetch its media URI, wait (uploading, restoring), give up, or ask
 * again when Genesys lists it available with empty `mediaUris` — until `lastRound`, then unavailable.
 */
export function convertedVerdict(r: Recording, lastRound: boolean): ConvertedVerdict {
  const v = recordingVerdict(r);
  if (v.kind === 'skip') return { kind: 'skip' };
  if (v.kind !== 'download') return v;
  const url = Object.values(r.mediaUris ?? {}).find((m) => m?.mediaUri)?.mediaUri;
  if (url) return { kind: 'fetch', url };
  if (lastRound) return { kind: 'unavailable', reason: NO_MEDIA_URI_REASON };
  return { kind: 'ask-again', reason: 'Genesys gave no media URL yet (empty mediaUris); asking again' };
}

export interface ConvertResult {
  conversations: number;
  downloaded: number;
  unavailable: number;
  failed: number;
  /** conversations still transcoding when the run gave up waiting (a later run asks again) */
  transcoding: number;
}

export async function fetchConvertedRecordings(
  deps: PipelineDeps,
  processDate: string,
): Promise<ConvertResult> {
  const { db, genesys, logger, config, clock } = deps;
  const formatId = FORMAT_IDS[config.AUDIO_FORMAT];
  if (!formatId) throw new Error(`no Genesys formatId for AUDIO_FORMAT=${config.AUDIO_FORMAT}`);
  let todo = await conversationsToLookUp(db, [processDate], 1_000_000);
  const result: ConvertResult = {
    conversations: todo.length,
    downloaded: 0,
    unavailable: 0,
    failed: 0,
    transcoding: 0,
  };

  /** recordings downloaded in this run: a conversation asked again does not download them twice */
  const fetched = new Set<string>();
  for (let round = 0; todo.length > 0 && !deps.signal?.aborted; round++) {
    const lastRound = TRANSCODE_ROUNDS[round] === undefined;
    const again: typeof todo = [];
    await mapPool(todo, config.CONCURRENCY, async (c) => {
      if (deps.signal?.aborted) return;
      let lookup: Awaited<ReturnType<typeof genesys.conversationRecordings>>;
      try {
        lookup = await genesys.conversationRecordings(
          c.conversationId,
          { formatId, maxWaitMs: MAX_WAIT_MS },
          deps.signal,
        );
      } catch (e) {
        if (!(e instanceof GenesysError) || e.kind === 'auth' || e.kind === 'rate-limited') throw e;
        result.failed++;
        logger.warn({ conversationId: c.conversationId, err: errorMessage(e) }, 'recordings lookup failed');
        return;
      }
      if (lookup.status === 'transcoding') {
        again.push(c);
        return;
      }
      const found: FoundRecording[] = [];
      const toFetch: { recordingId: string; url: string }[] = [];
      let askAgain = false;
      for (const r of lookup.recordings) {
        const v = convertedVerdict(r, lastRound);
        if (
          v.kind === 'skip' ||
          fetched.has(recordingKey({ conversationId: c.conversationId, recordingId: r.id }))
        )
          continue;
        if (v.kind === 'ask-again') askAgain = true;
        found.push({
          recordingId: r.id,
          media: r.media ?? null,
          fileState: r.fileState ?? null,
          // `waiting` until the file is on disk: a crash in between makes the next run ask again.
          state: v.kind === 'unavailable' ? 'unavailable' : 'waiting',
          reason: v.kind === 'fetch' ? 'download in progress' : v.reason,
          startTime: r.startTime ?? null,
          endTime: r.endTime ?? null,
        });
        if (v.kind === 'fetch') toFetch.push({ recordingId: r.id, url: v.url });
        else if (v.kind === 'unavailable') result.unavailable++;
      }
      const missing =
        lookup.recordings.length === 0 ? missingRecordings(c, clock.now(), config.RECONCILE_DAYS) : undefined;
      await recordLookup(db, c.conversationId, processDate, found, {
        missing,
        again: c.lookedUp || round > 0,
      });
      if (askAgain) again.push(c);
      for (const f of toFetch) {
        const key = { conversationId: c.conversationId, recordingId: f.recordingId };
        const res = await fetchToStore(deps, processDate, key, f.url, null);
        if (res.kind === 'ok') {
          result.downloaded++;
          fetched.add(recordingKey(key));
        } else {
          // The next run asks for fresh media URIs (the recording goes back to waiting).
          const reason = res.kind === 'expired' ? 'media URL expired before the download' : res.reason;
          await recordOutcome(db, key, res.kind === 'expired' ? 'waiting' : 'failed', reason);
          if (res.kind !== 'expired') result.failed++;
        }
      }
      deps.onProgress?.({
        processDate,
        stage: 'download',
        done: result.downloaded,
        total: result.conversations,
      });
    });
    const pause = TRANSCODE_ROUNDS[round];
    if (again.length === 0 || pause === undefined) {
      result.transcoding = again.length;
      break;
    }
    logger.info(
      { processDate, transcoding: again.length, pauseMs: pause },
      'waiting for Genesys to transcode',
    );
    await clock.sleep(pause, deps.signal);
    todo = again;
  }
  logger.info({ stage: 'download', processDate, formatId, ...result }, 'converted recordings fetched');
  return result;
}

// When the recording endpoints show what of a conversation: decisions shared by the routes, the batch
// jobs and the oracle, so that they always agree.
import type { RecordingState } from './render.js';
import type { TConversation, TRecording } from './timeline.js';

/** The recording's bytes can be fetched (batch result URL, mediaUris). */
export function isPlayable(state: RecordingState | undefined): boolean {
  return state === 'AVAILABLE' || state === 'RESTORED';
}

/**
 * Until when the recording endpoints answer [] (or 404) for a recorded conversation whose metadata
 * lags (quirk metadataLag): `lagMs` after its last recording ends. Undefined when it does not lag.
 */
export function metadataHiddenUntil(c: TConversation, lagMs: number): number | undefined {
  if (!c.plan.quirks?.metadataLag || c.recordings.length === 0) return undefined;
  return Math.max(...c.recordings.map((r) => r.end)) + lagMs;
}

/** How a lagging conversation's metadata looks while hidden: an empty list, or 404. */
export function metadataLagStyle(c: TConversation): 'empty' | 'notFound' | undefined {
  return c.plan.quirks?.metadataLag;
}

/**
 * Until when GET /recordings answers this audio recording with mediaUris {} (quirk emptyMediaUris):
 * `forMs` after it became available, or forever. Undefined when its mediaUris are never empty.
 */
export function emptyMediaUrisUntil(c: TConversation, r: TRecording, forMs: number): number | undefined {
  const quirk = c.plan.quirks?.emptyMediaUris;
  if (!quirk || r.media !== 'audio') return undefined;
  return quirk === 'permanent' ? Number.POSITIVE_INFINITY : r.availableAt + forMs;
}

/** Recordings with sensitive data (quirk sensitive): left out of the batches of a client without viewSensitiveData. */
export function isSensitive(c: TConversation, r: TRecording): boolean {
  return c.plan.quirks?.sensitive === true && r.media === 'audio';
}

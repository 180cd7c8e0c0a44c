// GET /recordings?formatId=… starts a transcode of each audio recording to that format the first time
// it is asked for; it takes a deterministic 0.4-2.5 s (by the emulator clock), during which callers
// that cannot wait get 202.
import { hash32 } from '../random.js';

export interface Transcodes {
  /** ms until `recordingId` is available in `format` (starts the transcode on first call) */
  remainingMs(recordingId: string, format: string): number;
  durationMs(recordingId: string, format: string): number;
}

export function createTranscodes(now: () => number): Transcodes {
  const started = new Map<string, number>();
  const durationMs = (id: string, format: string) => 400 + (hash32(`${id}:${format}`) % 2100);
  return {
    durationMs,
    remainingMs(id, format) {
      const key = `${id}:${format}`;
      let at = started.get(key);
      if (at === undefined) {
        at = now();
        started.set(key, at);
      }
      return Math.max(0, at + durationMs(id, format) - now());
    },
  };
}

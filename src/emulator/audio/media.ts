// The bytes behind a recording, exactly as a download returns them: WAV (the default), Ogg/Opus or
// WebM/Opus (original-codec mode), a JSON transcript (chat, e-mail, message), or the screen placeholder.
import { createRng, hash32 } from '../random.js';
import { recordingOgg } from './ogg.js';
import type { Container } from './traits.js';
import { transcriptJson } from './transcript.js';
import { recordingWav, screenPlaceholder } from './wav.js';
import { recordingWebm } from './webm.js';

export interface MediaRecording {
  id: string;
  media: string;
  start: number;
  end: number;
}

export interface MediaFile {
  bytes: Buffer;
  /** playable length (0 for transcripts and the screen placeholder) */
  durationMs: number;
}

const CACHE_SIZE = 16;
const PACKET_MS = 20;
const cache = new Map<string, MediaFile>();

function targetBytes(seedHash: number, id: string, size: { min: number; max: number }): number {
  return createRng(seedHash ^ hash32(`size:${id}`)).int(size.min, size.max);
}

function build(
  seedHash: number,
  recording: MediaRecording,
  conversationId: string,
  size: { min: number; max: number },
  container: Container,
): MediaFile {
  switch (container) {
    case 'screen-webm':
      return { bytes: screenPlaceholder(seedHash, recording.id, size), durationMs: 0 };
    case 'json':
      return {
        bytes: transcriptJson(seedHash, {
          ...recording,
          media: recording.media as 'chat' | 'email' | 'message',
          conversationId,
        }),
        durationMs: 0,
      };
    case 'wav': {
      const bytes = recordingWav(seedHash, recording.id, size);
      const channels = bytes.readUInt16LE(22);
      return { bytes, durationMs: Math.round(((bytes.length - 44) / (channels * 2 * 8000)) * 1000) };
    }
    case 'ogg':
    case 'opus':
    case 'webm': {
      // Ogg/Opus is served as .ogg (audio/ogg) or .opus (audio/opus): the same container.
      const write = container === 'webm' ? recordingWebm : recordingOgg;
      const out = write(
        seedHash,
        recording.id,
        targetBytes(seedHash, recording.id, size),
        hash32(recording.id),
      );
      return { bytes: out.bytes, durationMs: out.packets * PACKET_MS };
    }
  }
}

/** The file of `recording` in `container`, built once and kept among the last few served. */
export function mediaFile(
  seedHash: number,
  recording: MediaRecording,
  conversationId: string,
  size: { min: number; max: number },
  container: Container,
): MediaFile {
  const key = `${seedHash}:${recording.id}:${container}:${size.min}:${size.max}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const file = build(seedHash, recording, conversationId, size, container);
  cache.set(key, file);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return file;
}

// The bytes behind a recording, exactly as a download returns them.
import { recordingWav, screenPlaceholder } from './wav.js';

export interface MediaFile {
  bytes: Buffer;
  contentType: string;
  extension: string;
}

export function mediaFile(
  seedHash: number,
  recording: { id: string; media: 'audio' | 'screen' },
  size: { min: number; max: number },
): MediaFile {
  if (recording.media === 'screen') {
    return {
      bytes: screenPlaceholder(seedHash, recording.id, size),
      contentType: 'video/webm',
      extension: 'webm',
    };
  }
  return { bytes: recordingWav(seedHash, recording.id, size), contentType: 'audio/wav', extension: 'wav' };
}

export function mediaMeta(recording: { media: 'audio' | 'screen' }): {
  contentType: string;
  extension: string;
} {
  return recording.media === 'screen'
    ? { contentType: 'video/webm', extension: 'webm' }
    : { contentType: 'audio/wav', extension: 'wav' };
}

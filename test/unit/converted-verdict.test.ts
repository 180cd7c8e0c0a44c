import { describe, expect, it } from 'vitest';
import type { Recording } from '../../src/contracts/genesys.js';
import { type ConvertedVerdict, convertedVerdict, NO_MEDIA_URI_REASON } from '../../src/pipeline/convert.js';

const rec = (o: Partial<Recording>): Recording => ({ id: 'r1', conversationId: 'c1', media: 'audio', ...o });
const URL = 'https://s3.example/r1.wav?X-Amz-Signature=x';

describe('convertedVerdict: one recording of a recordings answer (converted formats)', () => {
  const rows: [string, Recording, boolean, ConvertedVerdict['kind']][] = [
    [
      'available with a media URI: fetch it',
      rec({ fileState: 'AVAILABLE', mediaUris: { 0: { mediaUri: URL } } }),
      false,
      'fetch',
    ],
    [
      'restored with a media URI',
      rec({ fileState: 'RESTORED', mediaUris: { 0: { mediaUri: URL } } }),
      false,
      'fetch',
    ],
    // seen live (spec §15): treated like a transcode still running
    [
      'available, mediaUris {}: ask again',
      rec({ fileState: 'AVAILABLE', mediaUris: {} }),
      false,
      'ask-again',
    ],
    ['available, no mediaUris at all: ask again', rec({ fileState: 'AVAILABLE' }), false, 'ask-again'],
    [
      'available, mediaUris {} on the last round: unavailable',
      rec({ fileState: 'AVAILABLE', mediaUris: {} }),
      true,
      'unavailable',
    ],
    ['uploading', rec({ fileState: 'UPLOADING' }), false, 'wait'],
    ['archived', rec({ fileState: 'ARCHIVED' }), false, 'unavailable'],
    ['a screen recording', rec({ media: 'screen', fileState: 'AVAILABLE' }), false, 'skip'],
    ['a chat transcript', rec({ media: 'chat', fileState: 'AVAILABLE' }), false, 'skip'],
  ];
  it.each(rows)('%s', (_, r, lastRound, kind) => {
    expect(convertedVerdict(r, lastRound).kind).toBe(kind);
  });

  it('gives up with a reason that names empty mediaUris', () => {
    expect(convertedVerdict(rec({ fileState: 'AVAILABLE', mediaUris: {} }), true)).toEqual({
      kind: 'unavailable',
      reason: NO_MEDIA_URI_REASON,
    });
    expect(NO_MEDIA_URI_REASON).toMatch(/empty mediaUris/);
  });
});

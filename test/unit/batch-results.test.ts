import { describe, expect, it } from 'vitest';
import type { BatchDownloadJobResult } from '../../src/contracts/genesys.js';
import {
  type Decision,
  decideItem,
  type ItemOutcome,
  type ItemResult,
  indexResults,
  LEFT_OUT_REASON,
  MAX_REQUESTS,
  type NoResult,
  nonAudioKind,
  resultFor,
} from '../../src/pipeline/batch-results.js';
import type { BatchItem } from '../../src/store/batches.js';

const MISSING = 'batch job j1 stalled before producing a result';
const STALLED: NoResult = { reason: MISSING, final: false };
const COMPLETED: NoResult = { reason: LEFT_OUT_REASON, final: true };

describe('decideItem: what becomes of one item of a batch', () => {
  const last = MAX_REQUESTS - 1;
  const rows: [string, ItemOutcome, number, Decision, NoResult?][] = [
    ['downloaded and verified', { kind: 'ok' }, 0, { state: 'downloaded' }],
    ['downloaded on its last request', { kind: 'ok' }, last, { state: 'downloaded' }],
    [
      'Genesys cannot serve it',
      { kind: 'refused', reason: 'Genesys: Recording is archived' },
      0,
      { state: 'unavailable', reason: 'Genesys: Recording is archived' },
    ],
    [
      'refused on its last request: still unavailable, not failed',
      { kind: 'refused', reason: 'Genesys: Recording has been deleted' },
      last,
      { state: 'unavailable', reason: 'Genesys: Recording has been deleted' },
    ],
    ['no result, first request: requested again', { kind: 'none' }, 0, { state: 'pending', reason: MISSING }],
    [
      'no result, second request: requested again',
      { kind: 'none' },
      1,
      { state: 'pending', reason: MISSING },
    ],
    ['no result on its last request: failed', { kind: 'none' }, last, { state: 'failed', reason: MISSING }],
    // a job Genesys completed without the item (sensitive data left out, spec §15): asking again gets
    // the same, so it is unavailable at once, with the likely cause and the permission named
    [
      'no result from a completed job: unavailable',
      { kind: 'none' },
      0,
      { state: 'unavailable', reason: LEFT_OUT_REASON },
      COMPLETED,
    ],
    [
      'URL expired before the download: requested again',
      { kind: 'expired' },
      0,
      { state: 'pending', reason: 'download URL expired before the download' },
    ],
    [
      'URL expired on its last request: failed',
      { kind: 'expired' },
      last,
      { state: 'failed', reason: 'download URL expired before the download' },
    ],
    [
      'download failed after its in-place retries: requested again',
      { kind: 'error', reason: 'download incomplete: DOWNLOAD_TRUNCATED' },
      0,
      { state: 'pending', reason: 'download incomplete: DOWNLOAD_TRUNCATED' },
    ],
    [
      'download failed on its last request: failed',
      { kind: 'error', reason: 'download answered HTTP 404' },
      last,
      { state: 'failed', reason: 'download answered HTTP 404' },
    ],
  ];
  it.each(rows)('%s', (_, outcome, attempts, decision, missing = STALLED) => {
    expect(decideItem(outcome, attempts, missing)).toEqual(decision);
  });

  it('names the permission that would let Genesys include the recording', () => {
    expect(LEFT_OUT_REASON).toContain('recording:recording:viewSensitiveData');
  });
});

describe('resultFor: what the job says about one item', () => {
  const url = (conversationId: string, recordingId: string, contentType = 'audio/ogg') => ({
    conversationId,
    recordingId,
    resultUrl: `https://s3.example/${recordingId}?sig=x`,
    contentType,
  });
  const results: BatchDownloadJobResult[] = [
    // a recording can come back more than once (spec §7.2): the result with a URL wins, whatever the order
    url('c1', 'r1'),
    { conversationId: 'c1', recordingId: 'r1', errorMsg: 'Recording is archived' },
    { conversationId: 'c1', recordingId: 'r2', errorMsg: 'Recording is archived' },
    url('c1', 'r2'),
    { conversationId: 'c1', recordingId: 'r3', errorMsg: 'Recording has been deleted' },
    { conversationId: 'c1', recordingId: 'r4' },
    { conversationId: 'c2', errorMsg: 'Conversation not found' },
    url('c3', 's1', 'video/webm'),
    url('c5', 't1', 'application/json'),
    url('c6', 's2', 'video/webm'),
    url('c6', 't2', 'application/json'),
    url('c7', 'r7', 'binary/octet-stream'),
  ];
  const index = indexResults(results);
  const item = (conversationId: string, recordingId: string | null): BatchItem => ({
    conversationId,
    recordingId,
    attempts: 0,
  });
  const downloadable = (recordingId: string): ItemResult => ({
    kind: 'url',
    recording: { conversationId: 'c1', recordingId },
    url: `https://s3.example/${recordingId}?sig=x`,
    contentType: 'audio/ogg',
  });
  const rows: [string, BatchItem, ItemResult][] = [
    ['a result with a URL, listed first', item('c1', 'r1'), downloadable('r1')],
    [
      'a result with a URL, listed after an error for the same recording',
      item('c1', 'r2'),
      downloadable('r2'),
    ],
    ['an error', item('c1', 'r3'), { kind: 'refused', reason: 'Genesys: Recording has been deleted' }],
    [
      'neither URL nor error',
      item('c1', 'r4'),
      { kind: 'refused', reason: 'Genesys: result without a download URL' },
    ],
    ['no result yet', item('c1', 'r9'), { kind: 'none' }],
    [
      'a whole conversation Genesys does not know',
      item('c2', null),
      { kind: 'refused', reason: 'Genesys: Conversation not found' },
    ],
    [
      'a whole conversation with only a screen recording',
      item('c3', null),
      { kind: 'refused', reason: 'no audio recording in the batch results (only a screen recording)' },
    ],
    [
      'a whole conversation with only a transcript: not called a screen recording',
      item('c5', null),
      { kind: 'refused', reason: 'no audio recording in the batch results (only a transcript)' },
    ],
    [
      'a whole conversation with a screen recording and a transcript',
      item('c6', null),
      {
        kind: 'refused',
        reason: 'no audio recording in the batch results (only a screen recording and a transcript)',
      },
    ],
    ['a whole conversation with no result yet', item('c4', null), { kind: 'none' }],
  ];
  it.each(rows)('%s', (_, i, expected) => {
    expect(resultFor(i, index)).toEqual(expected);
  });

  it('lists the audio recordings the results name, once each, without screen recordings or transcripts', () => {
    expect(index.audio).toEqual([
      { conversationId: 'c1', recordingId: 'r1', contentType: 'audio/ogg' },
      { conversationId: 'c1', recordingId: 'r2', contentType: 'audio/ogg' },
      { conversationId: 'c1', recordingId: 'r3', contentType: null },
      { conversationId: 'c1', recordingId: 'r4', contentType: null },
      // a generic type may be audio: the file's bytes tell
      { conversationId: 'c7', recordingId: 'r7', contentType: 'binary/octet-stream' },
    ]);
  });

  it.each([
    [undefined, undefined],
    ['audio/ogg; codecs=opus', undefined],
    ['audio/opus', undefined],
    ['binary/octet-stream', undefined],
    ['Application/Octet-Stream', undefined],
    ['video/webm', 'a screen recording'],
    ['application/json', 'a transcript'],
    ['text/plain; charset=utf-8', 'a transcript'],
    ['image/png', 'a file of type image/png'],
  ])('a result of type %s is %s', (type, kind) => {
    expect(nonAudioKind(type)).toBe(kind);
  });
});

import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import {
  chooseContentType,
  extensionFor,
  normalizeContentType,
  peekHead,
  sniffAudio,
} from '../../src/storage/index.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
/** An Ogg page header (27 bytes + a one-entry segment table) followed by the codec's first packet. */
const oggPage = (packet: string) =>
  bytes('OggS', [0, 2, ...new Array(20).fill(0), 1, packet.length], packet, [0, 0, 0, 0]);

const OGG_OPUS = oggPage('OpusHead\x01\x01\x38\x01\x40\x1f\x00\x00\x00\x00\x00');
const OGG_VORBIS = oggPage('\x01vorbis\x00\x00\x00\x00\x01');
const WEBM = bytes(
  [0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84],
  'webm',
  [0x42, 0x87],
);
const MKV = bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], 'matroska');
const WAV = bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt ', [16, 0, 0, 0, 1, 0, 1, 0]);
const MP3_ID3 = bytes('ID3', [4, 0, 0, 0, 0, 0, 0]);
const MP3_FRAME = bytes([0xff, 0xfb, 0x90, 0x64, 0, 0]);
const AAC_ADTS = bytes([0xff, 0xf1, 0x50, 0x80, 0, 0]);

describe('sniffAudio: the audio type a file starts with', () => {
  it.each([
    ['Ogg with an OpusHead', OGG_OPUS, 'audio/ogg; codecs=opus'],
    ['Ogg with a Vorbis identification header', OGG_VORBIS, 'audio/ogg; codecs=vorbis'],
    ['Ogg with another codec', oggPage('Speex   '), 'audio/ogg'],
    ['WebM (EBML, DocType webm)', WEBM, 'audio/webm'],
    ['Matroska (EBML, another DocType)', MKV, 'audio/x-matroska'],
    ['RIFF/WAVE', WAV, 'audio/wav'],
    ['MP3 with an ID3 tag', MP3_ID3, 'audio/mpeg'],
    ['MP3 frame sync', MP3_FRAME, 'audio/mpeg'],
    ['AAC (ADTS: frame sync, layer 00)', AAC_ADTS, 'audio/aac'],
    ['FLAC', bytes('fLaC', [0, 0, 0, 34]), 'audio/flac'],
    ['M4A', bytes([0, 0, 0, 0x20], 'ftypM4A '), 'audio/mp4'],
    ['RIFF that is not WAVE (AVI)', bytes('RIFF', [0, 0, 0, 0], 'AVI LIST'), undefined],
    ['JSON (a transcript)', bytes('{"conversationId":"c"}'), undefined],
    ['nothing', Buffer.alloc(0), undefined],
    ['two bytes', bytes('Og'), undefined],
  ])('%s', (_, head, type) => {
    expect(sniffAudio(head)).toBe(type);
  });
});

describe('chooseContentType: the declared audio type, else the bytes', () => {
  it.each([
    [
      'the batch result names the codec',
      'audio/ogg; codecs=opus',
      'binary/octet-stream',
      WAV,
      'audio/ogg; codecs=opus',
    ],
    ['the result wins over the download', 'audio/opus', 'audio/ogg', OGG_OPUS, 'audio/opus'],
    ['no result type: the download names it', null, 'audio/webm', WEBM, 'audio/webm'],
    [
      'both generic: Ogg/Opus bytes',
      'binary/octet-stream',
      'application/octet-stream',
      OGG_OPUS,
      'audio/ogg; codecs=opus',
    ],
    ['generic download, no result type: WebM bytes', null, 'binary/octet-stream', WEBM, 'audio/webm'],
    ['generic download, no result type: WAV bytes', undefined, 'application/octet-stream', WAV, 'audio/wav'],
    ['no types at all: MP3 bytes', null, undefined, MP3_ID3, 'audio/mpeg'],
    [
      'generic and unknown bytes: the declared type stays',
      null,
      'binary/octet-stream',
      bytes('????'),
      'binary/octet-stream',
    ],
    ['a transcript stays JSON', 'application/json', 'application/json', bytes('{}'), 'application/json'],
    ['types are normalised', 'Audio/Ogg;Codecs=opus', null, OGG_OPUS, 'audio/ogg; codecs=opus'],
  ])('%s', (_, result, download, head, type) => {
    expect(chooseContentType({ result, download, head })).toBe(type);
  });

  it('never names audio .bin: every sniffed type has an audio extension', () => {
    for (const head of [OGG_OPUS, OGG_VORBIS, WEBM, MKV, WAV, MP3_ID3, MP3_FRAME, AAC_ADTS]) {
      const type = chooseContentType({
        result: 'binary/octet-stream',
        download: 'binary/octet-stream',
        head,
      });
      expect(extensionFor(type), String(type)).not.toBe('bin');
    }
    expect(extensionFor('audio/x-gsm')).toBe('gsm');
    expect(extensionFor('audio/vnd.something-long')).toBe('audio');
    expect(extensionFor('audio/ogg; codecs=opus')).toBe('ogg');
    expect(extensionFor('binary/octet-stream')).toBe('bin');
  });

  it('normalizeContentType', () => {
    expect(normalizeContentType(' AUDIO/WAV ')).toBe('audio/wav');
    expect(normalizeContentType('audio/ogg ;codecs=opus')).toBe('audio/ogg; codecs=opus');
    expect(normalizeContentType('')).toBeUndefined();
    expect(normalizeContentType(null)).toBeUndefined();
  });
});

describe('peekHead: the first chunk, and the body still whole', () => {
  it('a stream that has not produced anything yet', async () => {
    const body = new PassThrough();
    const peeked = peekHead(body);
    setTimeout(() => body.write('first chunk|'), 10);
    setTimeout(() => body.end('second chunk'), 30);
    expect((await peeked).toString()).toBe('first chunk|');
    expect(await text(body)).toBe('first chunk|second chunk');
  });

  it('a stream already ended with all its data buffered', async () => {
    const body = new PassThrough();
    body.end('tiny');
    await new Promise((r) => setTimeout(r, 5));
    expect((await peekHead(body)).toString()).toBe('tiny');
    expect(await text(body)).toBe('tiny');
  });

  it('an empty body', async () => {
    const body = Readable.from([]);
    expect((await peekHead(body)).length).toBe(0);
    expect(await text(body)).toBe('');
  });

  it('an error before the first chunk rejects with it', async () => {
    const body = new PassThrough();
    setTimeout(() => body.destroy(new Error('ECONNRESET')), 5);
    await expect(peekHead(body)).rejects.toThrow('ECONNRESET');
  });

  it('a body read with for-await and pipe after the peek', async () => {
    const chunks = ['a'.repeat(70_000), 'b'.repeat(70_000)];
    const body = Readable.from(chunks.map((c) => Buffer.from(c)));
    const head = await peekHead(body);
    expect(head.toString()).toBe(chunks[0]);
    let all = '';
    for await (const c of body) all += c.toString();
    expect(all).toBe(chunks.join(''));
  });
});

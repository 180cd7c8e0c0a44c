// What kind of audio file a download is, so its name gets the right extension. Batch results carry the
// recording's original codec (`audio/ogg; codecs=opus`, `audio/opus`, `audio/webm`, `audio/wav`), but the
// download's own Content-Type may be a generic `binary/octet-stream` (spec §15), and the converted path
// has only the download's type: the declared audio type is used when there is one, else the file's first
// bytes tell. Choosing the name needs those bytes before the file is written, so the body's first chunk
// is peeked at and put back (`peekHead`).
import type { Readable } from 'node:stream';

/** Types that say nothing about the content (an object store's default). */
const GENERIC = new Set([
  'binary/octet-stream',
  'application/octet-stream',
  'application/binary',
  'application/unknown',
]);

/**
 * `Audio/Ogg;Codecs=opus ` → `audio/ogg; codecs=opus`: the media type lower-cased, parameters kept and
 * spaced alike, so the same type always reads the same in the manifest. Undefined when empty.
 */
export function normalizeContentType(type: string | null | undefined): string | undefined {
  const [media, ...params] = (type ?? '').split(';').map((p) => p.trim());
  if (!media) return undefined;
  return [
    media.toLowerCase(),
    ...params.filter(Boolean).map((p) => p.replace(/^[^=]+/, (k) => k.toLowerCase())),
  ].join('; ');
}

const mediaOf = (type: string) => type.split(';')[0]!;

/** A type that names the audio format: `audio/…`, not a generic one. */
const isAudioType = (type: string | undefined): type is string =>
  type !== undefined && mediaOf(type).startsWith('audio/');

const ascii = (b: Uint8Array, at: number, text: string) =>
  b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));

const contains = (b: Uint8Array, text: string, within: number) => {
  for (let i = 0; i + text.length <= Math.min(b.length, within); i++) if (ascii(b, i, text)) return true;
  return false;
};

/**
 * The audio type a file's first bytes show, or undefined when they match no signature known here. Ogg
 * tells Opus from Vorbis by the first page's codec header; an MPEG frame sync with layer bits 00 is
 * AAC (ADTS), otherwise MP3. Pure; a few dozen bytes are enough (the first chunk of a download).
 * @example sniffAudio(Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ')) // 'audio/wav'
 */
export function sniffAudio(head: Uint8Array): string | undefined {
  if (ascii(head, 0, 'OggS')) {
    // the first page holds the codec's identification header right after its segment table
    if (contains(head, 'OpusHead', 128)) return 'audio/ogg; codecs=opus';
    if (contains(head, '\x01vorbis', 128)) return 'audio/ogg; codecs=vorbis';
    if (contains(head, '\x7fFLAC', 128)) return 'audio/ogg; codecs=flac';
    return 'audio/ogg';
  }
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    // EBML: the DocType says WebM or Matroska
    return contains(head, 'webm', 64) ? 'audio/webm' : 'audio/x-matroska';
  }
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'audio/wav';
  if (ascii(head, 0, 'ID3')) return 'audio/mpeg';
  if (ascii(head, 0, 'fLaC')) return 'audio/flac';
  if (ascii(head, 0, '#!AMR')) return 'audio/amr';
  if (ascii(head, 4, 'ftyp')) return 'audio/mp4';
  if (head[0] === 0xff && head[1] !== undefined && (head[1] & 0xe0) === 0xe0) {
    return (head[1] & 0x06) === 0 ? 'audio/aac' : 'audio/mpeg';
  }
  return undefined;
}

/**
 * The content type a downloaded recording is stored and named by: the batch result's type when it
 * names an audio format, else the download's Content-Type when it does, else what the file's first
 * bytes show, else whatever was declared (a generic type: the bytes match no known audio signature).
 */
export function chooseContentType(input: {
  result?: string | null;
  download?: string | null;
  head: Uint8Array;
}): string | null {
  const result = normalizeContentType(input.result);
  const download = normalizeContentType(input.download);
  if (isAudioType(result)) return result;
  if (isAudioType(download)) return download;
  const known = (t: string | undefined) => (t && !GENERIC.has(mediaOf(t)) ? t : undefined);
  return sniffAudio(input.head) ?? known(result) ?? known(download) ?? result ?? download ?? null;
}

/**
 * Reads the body's first chunk (waiting for it) and puts it back, so the body still streams whole.
 * An empty body gives an empty buffer; an error before the first chunk rejects with it.
 */
export function peekHead(body: Readable): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const done = (err?: unknown, chunk?: Buffer) => {
      body.off('readable', onReadable);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      if (err) reject(err);
      else resolve(chunk ?? Buffer.alloc(0));
    };
    const onReadable = () => {
      const chunk: Buffer | string | null = body.read();
      if (chunk === null) return; // nothing buffered yet (or the end): 'end' or the next 'readable' follows
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      body.unshift(buf);
      done(undefined, buf);
    };
    const onEnd = () => done();
    const onError = (e: unknown) => done(e);
    const onClose = () => done(body.errored ?? undefined);
    if (body.errored) return done(body.errored);
    if (body.readableEnded) return done();
    body.on('readable', onReadable);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onClose);
  });
}

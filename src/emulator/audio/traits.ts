// How a recording is stored and served: its original codec and content types, whether its download
// URL answers with a redirect. A pure function of (seed, recording id, options), so a batch result,
// a download and the oracle always agree.
import { hash32 } from '../random.js';

export type Codec = 'wav' | 'ogg' | 'opus' | 'webm';
export type Container = Codec | 'screen-webm' | 'json';

export interface MediaOptions {
  /** relative weights of the original codecs of audio recordings */
  codecs: Readonly<Record<Codec, number>>;
  /** share of downloads answered with a generic Content-Type */
  genericContentTypeShare: number;
  /** share of download URLs that answer 302 to the signed location */
  redirectShare: number;
}

export interface MediaTraits {
  container: Container;
  /** `contentType` of the batch result */
  contentType: string;
  /** file extension in the download URL */
  extension: string;
  /** Content-Type header of the download response */
  downloadContentType: string;
  /** the URL handed out answers 302 to the signed object-store location */
  redirect: boolean;
}

/** A number in [0, 1) from the recording id and a purpose. */
function draw(seedHash: number, id: string, purpose: string): number {
  return hash32(`${seedHash}:${purpose}:${id}`) / 4294967296;
}

const AUDIO: Record<Codec, { contentTypes: string[]; extension: string }> = {
  wav: { contentTypes: ['audio/wav'], extension: 'wav' },
  // Both spellings are seen for Ogg/Opus; the parameter form is what the codec-aware type looks like.
  ogg: { contentTypes: ['audio/ogg; codecs=opus', 'audio/ogg'], extension: 'ogg' },
  opus: { contentTypes: ['audio/opus'], extension: 'opus' },
  webm: { contentTypes: ['audio/webm'], extension: 'webm' },
};

const GENERIC = ['binary/octet-stream', 'application/octet-stream'];

export function codecOf(seedHash: number, id: string, weights: Readonly<Record<Codec, number>>): Codec {
  const entries = (Object.entries(weights) as [Codec, number][]).filter(([, w]) => w > 0);
  const total = entries.reduce((a, [, w]) => a + w, 0);
  if (total <= 0) return 'wav';
  let r = draw(seedHash, id, 'codec') * total;
  for (const [codec, w] of entries) {
    if (r < w) return codec;
    r -= w;
  }
  return (entries[entries.length - 1] as [Codec, number])[0];
}

export function mediaTraits(
  seedHash: number,
  recording: { id: string; media: string },
  o: MediaOptions,
): MediaTraits {
  const redirect = o.redirectShare > 0 && draw(seedHash, recording.id, 'redirect') < o.redirectShare;
  const generic = (specific: string) =>
    o.genericContentTypeShare > 0 && draw(seedHash, recording.id, 'generic') < o.genericContentTypeShare
      ? (GENERIC[hash32(`g:${recording.id}`) % GENERIC.length] as string)
      : specific;
  if (recording.media === 'screen') {
    return {
      container: 'screen-webm',
      contentType: 'video/webm',
      extension: 'webm',
      downloadContentType: 'video/webm',
      redirect,
    };
  }
  if (recording.media !== 'audio') {
    const json = 'application/json';
    return { container: 'json', contentType: json, extension: 'json', downloadContentType: json, redirect };
  }
  const codec = codecOf(seedHash, recording.id, o.codecs);
  const { contentTypes, extension } = AUDIO[codec];
  const contentType = contentTypes[hash32(`ct:${recording.id}`) % contentTypes.length] as string;
  return {
    container: codec,
    contentType,
    extension,
    downloadContentType: generic(contentType.split(';')[0] as string),
    redirect,
  };
}

/** The container a download path extension asks for (mediaUris of GET /recordings carry the format). */
export function containerOfExtension(extension: string): Codec | undefined {
  const found = (Object.entries(AUDIO) as [Codec, { extension: string }][]).find(
    ([, a]) => a.extension === extension,
  );
  return found?.[0];
}

export function extensionOf(codec: Codec): string {
  return AUDIO[codec].extension;
}

export function contentTypeOf(codec: Codec): string {
  return AUDIO[codec].contentTypes[0] as string;
}

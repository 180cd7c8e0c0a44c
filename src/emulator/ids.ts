// Reversible, random-looking ids. A conversation id encodes (local day, index) and a recording id
// encodes (local day, index, slot), masked with the seed, so the emulator can answer
// /conversations/{id}/recordingmetadata or a download for an id it has not generated yet in this
// process (e.g. after a restart of the sandbox) without any registry.
import { createRng, formatUuid, hash32, mix32, parseUuid } from './random.js';

export type IdKind = 'conversation' | 'recording';

const MAX_DAY = 0xffff;
const MAX_INDEX = 0xffffff;

const TAGS: Record<IdKind, number> = { conversation: hash32('conversation'), recording: hash32('recording') };

function words(seedHash: number, kind: IdKind, day: number, index: number) {
  const tag = TAGS[kind];
  const nonce = createRng(mix32(seedHash ^ tag ^ Math.imul(day, 0x9e3779b1)) ^ mix32(index + 1));
  const w0 = nonce.u32();
  const w1 = ((nonce.u32() & 0xffff0fff) | 0x00004000) >>> 0;
  const m2 = mix32(seedHash ^ w0 ^ tag);
  const m3 = mix32(m2 ^ w1);
  return { w0, w1, m2, m3 };
}

function check(seedHash: number, day: number, index: number, w0: number): number {
  return mix32(seedHash ^ Math.imul(day, 65537) ^ mix32(index) ^ w0) & 0x3fffff;
}

export function encodeId(seedHash: number, kind: IdKind, day: number, index: number): string {
  if (day < 0 || day > MAX_DAY || index < 0 || index > MAX_INDEX) throw new RangeError('id out of range');
  const { w0, w1, m2, m3 } = words(seedHash, kind, day, index);
  const hi = (day << 14) | (index >>> 10);
  const lo = (((index & 0x3ff) << 22) | check(seedHash, day, index, w0)) >>> 0;
  return formatUuid(w0, w1, (hi ^ (m2 & 0x3fffffff)) >>> 0, (lo ^ m3) >>> 0);
}

export function decodeId(
  seedHash: number,
  kind: IdKind,
  id: string,
): { day: number; index: number } | undefined {
  const w = parseUuid(id);
  if (!w) return undefined;
  const [w0, w1, w2, w3] = w;
  const tag = TAGS[kind];
  const m2 = mix32(seedHash ^ w0 ^ tag);
  const m3 = mix32(m2 ^ w1);
  const hi = ((w2 & 0x3fffffff) ^ (m2 & 0x3fffffff)) >>> 0;
  const lo = (w3 ^ m3) >>> 0;
  const day = hi >>> 14;
  const index = ((hi & 0x3fff) << 10) | (lo >>> 22);
  if ((lo & 0x3fffff) !== check(seedHash, day, index, w0)) return undefined;
  if (encodeId(seedHash, kind, day, index) !== id.toLowerCase()) return undefined;
  return { day, index };
}

/** Recording ids pack the slot (0..7) of the recording within its conversation into the index. */
export const RECORDING_SLOTS = 8;

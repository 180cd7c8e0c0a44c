// Ogg/Opus files (RFC 3533 pages, RFC 7845 Opus mapping): an OpusHead page, an OpusTags page, then
// audio pages of 50 packets (1 s) with 48 kHz granule positions; every page carries its CRC.
import { OPUS_VENDOR, opusHead, opusPackets, SAMPLES_PER_PACKET } from './opus-packets.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0, no final xor. */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++)
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ (bytes[i] as number)) & 0xff] as number)) >>> 0;
  return crc;
}

const PACKETS_PER_PAGE = 50;
const PAGE_HEADER = 27;

/** Lacing values of one packet: 255 for each full 255 bytes, then the rest (0 when it divides). */
function lacing(length: number): number[] {
  const out = new Array<number>(Math.floor(length / 255)).fill(255);
  out.push(length % 255);
  return out;
}

function page(
  packets: readonly Buffer[],
  o: { serial: number; sequence: number; granule: number; first?: boolean; last?: boolean },
): Buffer {
  const laces = packets.flatMap((p) => lacing(p.length));
  const bodyBytes = packets.reduce((n, p) => n + p.length, 0);
  const out = Buffer.alloc(PAGE_HEADER + laces.length + bodyBytes);
  out.write('OggS', 0, 'ascii');
  out[4] = 0; // stream structure version
  out[5] = (o.first ? 0x02 : 0) | (o.last ? 0x04 : 0);
  out.writeBigUInt64LE(BigInt(o.granule), 6);
  out.writeUInt32LE(o.serial, 14);
  out.writeUInt32LE(o.sequence, 18);
  out[26] = laces.length;
  let at = PAGE_HEADER;
  for (const l of laces) out[at++] = l;
  for (const p of packets) at += p.copy(out, at);
  out.writeUInt32LE(oggCrc(out), 22);
  return out;
}

function opusTags(): Buffer {
  const vendor = Buffer.from(OPUS_VENDOR, 'utf8');
  const comment = Buffer.from('ENCODER=audio-extract emulator', 'utf8');
  const out = Buffer.alloc(8 + 4 + vendor.length + 4 + 4 + comment.length);
  out.write('OpusTags', 0, 'ascii');
  out.writeUInt32LE(vendor.length, 8);
  vendor.copy(out, 12);
  const at = 12 + vendor.length;
  out.writeUInt32LE(1, at);
  out.writeUInt32LE(comment.length, at + 4);
  comment.copy(out, at + 8);
  return out;
}

/** The Ogg/Opus file of a recording, of about `targetBytes` (at least one audio packet). */
export function recordingOgg(
  seedHash: number,
  recordingId: string,
  targetBytes: number,
  serial: number,
): { bytes: Buffer; packets: number } {
  // Page headers amortised over 50 packets, plus one lacing byte per packet.
  const perPacket = 1 + Math.ceil(PAGE_HEADER / PACKETS_PER_PAGE);
  const headers = 2 * PAGE_HEADER + 2 + 19 + 60;
  const { channels, packets } = opusPackets(seedHash, recordingId, targetBytes - headers, perPacket);
  const pages: Buffer[] = [
    page([opusHead(channels)], { serial, sequence: 0, granule: 0, first: true }),
    page([opusTags()], { serial, sequence: 1, granule: 0 }),
  ];
  for (let first = 0, sequence = 2; first < packets.length; first += PACKETS_PER_PAGE, sequence++) {
    const chunk = packets.slice(first, first + PACKETS_PER_PAGE);
    const done = first + chunk.length;
    pages.push(
      page(chunk, { serial, sequence, granule: done * SAMPLES_PER_PACKET, last: done >= packets.length }),
    );
  }
  return { bytes: Buffer.concat(pages), packets: packets.length };
}

// WebM files with one Opus audio track (the Matroska subset WebM allows): EBML header with DocType
// "webm", Segment with Info, Tracks (A_OPUS, OpusHead as CodecPrivate) and Clusters of SimpleBlocks of
// at most 5 s each. Element sizes are written with the shortest EBML variable-length integer.
import { OPUS_VENDOR, opusHead, opusPackets, PRE_SKIP } from './opus-packets.js';

/** EBML variable-length size: the shortest of 1..8 bytes (all-ones values are reserved for "unknown"). */
function vsize(n: number): Buffer {
  for (let len = 1; len <= 8; len++) {
    if (n < 2 ** (7 * len) - 1) {
      const out = Buffer.alloc(len);
      let v = n;
      for (let i = len - 1; i >= 0; i--) {
        out[i] = v % 256;
        v = Math.floor(v / 256);
      }
      out[0] = (out[0] as number) | (0x80 >> (len - 1));
      return out;
    }
  }
  throw new RangeError(`EBML size too large: ${n}`);
}

function element(id: number, data: Buffer | readonly Buffer[]): Buffer {
  const idBytes = Buffer.from(
    id.toString(16).padStart(id > 0xffffff ? 8 : id > 0xffff ? 6 : id > 0xff ? 4 : 2, '0'),
    'hex',
  );
  const body = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
  return Buffer.concat([idBytes, vsize(body.length), body]);
}

function uint(id: number, value: number): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return element(id, Buffer.from(hex, 'hex'));
}

function float(id: number, value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(value);
  return element(id, b);
}

const text = (id: number, value: string) => element(id, Buffer.from(value, 'utf8'));

const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  CodecDelay: 0x56aa,
  SeekPreRoll: 0x56bb,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
} as const;

const PACKET_MS = 20;
const PACKETS_PER_CLUSTER = 250; // 5 s: relative block timecodes stay far below int16
/** SimpleBlock overhead: ID (1) + size (1) + track number (1) + relative timecode (2) + flags (1). */
const BLOCK_OVERHEAD = 6;
/** Cluster overhead: ID (4) + size (up to 4) + Timecode element (up to 6). */
const CLUSTER_OVERHEAD = 14;

function header(channels: 1 | 2, packets: number, trackUid: number): { ebml: Buffer; segmentHead: Buffer } {
  const ebml = element(ID.EBML, [
    uint(ID.EBMLVersion, 1),
    uint(ID.EBMLReadVersion, 1),
    uint(ID.EBMLMaxIDLength, 4),
    uint(ID.EBMLMaxSizeLength, 8),
    text(ID.DocType, 'webm'),
    uint(ID.DocTypeVersion, 4),
    uint(ID.DocTypeReadVersion, 2),
  ]);
  const info = element(ID.Info, [
    uint(ID.TimecodeScale, 1_000_000), // ms
    text(ID.MuxingApp, OPUS_VENDOR),
    text(ID.WritingApp, OPUS_VENDOR),
    float(ID.Duration, packets * PACKET_MS),
  ]);
  const tracks = element(ID.Tracks, [
    element(ID.TrackEntry, [
      uint(ID.TrackNumber, 1),
      uint(ID.TrackUID, trackUid),
      uint(ID.TrackType, 2), // audio
      text(ID.CodecID, 'A_OPUS'),
      element(ID.CodecPrivate, opusHead(channels)),
      uint(ID.CodecDelay, Math.round((PRE_SKIP / 48_000) * 1e9)), // ns
      uint(ID.SeekPreRoll, 80_000_000), // 80 ms, as the Matroska Opus mapping recommends
      element(ID.Audio, [float(ID.SamplingFrequency, 48_000), uint(ID.Channels, channels)]),
    ]),
  ]);
  return { ebml, segmentHead: Buffer.concat([info, tracks]) };
}

/** The WebM/Opus file of a recording, of about `targetBytes` (at least one packet). */
export function recordingWebm(
  seedHash: number,
  recordingId: string,
  targetBytes: number,
  trackUid: number,
): { bytes: Buffer; packets: number } {
  const fixed = header(1, 0, trackUid);
  const perPacket = BLOCK_OVERHEAD + Math.ceil(CLUSTER_OVERHEAD / PACKETS_PER_CLUSTER);
  const budget = targetBytes - fixed.ebml.length - fixed.segmentHead.length - 12;
  const { channels, packets } = opusPackets(seedHash, recordingId, budget, perPacket);
  const clusters: Buffer[] = [];
  for (let first = 0; first < packets.length; first += PACKETS_PER_CLUSTER) {
    const chunk = packets.slice(first, first + PACKETS_PER_CLUSTER);
    const blocks: Buffer[] = [uint(ID.Timecode, first * PACKET_MS)];
    chunk.forEach((frame, k) => {
      const block = Buffer.allocUnsafe(4 + frame.length);
      block[0] = 0x81; // track number 1 as a 1-byte vint
      block.writeInt16BE(k * PACKET_MS, 1);
      block[3] = 0x80; // keyframe: every Opus packet decodes on its own
      frame.copy(block, 4);
      blocks.push(element(ID.SimpleBlock, block));
    });
    clusters.push(element(ID.Cluster, blocks));
  }
  const { ebml, segmentHead } = header(channels, packets.length, trackUid);
  return {
    bytes: Buffer.concat([ebml, element(ID.Segment, [segmentHead, ...clusters])]),
    packets: packets.length,
  };
}

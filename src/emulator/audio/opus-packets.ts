// Opus packets for the Ogg and WebM files of the original-codec mode. Like the WAV files (wav.ts), a
// recording is a seeded sequence of bursts from a bank synthesised once per seed and channel layout; here
// each burst of that bank is encoded once with libopus (opusscript, WebAssembly) at 8 kHz in VOIP mode,
// as a telephony trunk would record it, and a recording strings encoded bursts together. Serving a file
// then costs byte copies, not an encoder run. Packets of different bursts come from different encoder
// runs, so a decoder hears a small click between bursts; every packet is still valid Opus.
import OpusScript from 'opusscript';
import { createRng, hash32 } from '../random.js';
import { bankFor } from './wav.js';

export const OPUS_VENDOR = 'audio-extract emulator (libopus via opusscript)';
/** 20 ms at Opus's fixed 48 kHz granule rate. */
export const SAMPLES_PER_PACKET = 960;
/** Opus's standard encoder delay, in 48 kHz samples (RFC 7845 §5.1 example value). */
export const PRE_SKIP = 312;
const FRAME = 160; // 20 ms at 8 kHz

const encoded = new Map<string, Buffer[][]>();

/** Every burst of the WAV bank, encoded to 20 ms Opus packets (the last frame padded with silence). */
function opusBank(seedHash: number, channels: 1 | 2): Buffer[][] {
  const key = `${seedHash}:${channels}`;
  let bank = encoded.get(key);
  if (bank) return bank;
  const encoder = new OpusScript(8000, channels, OpusScript.Application.VOIP);
  encoder.setBitrate(channels === 2 ? 24_000 : 16_000);
  const frameBytes = FRAME * channels * 2;
  bank = bankFor(seedHash, channels).bursts.map((pcm) => {
    const packets: Buffer[] = [];
    for (let at = 0; at < pcm.length; at += frameBytes) {
      const frame = Buffer.alloc(frameBytes);
      pcm.copy(frame, 0, at, Math.min(pcm.length, at + frameBytes));
      packets.push(encoder.encode(frame, FRAME));
    }
    return packets;
  });
  encoder.delete();
  encoded.set(key, bank);
  return bank;
}

export interface OpusPackets {
  channels: 1 | 2;
  packets: Buffer[];
}

/**
 * The packets of one recording, a pure function of (seed, recording id): as many as fit in
 * `budgetBytes`, counting `overheadPerPacket` container bytes for each (at least one packet).
 */
export function opusPackets(
  seedHash: number,
  recordingId: string,
  budgetBytes: number,
  overheadPerPacket: number,
): OpusPackets {
  const rng = createRng(seedHash ^ hash32(`opus:${recordingId}`));
  const channels: 1 | 2 = rng.chance(0.5) ? 2 : 1;
  const bank = opusBank(seedHash, channels);
  const packets: Buffer[] = [];
  let used = 0;
  for (;;) {
    const burst = bank[rng.int(0, bank.length - 1)] as Buffer[];
    for (const p of burst) {
      const cost = p.length + overheadPerPacket;
      if (packets.length > 0 && used + cost > budgetBytes) return { channels, packets };
      packets.push(p);
      used += cost;
    }
  }
}

/** The 19-byte OpusHead of RFC 7845 §5.1 (also the CodecPrivate of a WebM Opus track). */
export function opusHead(channels: 1 | 2, inputSampleRate = 8000): Buffer {
  const h = Buffer.alloc(19);
  h.write('OpusHead', 0, 'ascii');
  h[8] = 1; // version
  h[9] = channels;
  h.writeUInt16LE(PRE_SKIP, 10);
  h.writeUInt32LE(inputSampleRate, 12);
  h.writeInt16LE(0, 16); // output gain
  h[18] = 0; // channel mapping family 0: mono or stereo
  return h;
}

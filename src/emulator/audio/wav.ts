// Playable, deterministic audio: RIFF/WAVE PCM 8 kHz 16-bit, mono or stereo, made of tone bursts
// ("speech") separated by low noise ("silence").
//
// The emulator stands in for an object store, which serves a file for next to no CPU. Synthesising
// every sample per download cost about 30 ms per megabyte, which on a small machine starved the client
// under test (docs/performance.md). So each emulator synthesises a bank of bursts once per seed and
// channel layout, and a recording is its header plus bursts picked and cut by a PRNG seeded by the
// recording id: byte copies, still unique per recording and a pure function of (seed, recording id).
import { createRng, hash32, type Rng } from '../random.js';

const SAMPLE_RATE = 8000;
const HEADER_BYTES = 44;
/** Bursts per bank: enough that two recordings never share a sequence of them. */
const BANK_SIZE = 48;

export function wavHeader(dataBytes: number, channels: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  const blockAlign = channels * 2;
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16); // PCM fmt chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

interface Bank {
  /** PCM bytes of each burst, whole frames, little-endian */
  bursts: Buffer[];
}

const banks = new Map<string, Bank>();

/** Synthesised once per (seed, channels) and kept: 48 bursts of 0.1–0.5 s, ≈ 0.3 MB for stereo. */
export function bankFor(seedHash: number, channels: 1 | 2): Bank {
  const key = `${seedHash}:${channels}`;
  const cached = banks.get(key);
  if (cached) return cached;
  const rng = createRng(seedHash ^ hash32(`audio-bank:${channels}`));
  const bursts: Buffer[] = [];
  for (let b = 0; b < BANK_SIZE; b++) bursts.push(synthesiseBurst(rng, channels, b % channels));
  const bank = { bursts };
  banks.set(key, bank);
  return bank;
}

/** One burst: a tone with an overtone and a fade in and out ("talking"), or low noise alone. */
function synthesiseBurst(rng: Rng, channels: 1 | 2, speaker: number): Buffer {
  const frames = rng.int(800, 4000); // 0.1 – 0.5 s
  const talking = rng.chance(0.7);
  const freq = 180 + rng.int(0, 260) + speaker * 90;
  const amp = talking ? rng.int(3000, 9000) : 0;
  const out = Buffer.alloc(frames * channels * 2);
  let offset = 0;
  for (let i = 0; i < frames; i++) {
    const t = i / SAMPLE_RATE;
    const envelope = Math.min(1, i / 200, (frames - i) / 200);
    const voice =
      amp * envelope * (Math.sin(2 * Math.PI * freq * t) + 0.3 * Math.sin(4 * Math.PI * freq * t));
    const noise = (rng.next() - 0.5) * 200;
    for (let ch = 0; ch < channels; ch++) {
      const own = channels === 1 || ch === speaker;
      out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round((own ? voice : 0) + noise))), offset);
      offset += 2;
    }
  }
  return out;
}

/** The WAV of a recording; total size is within [min, max]. */
export function recordingWav(
  seedHash: number,
  recordingId: string,
  size: { min: number; max: number },
): Buffer {
  const rng = createRng(seedHash ^ hash32(`audio:${recordingId}`));
  const channels = rng.chance(0.5) ? 2 : 1;
  const blockAlign = channels * 2;
  const target = rng.int(size.min, size.max);
  let dataBytes = Math.floor((target - HEADER_BYTES) / blockAlign) * blockAlign;
  if (HEADER_BYTES + dataBytes < size.min) dataBytes += blockAlign;
  // Every byte is written below (header, then bursts until the end), so no zero-fill is needed.
  const out = Buffer.allocUnsafe(HEADER_BYTES + dataBytes);
  wavHeader(dataBytes, channels).copy(out, 0);
  const { bursts } = bankFor(seedHash, channels);
  let offset = HEADER_BYTES;
  // The first burst starts at a random frame, so even the opening bytes differ between recordings.
  let skip = rng.int(0, 799) * blockAlign;
  while (offset < out.length) {
    const burst = bursts[rng.int(0, bursts.length - 1)]!;
    offset += burst.copy(out, offset, skip);
    skip = 0;
  }
  return out;
}

/**
 * Screen recordings: the emulator cannot encode video. It serves a WebM-labelled byte string that starts
 * with the EBML magic number (so content sniffers see "webm") followed by seeded filler. Not playable.
 */
export function screenPlaceholder(
  seedHash: number,
  recordingId: string,
  size: { min: number; max: number },
): Buffer {
  const rng = createRng(seedHash ^ hash32(`screen:${recordingId}`));
  const out = Buffer.alloc(rng.int(size.min, size.max));
  out.writeUInt32BE(0x1a45dfa3, 0);
  for (let i = 4; i < out.length; i++) out[i] = rng.u32() & 0xff;
  return out;
}

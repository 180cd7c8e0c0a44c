// Playable, deterministic audio: RIFF/WAVE PCM 8 kHz 16-bit, mono or stereo, made of tone bursts
// ("speech") separated by low noise ("silence"), all from a PRNG seeded by the recording id.
import { createRng, hash32 } from '../random.js';

const SAMPLE_RATE = 8000;
const HEADER_BYTES = 44;

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
  const frames = dataBytes / blockAlign;
  const out = Buffer.alloc(HEADER_BYTES + dataBytes);
  wavHeader(dataBytes, channels).copy(out, 0);

  let frame = 0;
  let offset = HEADER_BYTES;
  let speaker = 0;
  while (frame < frames) {
    const burst = Math.min(frames - frame, rng.int(800, 4000)); // 0.1 – 0.5 s
    const talking = rng.chance(0.7);
    const freq = 180 + rng.int(0, 260) + speaker * 90;
    const amp = talking ? rng.int(3000, 9000) : 0;
    for (let i = 0; i < burst; i++, frame++) {
      const t = frame / SAMPLE_RATE;
      const envelope = Math.min(1, i / 200, (burst - i) / 200);
      const voice =
        amp * envelope * (Math.sin(2 * Math.PI * freq * t) + 0.3 * Math.sin(4 * Math.PI * freq * t));
      const noise = (rng.next() - 0.5) * 200;
      for (let ch = 0; ch < channels; ch++) {
        const own = channels === 1 || ch === speaker;
        const v = Math.max(-32768, Math.min(32767, Math.round((own ? voice : 0) + noise)));
        out.writeInt16LE(v, offset);
        offset += 2;
      }
    }
    if (talking && rng.chance(0.5)) speaker = 1 - speaker;
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

// Seeded randomness written here (no dependency): a string hash, the mulberry32 PRNG and UUID formatting.
// Everything the emulator generates must be a pure function of (seed, local day, index).

/** 32-bit FNV-1a over the UTF-16 code units, then avalanched. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** murmur3 finalizer: spreads every input bit over the output. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Rng {
  /** uniform [0, 1) */
  next(): number;
  /** uniform 32-bit unsigned */
  u32(): number;
  /** integer in [min, max] */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  uuid(): string;
}

// A class, not closures: tens of thousands of generators are created per generated day, and per-instance
// closures (plus the name helpers tsx adds to each) dominated the profile.
class Mulberry32 implements Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  next(): number {
    return this.u32() / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  uuid(): string {
    return formatUuid(this.u32(), this.u32(), this.u32(), this.u32());
  }
}

export function createRng(seed: number | string): Rng {
  return new Mulberry32(typeof seed === 'number' ? seed : hash32(seed));
}

// UUIDs are built from char codes into one flat string: concatenating pieces makes V8 keep a rope of
// ~12 cons cells per id (7x the memory, and most of the GC time of a 20,000-conversation day).
const HEX_CODES = Array.from({ length: 16 }, (_, i) => i.toString(16).charCodeAt(0));
const UUID_CODES: number[] = new Array(36).fill(45); // '-'

function putWord(w: number, at: number, dash: number): void {
  let p = at;
  for (let shift = 28; shift >= 0; shift -= 4) {
    if (p === dash) p++;
    UUID_CODES[p++] = HEX_CODES[(w >>> shift) & 15] as number;
  }
}

/** Formats four words as a version-4 UUID (version and variant bits are forced). */
export function formatUuid(w0: number, w1: number, w2: number, w3: number): string {
  putWord(w0, 0, -1);
  putWord((w1 & 0xffff0fff) | 0x00004000, 9, 13);
  putWord((w2 & 0x3fffffff) | 0x80000000, 19, 23);
  putWord(w3, 28, -1);
  return String.fromCharCode.apply(null, UUID_CODES);
}

/** The four 32-bit words of a UUID string, or undefined when it is not one. */
export function parseUuid(id: string): [number, number, number, number] | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const h = id.replace(/-/g, '');
  return [0, 8, 16, 24].map((i) => Number.parseInt(h.slice(i, i + 8), 16)) as [
    number,
    number,
    number,
    number,
  ];
}

/** Stable UUID for a name (queues, agents, flows): same input, same id, whatever the seed. */
export function uuidFor(name: string): string {
  const r = createRng(name);
  return r.uuid();
}

/** In-place Fisher-Yates shuffle. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  }
  return items;
}

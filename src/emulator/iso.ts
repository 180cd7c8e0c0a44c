// Fast ISO-8601 UTC formatting (same output as Date#toISOString for 1970-9999). Rendering a
// 20,000-conversation day formats ~1M instants: Date#toISOString, and ropes from string concatenation,
// were the largest costs of generation. The string is built from char codes, flat.
const DAY_MS = 86_400_000;
const CODES: number[] = new Array(24).fill(0);
const ZERO = 48;
let cachedDay = Number.NaN;

function two(at: number, n: number): void {
  CODES[at] = ZERO + Math.floor(n / 10);
  CODES[at + 1] = ZERO + (n % 10);
}

export function iso(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= 253402300800000) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    const prefix = new Date(day * DAY_MS).toISOString();
    for (let i = 0; i < 11; i++) CODES[i] = prefix.charCodeAt(i);
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  two(11, (rest - min) / 60);
  CODES[13] = 58; // ':'
  two(14, min);
  CODES[16] = 58;
  two(17, sec);
  CODES[19] = 46; // '.'
  CODES[20] = ZERO + Math.floor(milli / 100);
  two(21, milli % 100);
  CODES[23] = 90; // 'Z'
  return String.fromCharCode.apply(null, CODES);
}

// Byte counts for people (error messages, doctor): decimal units, as disks and cloud bills count them.

const UNITS = ['bytes', 'kB', 'MB', 'GB', 'TB'] as const;

/** 999 → "999 bytes", 1_234_567 → "1.2 MB", 5e12 → "5.0 TB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

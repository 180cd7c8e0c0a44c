// Types for bin/dist.js (plain JavaScript: it runs before anything can compile TypeScript).
export function sourceStamp(root: string): [path: string, size: number, mtimeMs: number][];
export function distIsFresh(root: string): boolean;
export function buildDist(root: string): Promise<number>;

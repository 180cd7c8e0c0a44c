#!/usr/bin/env node
// Builds dist/db-image/: the image a new embedded database starts from instead of PGlite's initdb
// (src/store/db-image.ts, docs/decisions/0014-names-and-the-first-hour.md). bin/dist.js runs it after
// building dist/, so `npm ci`, `npm install` and `npm run build` all leave one in place.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import './baseline-wasm.js';
import { distIsFresh } from './dist.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let buildDatabaseImage;
if (distIsFresh(root)) {
  ({ buildDatabaseImage } = await import('../dist/src/cli/database-image.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ buildDatabaseImage } = await import('../src/cli/database-image.ts'));
}
const started = performance.now();
const info = await buildDatabaseImage(path.join(root, 'dist', 'db-image'));
process.stdout.write(
  `audio-extract: built dist/db-image/ (PGlite ${info.pglite}, migrations up to ${info.migrations.at(-1)?.tag ?? 'none'}) in ${Math.round(performance.now() - started)} ms\n`,
);

#!/usr/bin/env node
// Runs the CLI from dist/ (compiled by `npm ci`, see bin/dist.js) while dist/ matches the sources, and
// otherwise the TypeScript sources directly through tsx's loader, so `npx audio-extract` works right
// after `npm ci` and after any edit (docs/decisions/0001-typescript-without-build.md, 0007-compiled-dist.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import './baseline-wasm.js';
import { distIsFresh } from './dist.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let main;
if (process.env.AUDIO_EXTRACT_FROM_SOURCE !== '1' && distIsFresh(root)) {
  ({ main } = await import('../dist/src/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));

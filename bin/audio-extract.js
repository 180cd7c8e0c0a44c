#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader, so `npx audio-extract` works right after `npm ci`
// with no build step (Node 20 cannot strip types itself; see docs/decisions/0001-typescript-without-build.md).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

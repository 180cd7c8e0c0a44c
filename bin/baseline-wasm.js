// Imported first by the entry points. The embedded database (PGlite) is WebAssembly: V8 compiles it
// with its baseline compiler and then re-optimises the functions that run hot, which on Node 24 took a
// 1,070-recording run from ~380 MB to ~930 MB of memory and made it no faster (Node 20: ~380 → ~350 MB).
// Baseline code only: docs/decisions/0018-baseline-wasm.md. Set before any WebAssembly is compiled.
import v8 from 'node:v8';

v8.setFlagsFromString('--no-wasm-tier-up');
v8.setFlagsFromString('--no-wasm-dynamic-tiering');

// Where a CLI run's memory goes: samples process.memoryUsage() every 250 ms and, on exit, prints to
// stderr the sample with the highest RSS and about twenty samples spread over the run (RSS, V8 heap
// total and used, external memory, which holds PGlite's WebAssembly memory), in MB.
//
//   BENCH_CLI_NODE_OPTIONS="--import=$PWD/bench/memory.mjs" npx tsx bench/timeline.ts 20000 metadata
//
// (bench/ours.ts passes BENCH_CLI_NODE_OPTIONS to the CLI as NODE_OPTIONS, and bench/timeline.ts prints
// what it writes on stderr after the timeline.) A heap total that climbs while the heap in use after
// each collection stays put is garbage waiting for a full collection, not a leak: a heap snapshot
// (`--heapsnapshot-signal=SIGUSR2`) tells the two apart. Only `run` commands are measured.
import { writeSync } from 'node:fs';

const EVERY_MS = 250;
const ROWS = 20;

if (process.argv.includes('run')) {
  const started = performance.now();
  /** @type {{ t: number, rss: number, heapTotal: number, heapUsed: number, external: number }[]} */
  const samples = [];
  const mb = (bytes) => Math.round(bytes / 2 ** 20);
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({
      t: (performance.now() - started) / 1000,
      rss: mb(m.rss),
      heapTotal: mb(m.heapTotal),
      heapUsed: mb(m.heapUsed),
      external: mb(m.external),
    });
  };
  sample();
  setInterval(sample, EVERY_MS).unref();
  process.on('exit', () => {
    sample();
    const row = (s) =>
      `${s.t.toFixed(1).padStart(7)} s  rss ${String(s.rss).padStart(4)}  heap ${String(s.heapTotal).padStart(4)} ` +
      `(used ${String(s.heapUsed).padStart(4)})  external ${String(s.external).padStart(4)}`;
    const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a));
    const step = Math.max(1, Math.floor(samples.length / ROWS));
    const lines = [
      `memory (MB, sampled every ${EVERY_MS} ms; ${samples.length} samples)`,
      `peak  ${row(peak)}`,
      ...samples.filter((_, i) => i % step === 0 || i === samples.length - 1).map((s) => `      ${row(s)}`),
    ];
    writeSync(2, `${lines.join('\n')}\n`);
  });
}

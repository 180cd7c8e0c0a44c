// A per-second timeline of what one run of ours asked the emulator, to see where a run waits:
//
//   npx tsx bench/timeline.ts [conversations=1000] [metadata|conversation] [rate=1800]
//
// Prints the wall time, process start → first request, then one line per second of the run with the
// requests started in it by kind (query pages, metadata, batch submit/poll, downloads). Same emulator
// knobs as `npm run bench`. BENCH_CLI_NODE_OPTIONS is passed to the CLI as NODE_OPTIONS (e.g. an
// --import of a profiler, of bench/pglite-statements.mjs or of bench/memory.mjs), and what such an
// import prints on the CLI's stderr is printed after the timeline.
import { DateTime } from 'luxon';
import { startEmulatorProcess } from './emulator.js';
import { runOurs } from './ours.js';

const conversations = Number(process.argv[2] ?? 1000);
const mode = (process.argv[3] ?? 'metadata') as 'metadata' | 'conversation';
const rate = Number(process.argv[4] ?? 1800);
const date = DateTime.now().setZone('America/Lima').minus({ days: 3 }).toISODate()!;
const emu = await startEmulatorProcess(
  {
    seed: 'bench',
    conversationsPerDay: conversations,
    ratePerMinute: rate,
    latencyMs: { mean: 40, jitter: 20 },
    batchJobDurationMs: { min: 1000, max: 5000 },
    audioBytes: { min: 100_000, max: 1_000_000 },
  },
  process.cwd(),
);
try {
  // As `npm run bench` does: the emulator builds the day (and its neighbours) before the run, not during it.
  await emu.warm(date);
  const r = await runOurs({
    cwd: process.cwd(),
    baseUrl: emu.url,
    queueIds: emu.queueIds,
    date,
    ratePerMinute: rate,
    lookup: mode,
  });
  const journal = await emu.journal();
  const t0 = Math.min(...journal.map((e) => e.t));
  const kind = (k: string) =>
    k.includes('/s3/')
      ? 'download'
      : k.includes('recordingmetadata')
        ? 'metadata'
        : k.includes('batchrequests/')
          ? 'poll'
          : k.includes('batchrequests')
            ? 'submit'
            : k.includes('details/query')
              ? 'query'
              : 'other';
  const seconds = new Map<number, Record<string, number>>();
  for (const e of journal) {
    const s = Math.floor((e.t - t0) / 1000);
    const row = seconds.get(s) ?? {};
    row[kind(e.k)] = (row[kind(e.k)] ?? 0) + 1;
    seconds.set(s, row);
  }
  console.log(
    `exit ${r.exitCode}, ${r.downloaded} downloaded, wall ${(r.wallMs / 1000).toFixed(1)} s, ` +
      `start → first request ${((t0 - r.spawnedAt) / 1000).toFixed(1)} s, database creation before ${(r.dbCreateMs / 1000).toFixed(1)} s`,
  );
  for (const [s, row] of [...seconds].sort((a, b) => a[0] - b[0])) {
    console.log(`${String(s).padStart(4)} s  ${JSON.stringify(row)}`);
  }
  // What an --import in BENCH_CLI_NODE_OPTIONS printed (e.g. bench/pglite-statements.mjs), without the
  // JSON log lines.
  if (process.env.BENCH_CLI_NODE_OPTIONS) {
    for (const line of r.stderrTail.split('\n')) if (line && !line.startsWith('{')) console.log(line);
  }
} finally {
  await emu.stop();
}

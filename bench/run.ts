// `npm run bench`: audio-extract against the seed job's flow on the same emulated day (issue #5).
// Not a test (STYLE §18): it prints figures and ratios, writes bench/results/<timestamp>.json and
// bench/results/latest.md, and exits 0 whatever the times are (1 only if the bench itself broke).
//
//   npm run bench                                   # 3,000 conversations, 1,800 req/min, + scaling
//   npm run bench -- --conversations 1000 --rate 1200 --skip-seed
//   npm run bench -- --scaling-only --sizes 1000,5000,20000
//   npm run bench -- --skip-seed --skip-scaling --skip-storage
//   npm run bench -- --scale-out-only --database-url postgres://…   # run alone, then 1 and 3 workers
//
// Every scenario gets its own emulator process (bench/emulator-process.ts) with the same seed and
// knobs, so each sees the same day, an empty journal and a fresh rate-limit window. The seed flow is
// sequential and spends almost all its time waiting on the server (≈ 1.3 requests/s measured), so it runs in the
// background next to the other scenarios; see docs/performance.md for what that costs the timings.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { bucketReader } from '../test/support/s3-bucket.js';
import { startLocalS3 } from '../test/support/s3-server.js';
import { type EmulatorKnobs, startEmulatorProcess } from './emulator.js';
import { journalFigures, METADATA } from './metrics.js';
import { runOurs } from './ours.js';
import { runPlainDownload } from './plain-download.js';
import {
  type Derived,
  derive,
  fmt,
  mixTable,
  type ScalingRow,
  type Scenario,
  scalingTable,
  scenarioTable,
  type Target,
  targetTable,
} from './report.js';
import { type ScaleOutRow, scaleOutNote, scaleOutRun, scaleOutTable } from './scale-out.js';
import type { SeedFlowResult } from './seed-flow.js';
import type { DayMix } from './types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '3000' },
    rate: { type: 'string', default: '1800' },
    date: { type: 'string' },
    'data-seed': { type: 'string', default: 'bench' },
    parallel: { type: 'string', default: '8' },
    sizes: { type: 'string', default: '1000,5000,20000' },
    'skip-seed': { type: 'boolean', default: false },
    'skip-scaling': { type: 'boolean', default: false },
    'skip-storage': { type: 'boolean', default: false },
    'scaling-only': { type: 'boolean', default: false },
    // Scale-out (issue 19): the same day worked by each number of `worker` processes in --workers, in
    // that order, on PostgreSQL (--database-url, or TEST_DATABASE_URL: a database is made and dropped
    // per run).
    'scale-out': { type: 'boolean', default: false },
    'scale-out-only': { type: 'boolean', default: false },
    workers: { type: 'string', default: '0,1,3' },
    'database-url': { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'results') },
  },
});
const positiveInt = (name: string, raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1, got "${raw}"`);
  return n;
};
const conversations = positiveInt('conversations', values.conversations);
const rate = positiveInt('rate', values.rate);
const parallel = positiveInt('parallel', values.parallel);
const sizes = values.sizes.split(',').map((s) => positiveInt('sizes', s.trim()));
// 0 workers: `run` alone on PostgreSQL, taking its own batches (the one-process figure to compare with).
const scaleWorkers = values.workers
  .split(',')
  .map((w) => (w.trim() === '0' ? 0 : positiveInt('workers', w.trim())));
if (values['database-url']) process.env.TEST_DATABASE_URL = values['database-url'];
const date = values.date ?? DateTime.now().setZone('America/Lima').minus({ days: 3 }).toISODate()!;
const knobs = (perDay: number): EmulatorKnobs => ({
  seed: values['data-seed'],
  conversationsPerDay: perDay,
  ratePerMinute: rate,
  latencyMs: { mean: 40, jitter: 20 },
  batchJobDurationMs: { min: 1000, max: 5000 },
  audioBytes: { min: 100_000, max: 1_000_000 },
});

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  ramGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  loadAverageAtEnd: [] as number[],
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  commit: git(['rev-parse', '--short', 'HEAD']),
  dirtyFiles: git(['status', '--porcelain']).split('\n').filter(Boolean).length,
};

async function oursScenario(
  name: string,
  lookup: 'metadata' | 'conversation',
  perDay = conversations,
  storage?: Parameters<typeof runOurs>[0]['storage'],
): Promise<{ s: Scenario; mix: DayMix }> {
  const emu = await startEmulatorProcess(knobs(perDay), ROOT);
  try {
    const mix = await emu.day(date, emu.queueIds);
    const warmed = await emu.warm(date);
    log(
      `${name}: ${mix.agentHandled} agent-handled conversations (emulator warmed: ${warmed.conversations} conversations in ${warmed.ms} ms), running the CLI…`,
    );
    const r = await runOurs({
      cwd: ROOT,
      baseUrl: emu.url,
      queueIds: emu.queueIds,
      date,
      ratePerMinute: rate,
      lookup,
      storage,
    });
    const journal = journalFigures(await emu.journal(), rate);
    const s: Scenario = {
      name,
      status: r.exitCode === 0 ? 'ok' : 'failed',
      exitCode: r.exitCode,
      wallMs: r.wallMs,
      downloaded: r.downloaded,
      bytes: r.bytes,
      journal,
      peakRssMb: r.peakRssMb,
      dbCreateMs: r.dbCreateMs,
      dbCreatePeakRssMb: r.dbCreatePeakRssMb,
      phasesMs: {
        startup: journal.firstRequestAt - r.spawnedAt,
        work: journal.lastResponseAt - journal.firstRequestAt,
        exit: r.exitedAt - journal.lastResponseAt,
      },
      note: r.exitCode === 0 ? `RSS from ${r.rssSource}` : `${r.error ?? ''} ${r.stderrTail}`.trim(),
    };
    // The config accepts RECORDING_LOOKUP=conversation; if the build still looks up every recorded
    // conversation's metadata, this is not conversation mode and is reported as such.
    if (lookup === 'conversation' && (journal.byEndpoint[METADATA] ?? 0) >= mix.recorded * 0.5) {
      s.status = 'not implemented';
      s.note = `RECORDING_LOOKUP=conversation was accepted but the run made ${journal.byEndpoint[METADATA]} recording-metadata calls for ${mix.recorded} recorded conversations: the metadata path ran`;
    }
    log(
      `${name}: ${s.status}, ${fmt.sec(r.wallMs)}, ${r.downloaded} downloaded, ${journal.apiCalls} API calls`,
    );
    return { s, mix };
  } finally {
    await emu.stop();
  }
}

/**
 * The object-storage scenario: conversation mode again (the fewest API calls, so the downloads and their
 * storing are most of the run), with STORAGE_URL pointing at a local S3 server (s3rver, in this process,
 * behind the tests' fault proxy without faults) on the same disk. Compared with the local-disk
 * conversation run, same day, same bench run.
 */
async function storageScenario(): Promise<Scenario> {
  // The bench's own S3 client (counting what was stored) runs on this Node; the SDK's notice about
  // Node 20 support is not a figure.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const s3 = await startLocalS3({ buckets: ['bench'] });
  const bucket = bucketReader(s3, 'bench');
  try {
    const { s } = await oursScenario('ours (conversation) → S3', 'conversation', conversations, {
      env: s3.env('bench', 'audio'),
      // From the manifest in the bucket: s3rver 3.7.1 cannot list past 1,000 keys on OpenSSL 3 (its
      // continuation token is DES-encrypted; ADR 0012), and a day has more recordings than that.
      storedBytes: async (day) => {
        const lines = (await bucket.bytes(`audio/${day}/manifest.jsonl`)).toString('utf8').split('\n');
        let bytes = 0;
        for (const l of lines) if (l) bytes += (JSON.parse(l) as { bytes: number | null }).bytes ?? 0;
        return bytes;
      },
    });
    return s;
  } finally {
    bucket.close();
    await s3.close();
  }
}

/** Bytes per second stored into S3 against the local disk, over the whole run and while downloading. */
function storageComparison(rows: { s: Scenario; d: Derived }[]) {
  const local = rows.find((r) => r.s.name === 'ours (conversation)');
  const s3 = rows.find((r) => r.s.name === 'ours (conversation) → S3');
  if (!local || !s3 || local.s.status !== 'ok' || s3.s.status !== 'ok') return undefined;
  const perWall = (r: { s: Scenario }) => (r.s.bytes ?? 0) / 1e6 / ((r.s.wallMs ?? 1) / 1000);
  return {
    localMBpsWall: perWall(local),
    s3MBpsWall: perWall(s3),
    ratioWall: perWall(s3) / perWall(local),
    localMBpsBusy: local.d.downloadMBpsBusy,
    s3MBpsBusy: s3.d.downloadMBpsBusy,
    ratioBusy:
      local.d.downloadMBpsBusy && s3.d.downloadMBpsBusy
        ? s3.d.downloadMBpsBusy / local.d.downloadMBpsBusy
        : undefined,
  };
}

async function seedScenario(): Promise<Scenario> {
  const emu = await startEmulatorProcess(knobs(conversations), ROOT);
  try {
    await emu.warm(date);
    log('seed flow: started in the background');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/seed-flow.ts',
        '--url',
        emu.url,
        '--queues',
        emu.queueIds.join(','),
        '--date',
        date,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-4000);
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    const journal = journalFigures(await emu.journal(), rate);
    if (code !== 0) return { name: 'seed flow', status: 'failed', exitCode: code, journal, note: err };
    const r = JSON.parse(out) as SeedFlowResult;
    log(`seed flow: done in ${fmt.sec(r.wallMs)}, ${r.downloaded} downloaded`);
    return {
      name: 'seed flow',
      status: 'ok',
      wallMs: r.wallMs,
      downloaded: r.downloaded,
      bytes: r.bytes,
      journal,
      note: `phases: query ${fmt.sec(r.phasesMs.query)}, lookups ${fmt.sec(r.phasesMs.lookups)}, submit ${fmt.sec(r.phasesMs.submit)}, await+download ${fmt.sec(r.phasesMs.awaitAndDownload)}; ${r.unavailable} batch results with errorMsg; ${r.retriedAfter429} retries after 429`,
    };
  } finally {
    await emu.stop();
  }
}

async function plainScenario(): Promise<Scenario> {
  const emu = await startEmulatorProcess(knobs(conversations), ROOT);
  try {
    const items = await emu.downloadable(date, emu.queueIds);
    log(`plain download: ${items.length} recordings, ${parallel} in parallel…`);
    const r = await runPlainDownload(emu.url, items, parallel);
    const journal = journalFigures(await emu.journal(), rate);
    log(`plain download: ${fmt.f(r.mbPerSecond)} MB/s`);
    return {
      name: `plain parallel download (${parallel})`,
      status: 'ok',
      wallMs: r.downloadMs,
      downloaded: r.files,
      bytes: r.bytes,
      journal,
      plainMbPerSecond: r.mbPerSecond,
      note: 'wall time = download phase only (batches submitted and completed before)',
    };
  } finally {
    await emu.stop();
  }
}

function targets(
  rows: Record<string, { s: Scenario; d: Derived }>,
  plain: Scenario | undefined,
  scaling: ScalingRow[],
): Target[] {
  const t: Target[] = [];
  const add = (target: string, value: number | undefined, ok: (v: number) => boolean, shown: string) =>
    t.push({
      target,
      measured: value === undefined ? 'not measured' : shown,
      verdict: value === undefined ? 'not measured' : ok(value) ? 'met' : 'not met',
    });
  const def = rows.default;
  const conv = rows.conversation;
  const usable = (r?: { s: Scenario }) => r?.s.status === 'ok';
  const dd = usable(def) ? def!.d : ({} as Derived);
  const cd = usable(conv) ? conv!.d : ({} as Derived);
  add(
    'default mode ≤ 1.05 API calls per downloaded recording, plus query pages',
    dd.callsPerRecordingExPages,
    (v) => v <= 1.05,
    `${fmt.f(dd.callsPerRecordingExPages, 3)} (+ ${def?.s.journal?.queryPages ?? '–'} pages)`,
  );
  add(
    'conversation mode ≤ 0.1 API calls per recording incl. polls',
    cd.callsPerRecording,
    (v) => v <= 0.1,
    `${fmt.f(cd.callsPerRecording, 3)}`,
  );
  add(
    'default mode wall time ≤ 1.25 × lower bound',
    dd.wallOverLowerBound,
    (v) => v <= 1.25,
    `${fmt.f(dd.wallOverLowerBound, 2)}× (${fmt.sec(def?.s.wallMs)} vs ${fmt.sec(dd.lowerBoundMs)})`,
  );
  add(
    'conversation mode wall time ≤ 1.25 × lower bound',
    cd.wallOverLowerBound,
    (v) => v <= 1.25,
    `${fmt.f(cd.wallOverLowerBound, 2)}×`,
  );
  const budget = usable(def) ? def!.s.journal?.budgetUsedWhilePending : undefined;
  add(
    '≥ 90% of the rate budget used while API work is pending (default mode)',
    budget,
    (v) => v >= 0.9,
    fmt.pct(budget),
  );
  const fatal = usable(def) ? 0 : def ? 1 : undefined;
  add(
    '< 1% 429 answers, none fatal (default mode)',
    dd.rate429 === undefined ? undefined : dd.rate429 + (fatal ?? 0),
    (v) => v < 0.01,
    `${def?.s.journal?.status429 ?? '–'} of ${def?.s.journal?.apiCalls ?? '–'} (${fmt.pct(dd.rate429)}), exit ${def?.s.exitCode ?? '–'}`,
  );
  // The first command on a new DATA_DIR creates the embedded database: what a new user waits for, and
  // what a small VM or a 512 MB container must survive.
  const firstMs = def?.s.dbCreateMs;
  const firstRss = def?.s.dbCreatePeakRssMb ?? undefined;
  add(
    'first command on a new DATA_DIR ≤ 2 s and ≤ 350 MB peak RSS',
    firstMs === undefined || firstRss === undefined ? undefined : Math.max(firstMs / 2000, firstRss / 350),
    (v) => v <= 1,
    `${fmt.sec(firstMs)}, ${fmt.f(firstRss, 0)} MB`,
  );
  add(
    'default mode ≥ 2× faster than the seed flow',
    dd.speedupVsSeed,
    (v) => v >= 2,
    `${fmt.f(dd.speedupVsSeed, 1)}×`,
  );
  add(
    'conversation mode ≥ 15× faster than the seed flow',
    cd.speedupVsSeed,
    (v) => v >= 15,
    `${fmt.f(cd.speedupVsSeed, 1)}×`,
  );
  // Judged for both modes: in metadata mode downloads come in bursts of one batch while lookups use the
  // same two cores; in conversation mode the download is what the run waits on.
  for (const [mode, d] of [
    ['default mode', dd],
    ['conversation mode', cd],
  ] as const) {
    const ratio =
      d.downloadMBpsBusy && plain?.plainMbPerSecond ? d.downloadMBpsBusy / plain.plainMbPerSecond : undefined;
    add(
      `${mode}: downloads ≥ 80% of the plain parallel download MB/s`,
      ratio,
      (v) => v >= 0.8,
      `${fmt.pct(ratio)} (${fmt.f(d.downloadMBpsBusy)} vs ${fmt.f(plain?.plainMbPerSecond)} MB/s)`,
    );
  }
  const ok = scaling.filter((r) => r.status === 'ok' && r.peakRssMb);
  const growth = ok.length >= 2 ? ok[ok.length - 1]!.peakRssMb! / ok[0]!.peakRssMb! - 1 : undefined;
  add(
    `peak RSS grows < 25% from ${ok[0]?.conversationsPerDay ?? '–'} to ${ok[ok.length - 1]?.conversationsPerDay ?? '–'} conversations`,
    growth,
    (v) => v < 0.25,
    `+${fmt.pct(growth)} (${fmt.f(ok[0]?.peakRssMb, 0)} → ${fmt.f(ok[ok.length - 1]?.peakRssMb, 0)} MB)`,
  );
  return t;
}

/** Each number of workers in turn, on the same day in conversation mode (bytes, not the budget, bound it). */
async function scaleOutScenarios(): Promise<ScaleOutRow[]> {
  const rows: ScaleOutRow[] = [];
  for (const workers of scaleWorkers) {
    log(`scale-out: ${workers} worker(s), conversation mode…`);
    const r = await scaleOutRun({
      root: ROOT,
      knobs: knobs(conversations),
      date,
      workers,
      lookup: 'conversation',
      rate,
    });
    log(`scale-out: ${workers} worker(s): ${r.status}, ${fmt.sec(r.wallMs)}, ${fmt.f(r.mbPerSecond)} MB/s`);
    rows.push(r);
  }
  return rows;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  log(
    `day ${date}, ${conversations} conversations/day, ${rate} requests/min, load ${machine.loadAverageAtStart.join(' ')}`,
  );
  const scenarios: Scenario[] = [];
  let mix: DayMix | undefined;
  let plain: Scenario | undefined;
  let seedRun: Promise<Scenario> | undefined;
  let mainScenarios: Scenario[] = [];
  const scaleOutOnly = values['scale-out-only'];
  if (!values['scaling-only'] && !scaleOutOnly) {
    seedRun = values['skip-seed'] ? undefined : seedScenario();
    seedRun?.catch(() => {}); // awaited after the scaling runs; keeps an early failure from being unhandled
    const def = await oursScenario('ours (metadata)', 'metadata');
    mix = def.mix;
    const conv = await oursScenario('ours (conversation)', 'conversation');
    const stored = values['skip-storage'] ? [] : [await storageScenario()];
    plain = await plainScenario();
    mainScenarios = [def.s, conv.s, ...stored, plain];
  }
  const scaleOut = values['scale-out'] || scaleOutOnly ? await scaleOutScenarios() : [];
  const scaling: ScalingRow[] = [];
  if (!values['skip-scaling'] && !scaleOutOnly) {
    for (const size of sizes) {
      const { s, mix: m } = await oursScenario(`scaling ${size}`, 'metadata', size);
      scaling.push({
        conversationsPerDay: size,
        agentHandled: m.agentHandled,
        status: s.status,
        exitCode: s.exitCode,
        downloaded: s.downloaded ?? 0,
        apiCalls: s.journal?.apiCalls ?? 0,
        wallMs: s.wallMs ?? 0,
        lowerBoundApiMs: ((s.journal?.apiCalls ?? 0) / rate) * 60_000,
        startupMs: s.phasesMs?.startup,
        dbCreateMs: s.dbCreateMs,
        peakRssMb: s.peakRssMb ?? null,
      });
    }
  }
  if (!values['scaling-only'] && !scaleOutOnly) {
    if (seedRun) log('waiting for the seed flow…');
    const seed = seedRun ? await seedRun : { name: 'seed flow', status: 'skipped' as const };
    scenarios.push(seed, ...mainScenarios);
  }
  machine.loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));

  const seed = scenarios.find((s) => s.name === 'seed flow');
  const rows = scenarios.map((s) => ({ s, d: derive(s, rate, plain?.plainMbPerSecond, seed) }));
  const byMode = {
    default: rows.find((r) => r.s.name === 'ours (metadata)'),
    conversation: rows.find((r) => r.s.name === 'ours (conversation)'),
  } as Record<string, { s: Scenario; d: Derived }>;
  const verdicts = targets(byMode, plain, scaling);
  const storage = storageComparison(rows);
  if (storage)
    log(
      `object storage: ${fmt.f(storage.s3MBpsWall)} MB/s into S3 against ${fmt.f(storage.localMBpsWall)} MB/s to the local disk over the run (${fmt.f(storage.ratioWall, 2)}×), ` +
        `${fmt.f(storage.s3MBpsBusy)} against ${fmt.f(storage.localMBpsBusy)} MB/s while downloading (${fmt.f(storage.ratioBusy, 2)}×)`,
    );

  const md = [
    `# Benchmark ${startedAt.toISOString()}`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.ramGb} GiB RAM, ${machine.platform}, Node ${machine.node}. ` +
      `Load average (1/5/15 min) at start ${machine.loadAverageAtStart.join(' / ')}, at end ${machine.loadAverageAtEnd.join(' / ')}. ` +
      `Commit ${machine.commit} with ${machine.dirtyFiles} uncommitted paths.`,
    '',
    `Day ${date} (America/Lima), emulator seed "${values['data-seed']}", ${conversations} conversations/day, ` +
      `the 3 default emulator queues; rate limit ${rate} requests/min per token (GENESYS_RATE_LIMIT_PER_MINUTE = ${rate}); ` +
      'API latency 40 ± 20 ms; batch jobs 1–5 s; audio 100 KB–1 MB. MB = 10^6 bytes.',
    '',
    ...(mix ? ['## The day', '', mixTable(mix), ''] : []),
    ...(rows.length
      ? [
          '## Scenarios',
          '',
          scenarioTable(rows),
          '',
          ...rows
            .filter((r) => r.s.note)
            .map((r) => `- ${r.s.name}: ${r.s.note!.replace(/\s+/g, ' ').slice(0, 600)}`),
          '',
        ]
      : []),
    ...(storage
      ? [
          '## Object storage (conversation mode, same day, same bench run)',
          '',
          '| | local disk | S3 (s3rver on the same disk) | S3 ÷ local |',
          '|---|---:|---:|---:|',
          `| MB/s over the run (bytes ÷ wall time) | ${fmt.f(storage.localMBpsWall)} | ${fmt.f(storage.s3MBpsWall)} | ${fmt.f(storage.ratioWall, 2)} |`,
          `| MB/s while downloading | ${fmt.f(storage.localMBpsBusy)} | ${fmt.f(storage.s3MBpsBusy)} | ${fmt.f(storage.ratioBusy, 2)} |`,
          '',
        ]
      : []),
    ...(scaling.length ? ['## Scaling (default mode)', '', scalingTable(scaling), ''] : []),
    ...(scaleOut.length
      ? [
          '## Scale-out (conversation mode, one PostgreSQL)',
          '',
          scaleOutTable(scaleOut),
          '',
          scaleOutNote(scaleOut),
          '',
        ]
      : []),
    '## Targets',
    '',
    targetTable(verdicts),
    '',
  ].join('\n');

  await mkdir(values.out, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const json = {
    startedAt,
    finishedAt: new Date(),
    machine,
    date,
    conversations,
    rate,
    parallel,
    sizes,
    scaleWorkers,
    knobs: knobs(conversations),
    mix,
    scenarios: rows,
    scaling,
    storage,
    scaleOut,
    targets: verdicts,
  };
  await writeFile(path.join(values.out, `${stamp}.json`), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(path.join(values.out, 'latest.md'), md);
  process.stdout.write(`${md}\nWritten: ${path.join(values.out, `${stamp}.json`)} and latest.md\n`);
}

await main();

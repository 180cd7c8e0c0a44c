// The emulator as a separate process for the benchmark, with the knobs the `audio-extract emulator` CLI
// does not offer (API latency, batch-job duration, audio size). It calls buildEmulator like the CLI does
// and additionally serves a tiny control port (127.0.0.1 only) so the orchestrator can read the request
// journal and the day's actual data mix without going through the rate-limited API:
//
//   GET /journal                      → CompactEntry[] (every request since start)
//   GET /day?date=D&queues=a,b        → DayMix
//   GET /downloadable?date=D&queues=… → DownloadableRecording[] (AVAILABLE audio of finished,
//                                        agent-handled, recorded conversations in the queues)
//   GET /warm?date=D                  → {conversations, ms}: builds the local days D-1, D and D+1
//
// Prints one JSON line {url, control, queueIds, pid} on stdout when both ports listen; SIGTERM closes.
//
//   node --import tsx bench/emulator-process.ts --seed bench --conversations-per-day 3000 \
//     --rate-limit 1800 --latency-mean 40 --latency-jitter 20 --batch-min 1000 --batch-max 5000 \
//     --audio-min 100000 --audio-max 1000000
import { createServer, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import type { AnalyticsConversation } from '../src/contracts/genesys.js';
import { buildEmulator, type Emulator, type JournalEntry } from '../src/emulator/index.js';
import type { CompactEntry, DayMix, DownloadableRecording } from './types.js';

const ID_SEGMENT = /^(?=.*\d)[0-9a-zA-Z-]{16,}$/;

/** "GET /api/v2/conversations/:id/recordingmetadata", "GET /s3/recordings/:id" … */
function endpointKey(method: string, path: string): string {
  if (path.startsWith('/s3/')) return `${method} /s3/recordings/:id`;
  const parts = path.split('/').map((seg) => (ID_SEGMENT.test(seg) ? ':id' : seg));
  return `${method} ${parts.join('/')}`;
}

function compact(e: JournalEntry): CompactEntry {
  return { t: e.at, d: e.durationMs, k: endpointKey(e.method, e.path), s: e.status };
}

interface Sessionish {
  recording?: boolean;
  segments?: { queueId?: string }[];
}
const sessionsOf = (c: AnalyticsConversation): Sessionish[] =>
  (c.participants ?? []).flatMap((p) => (p.sessions ?? []) as Sessionish[]);

function selected(emu: Emulator, date: string, queues: readonly string[]) {
  const all = emu.dataset.conversationsOnLocalDay(date);
  const inQueues = all.filter((c) =>
    sessionsOf(c).some((s) => (s.segments ?? []).some((g) => g.queueId && queues.includes(g.queueId))),
  );
  const agent = inQueues.filter((c) => (c.participants ?? []).some((p) => p.purpose === 'agent'));
  return { all, inQueues, agent };
}

function dayMix(emu: Emulator, date: string, queues: readonly string[]): DayMix {
  const { all, inQueues, agent } = selected(emu, date, queues);
  const mix: DayMix = {
    date,
    conversationsOnDay: all.length,
    inQueues: inQueues.length,
    agentHandled: agent.length,
    recorded: 0,
    audioRecordings: 0,
    twoAudioRecordings: 0,
    screenRecordings: 0,
    audioByFileState: {},
    inWrapUp: agent.filter((c) => !c.conversationEnd).length,
  };
  for (const c of agent) {
    if (!sessionsOf(c).some((s) => s.recording === true)) continue;
    mix.recorded++;
    const recs = emu.dataset.recordingsOf(c.conversationId);
    const audio = recs.filter((r) => r.media === 'audio');
    mix.audioRecordings += audio.length;
    mix.screenRecordings += recs.length - audio.length;
    if (audio.length >= 2) mix.twoAudioRecordings++;
    for (const r of audio) {
      const state = r.fileState ?? 'UNKNOWN';
      mix.audioByFileState[state] = (mix.audioByFileState[state] ?? 0) + 1;
    }
  }
  return mix;
}

function downloadable(emu: Emulator, date: string, queues: readonly string[]): DownloadableRecording[] {
  const out: DownloadableRecording[] = [];
  for (const c of selected(emu, date, queues).agent) {
    if (!c.conversationEnd || !sessionsOf(c).some((s) => s.recording === true)) continue;
    for (const r of emu.dataset.recordingsOf(c.conversationId)) {
      if (r.media === 'audio' && r.fileState === 'AVAILABLE')
        out.push({ conversationId: c.conversationId, recordingId: r.id });
    }
  }
  return out;
}

/**
 * The emulator builds a day's conversations the first time anything asks for them. A details query for
 * the local day D spans two UTC days, so it reads the local days D-1 to D+1: unwarmed, the first page
 * of a run took ~0.6 s (building 6,000 conversations on the cores the client uses) instead of the 40 ms
 * latency the bench day promises. Scenarios warm the emulator before they are timed.
 */
function warm(emu: Emulator, date: string): { conversations: number; ms: number } {
  const started = performance.now();
  const day = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(day)) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  let conversations = 0;
  for (const offset of [-1, 0, 1]) {
    const d = new Date(day + offset * 86_400_000).toISOString().slice(0, 10);
    conversations += emu.dataset.conversationsOnLocalDay(d).length;
  }
  return { conversations, ms: Math.round(performance.now() - started) };
}

function num(values: Record<string, string | undefined>, name: string, def: number): number {
  const raw = values[name];
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got "${raw}"`);
  return n;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: Object.fromEntries(
      [
        'port',
        'seed',
        'conversations-per-day',
        'rate-limit',
        'latency-mean',
        'latency-jitter',
        'batch-min',
        'batch-max',
        'audio-min',
        'audio-max',
      ].map((k) => [k, { type: 'string' as const }]),
    ),
  });
  const v = values as Record<string, string | undefined>;
  const emu = await buildEmulator({
    port: num(v, 'port', 0),
    seed: v.seed ?? 'bench',
    conversationsPerDay: num(v, 'conversations-per-day', 3000),
    ratePerMinute: num(v, 'rate-limit', 1800),
    latencyMs: { mean: num(v, 'latency-mean', 40), jitter: num(v, 'latency-jitter', 20) },
    batchJobDurationMs: { min: num(v, 'batch-min', 1000), max: num(v, 'batch-max', 5000) },
    audioBytes: { min: num(v, 'audio-min', 100_000), max: num(v, 'audio-max', 1_000_000) },
  });

  const control = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const date = url.searchParams.get('date') ?? '';
    const queues = (url.searchParams.get('queues') ?? '').split(',').filter(Boolean);
    try {
      if (url.pathname === '/journal') return send(res, 200, emu.journal.entries().map(compact));
      if (url.pathname === '/day') return send(res, 200, dayMix(emu, date, queues));
      if (url.pathname === '/downloadable') return send(res, 200, downloadable(emu, date, queues));
      if (url.pathname === '/warm') return send(res, 200, warm(emu, date));
      return send(res, 404, { error: `no control route ${url.pathname}` });
    } catch (e) {
      return send(res, 500, { error: e instanceof Error ? e.message : String(e) });
    }
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const address = control.address();
  const controlPort = typeof address === 'object' && address ? address.port : 0;

  const stop = () => {
    control.close();
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(
    `${JSON.stringify({ url: emu.url, control: `http://127.0.0.1:${controlPort}`, queueIds: emu.queueIds, pid: process.pid })}\n`,
  );
}

await main();

// Turns measured scenarios into the derived figures, the target verdicts and the Markdown of
// bench/results/latest.md. Nothing here measures; it only divides what run.ts measured.
import { DOWNLOAD, type JournalFigures, METADATA, POLL, QUERY, RECORDINGS, SUBMIT } from './metrics.js';
import type { DayMix } from './types.js';

export type ScenarioStatus = 'ok' | 'failed' | 'skipped' | 'not implemented';

export interface Scenario {
  name: string;
  status: ScenarioStatus;
  note?: string;
  exitCode?: number;
  wallMs?: number;
  downloaded?: number;
  bytes?: number;
  journal?: JournalFigures;
  peakRssMb?: number | null;
  /** plain download only: its own timing of the download phase */
  plainMbPerSecond?: number;
  /** CLI runs: process start → first request, first → last request, last response → exit (ms) */
  phasesMs?: { startup: number; work: number; exit: number };
  /** CLI runs: creating the embedded database in the fresh DATA_DIR, before (not part of) the wall time */
  dbCreateMs?: number;
  /** CLI runs: peak RSS of that first command (MB) */
  dbCreatePeakRssMb?: number | null;
}

export interface Derived {
  callsPerRecording?: number;
  callsPerRecordingExPages?: number;
  lowerBoundApiMs?: number;
  lowerBoundBytesMs?: number;
  lowerBoundMs?: number;
  wallOverLowerBound?: number;
  workOverLowerBound?: number;
  downloadMBpsBusy?: number;
  downloadMBpsSpan?: number;
  rate429?: number;
  speedupVsSeed?: number;
  apiCallsVsSeed?: number;
}

export interface ScalingRow {
  conversationsPerDay: number;
  agentHandled: number;
  status: ScenarioStatus;
  exitCode?: number;
  downloaded: number;
  apiCalls: number;
  wallMs: number;
  lowerBoundApiMs: number;
  /** process start → first request (embedded database start-up, module loading) */
  startupMs: number | undefined;
  /** creating the embedded database before the run (first run only; not in wallMs) */
  dbCreateMs: number | undefined;
  peakRssMb: number | null;
}

export interface Target {
  target: string;
  measured: string;
  verdict: 'met' | 'not met' | 'not measured';
}

export function derive(
  s: Scenario,
  ratePerMinute: number,
  bandwidthMBps: number | undefined,
  seed?: Scenario,
) {
  const d: Derived = {};
  const j = s.journal;
  if (!j || s.status !== 'ok') return d;
  if (s.downloaded) {
    d.callsPerRecording = j.apiCalls / s.downloaded;
    d.callsPerRecordingExPages = (j.apiCalls - j.queryPages) / s.downloaded;
  }
  d.lowerBoundApiMs = (j.apiCalls / ratePerMinute) * 60_000;
  if (bandwidthMBps && s.bytes) d.lowerBoundBytesMs = (s.bytes / 1e6 / bandwidthMBps) * 1000;
  d.lowerBoundMs = Math.max(d.lowerBoundApiMs, d.lowerBoundBytesMs ?? 0);
  if (s.wallMs && d.lowerBoundMs > 0) d.wallOverLowerBound = s.wallMs / d.lowerBoundMs;
  if (s.phasesMs && d.lowerBoundMs > 0) d.workOverLowerBound = s.phasesMs.work / d.lowerBoundMs;
  if (s.bytes && j.downloadBusyMs > 0) d.downloadMBpsBusy = s.bytes / 1e6 / (j.downloadBusyMs / 1000);
  if (s.bytes && j.downloadSpanMs > 0) d.downloadMBpsSpan = s.bytes / 1e6 / (j.downloadSpanMs / 1000);
  d.rate429 = j.apiCalls ? j.status429 / j.apiCalls : 0;
  if (seed?.status === 'ok' && seed.wallMs && s.wallMs && s !== seed) {
    d.speedupVsSeed = seed.wallMs / s.wallMs;
    if (seed.journal) d.apiCallsVsSeed = j.apiCalls / seed.journal.apiCalls;
  }
  return d;
}

const f = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits);
const pct = (n: number | undefined) => (n === undefined ? '–' : `${(n * 100).toFixed(1)}%`);
const sec = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

export function scenarioTable(rows: { s: Scenario; d: Derived }[]): string {
  const head = `| | ${rows.map((r) => r.s.name).join(' | ')} |`;
  const sep = `|---|${rows.map(() => '---:').join('|')}|`;
  const line = (label: string, cell: (r: { s: Scenario; d: Derived }) => string) =>
    `| ${label} | ${rows.map(cell).join(' | ')} |`;
  const ep = (key: string) => (r: { s: Scenario }) =>
    String(r.s.journal?.byEndpoint[key] ?? (r.s.journal ? 0 : '–'));
  return [
    head,
    sep,
    line('status', (r) => r.s.status + (r.s.exitCode !== undefined ? ` (exit ${r.s.exitCode})` : '')),
    line('wall time', (r) => sec(r.s.wallMs)),
    line('– process start → first request', (r) => sec(r.s.phasesMs?.startup)),
    line('– first request → last response', (r) => sec(r.s.phasesMs?.work)),
    line('– last response → process exit', (r) => sec(r.s.phasesMs?.exit)),
    line('database creation before the run (first run only, not in wall time)', (r) => sec(r.s.dbCreateMs)),
    line('– its peak RSS', (r) => (r.s.dbCreatePeakRssMb ? `${f(r.s.dbCreatePeakRssMb, 0)} MB` : '–')),
    line('recordings downloaded', (r) => String(r.s.downloaded ?? '–')),
    line('MB downloaded', (r) => f(r.s.bytes === undefined ? undefined : r.s.bytes / 1e6)),
    line('API calls (/api/v2, rate-limited)', (r) => String(r.s.journal?.apiCalls ?? '–')),
    line('– details query pages', ep(QUERY)),
    line('– recording metadata', ep(METADATA)),
    line('– recordings (full)', ep(RECORDINGS)),
    line('– batch submissions', ep(SUBMIT)),
    line('– batch status polls', ep(POLL)),
    line('token requests (not rate-limited)', ep('POST /oauth/token')),
    line('downloads (pre-signed, not rate-limited)', ep(DOWNLOAD)),
    line('API calls per downloaded recording', (r) => f(r.d.callsPerRecording, 3)),
    line('… excluding query pages', (r) => f(r.d.callsPerRecordingExPages, 3)),
    line('lower bound: API calls ÷ budget', (r) => sec(r.d.lowerBoundApiMs)),
    line('lower bound: bytes ÷ plain bandwidth', (r) => sec(r.d.lowerBoundBytesMs)),
    line('wall ÷ lower bound', (r) => f(r.d.wallOverLowerBound, 2)),
    line('(first request → last response) ÷ lower bound', (r) => f(r.d.workOverLowerBound, 2)),
    line('rate budget used while API work pending', (r) => pct(r.s.journal?.budgetUsedWhilePending)),
    line('429 answers', (r) => String(r.s.journal?.status429 ?? '–')),
    line('download MB/s (while downloading)', (r) => f(r.s.plainMbPerSecond ?? r.d.downloadMBpsBusy)),
    line('download MB/s (first → last download)', (r) => f(r.d.downloadMBpsSpan)),
    line('peak RSS (CLI process)', (r) => (r.s.peakRssMb ? `${f(r.s.peakRssMb, 0)} MB` : '–')),
    line('speed-up vs seed flow', (r) => (r.d.speedupVsSeed ? `${f(r.d.speedupVsSeed, 1)}×` : '–')),
    line('API calls vs seed flow', (r) => (r.d.apiCallsVsSeed ? `${f(r.d.apiCallsVsSeed, 3)}×` : '–')),
  ].join('\n');
}

export function mixTable(m: DayMix): string {
  const states = Object.entries(m.audioByFileState)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    '| | count |',
    '|---|---:|',
    `| conversations that started on ${m.date} (all queues) | ${m.conversationsOnDay} |`,
    `| … touching the queried queues | ${m.inQueues} |`,
    `| … with an agent (agent-handled) | ${m.agentHandled} (${pct(m.agentHandled / Math.max(1, m.inQueues))}) |`,
    `| … recorded | ${m.recorded} (${pct(m.recorded / Math.max(1, m.agentHandled))} of agent-handled) |`,
    `| … with two audio recordings | ${m.twoAudioRecordings} (${pct(m.twoAudioRecordings / Math.max(1, m.recorded))} of recorded) |`,
    `| audio recordings | ${m.audioRecordings} (${states}) |`,
    `| screen recordings (never downloaded by audio-extract) | ${m.screenRecordings} |`,
    `| agent-handled still in wrap-up | ${m.inWrapUp} |`,
  ].join('\n');
}

export function scalingTable(rows: ScalingRow[]): string {
  return [
    '| conversations/day | agent-handled | downloaded | API calls | wall | of which start-up | database creation (first run, not in wall) | API lower bound | wall ÷ bound | peak RSS | status |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.conversationsPerDay} | ${r.agentHandled} | ${r.downloaded} | ${r.apiCalls} | ${sec(r.wallMs)} | ${sec(r.startupMs)} | ${sec(r.dbCreateMs)} | ${sec(r.lowerBoundApiMs)} | ${f(r.wallMs / r.lowerBoundApiMs, 2)} | ${r.peakRssMb ? `${f(r.peakRssMb, 0)} MB` : '–'} | ${r.status}${r.exitCode !== undefined ? ` (exit ${r.exitCode})` : ''} |`,
    ),
  ].join('\n');
}

export function targetTable(targets: Target[]): string {
  return [
    '| target | measured | verdict |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.target} | ${t.measured} | **${t.verdict}** |`),
  ].join('\n');
}

export const fmt = { f, pct, sec };

// /metrics after a real run: the whole `serve` service in-process (embedded database, real engine and
// HTTP port), a run triggered through the API against the emulator (which answers one 429), then a
// scrape. Every figure is checked against an independent source: the emulator's request journal, the
// files on disk, the database rows.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/cli/commands/serve.js';
import { parseConfig } from '../../src/config/schema.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { isAudioFile } from '../support/data-dirs.js';

let emu: Emulator;
let dir: string;
let service: Service;
let queues: string[];
const DAY = DateTime.now().setZone('America/Lima').minus({ days: 2 }).toISODate()!;

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the API under test
async function api(pathname: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(`${service.address}${pathname}`, init);
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
  };
}

/** `name{labels} value` lines of a Prometheus exposition, as a map from "name{labels}" to value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 11,
    conversationsPerDay: 40,
    ratePerMinute: 6000,
    batchJobDurationMs: { min: 100, max: 300 },
    faults: [
      {
        match: { method: 'POST', path: '/api/v2/analytics/conversations/details/query' },
        times: 1,
        status: 429,
        retryAfter: 1,
      },
    ],
  });
  dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-metrics-'));
  queues = emu.queueIds.slice(0, 2);
  const config = parseConfig({
    GENESYS_CLOUD_BASE_URL: emu.url,
    GENESYS_CLOUD_CLIENT_ID: 'emulator',
    GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
    GENESYS_QUEUE_IDS: queues.join(','),
    GENESYS_RATE_LIMIT_PER_MINUTE: '6000',
    BATCH_SIZE: '10',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    PORT: '0',
  });
  service = await startService(config, { schedule: false });
  const started = await api('/api/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ processDate: DAY }),
  });
  expect(started.status).toBe(202);
  for (let i = 0; ; i++) {
    const runs = (await api(`/api/runs?from=${DAY}&to=${DAY}`)).body.runs as { status: string }[];
    if (runs.length === queues.length && runs.every((r) => r.status !== 'RUNNING')) break;
    if (i > 400) throw new Error(`the run did not finish: ${JSON.stringify(runs)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 180_000);

afterAll(async () => {
  await service?.stop();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('/metrics after a run', () => {
  it('counts the Genesys requests by endpoint and status, the 429 and the retry, like the emulator saw them', async () => {
    const m = parseMetrics((await api('/metrics')).body);
    const journal = emu.journal.entries().filter((e) => e.path !== '/notify');
    let total = 0;
    for (const [k, v] of m) if (k.startsWith('audio_extract_genesys_requests_total{')) total += v;
    expect(total).toBe(journal.length);
    expect(m.get('audio_extract_genesys_requests_total{endpoint="detailsQuery",status="429"}')).toBe(1);
    expect(m.get('audio_extract_genesys_rate_limited_total')).toBe(1);
    expect(m.get('audio_extract_genesys_retries_total')).toBeGreaterThanOrEqual(1);
    expect(m.get('audio_extract_genesys_limiter_wait_seconds_total')).toBeGreaterThanOrEqual(0);
  });

  it('reports recordings by state, bytes and batches as the disk and the database have them', async () => {
    const m = parseMetrics((await api('/metrics')).body);
    const audio = path.join(dir, 'audio', DAY);
    const files = (await readdir(audio)).filter(isAudioFile);
    let bytes = 0;
    for (const f of files) bytes += (await stat(path.join(audio, f))).size;
    expect(files.length).toBeGreaterThan(0);
    expect(m.get('audio_extract_recordings{state="downloaded"}')).toBe(files.length);
    expect(m.get('audio_extract_recordings{state="batched"}')).toBe(0);
    expect(m.get('audio_extract_downloaded_bytes_total')).toBe(bytes);
    const run = (await api(`/api/runs/${DAY}/${queues[0]}`)).body;
    const completed = run.batches.filter((b: { status: string }) => b.status === 'completed').length;
    expect(completed).toBeGreaterThan(0);
    expect(m.get('audio_extract_batch_duration_seconds_count')).toBe(completed);
  });

  it('tells when each queue last succeeded, how long it took, and what this process ran', async () => {
    const m = parseMetrics((await api('/metrics')).body);
    for (const q of queues) {
      const last = m.get(`audio_extract_last_success_timestamp_seconds{queue="${q}"}`)!;
      expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(300);
      expect(m.get(`audio_extract_last_run_duration_seconds{queue="${q}"}`)).toBeGreaterThan(0);
    }
    expect(m.get('audio_extract_day_runs_total{status="SUCCESS"}')).toBe(1);
    expect(m.get('audio_extract_day_run_duration_seconds_count{status="SUCCESS"}')).toBe(1);
    expect(m.get('audio_extract_runs{status="SUCCESS"}')).toBe(queues.length);
    expect(m.get('audio_extract_http_requests_total{method="POST",route="/api/runs",status="202"}')).toBe(1);
    expect(m.has('process_resident_memory_bytes')).toBe(true);
  });

  it('stores the API calls of the date with its runs, for the dashboard chart', async () => {
    // The requests Genesys' rate limit counts: /api/v2, not the token or the downloads.
    const apiCalls = emu.journal.entries().filter((e) => e.path.startsWith('/api/v2/')).length;
    const daily = (await api('/api/stats/daily?days=5')).body;
    const day = daily.days.find((d: { processDate: string }) => d.processDate === DAY);
    expect(day).toMatchObject({ apiCalls, rateLimited: 1 });
    expect(day.byState.downloaded).toBeGreaterThan(0);
  });
});

// The dashboard in a real browser (playwright-core + Debian's chromium), served by `audio-extract serve`
// as a subprocess after a run against the emulator in which some downloads fail (404). Checks the runs
// table, a run page, the charts, the retry button's effect, and that the page logs no console error.
// Screenshots go to test-output/.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { runCli } from '../support/cli.js';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const OUT = path.resolve('test-output');
const DAY = DateTime.now().setZone('America/Lima').minus({ days: 2 }).toISODate()!;
/** Extracted by `audio-extract run` before serve starts: its API calls must show in the chart too. */
const RUN_DAY = DateTime.now().setZone('America/Lima').minus({ days: 3 }).toISODate()!;
const isCi = Boolean(process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0');

let emu: Emulator;
let dir: string;
let serve: ChildProcess;
let address: string;
let browser: Browser;
let queues: string[];
let serveOutput = '';
let runDayApiCalls = 0;

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the API under test
async function json(pathname: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${address}${pathname}`, init);
  if (!res.ok) throw new Error(`${pathname}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function waitRunsDone(): Promise<{ queueId: string; status: string }[]> {
  for (let i = 0; i < 600; i++) {
    const { runs } = await json(`/api/runs?from=${DAY}&to=${DAY}`);
    if (runs.length === queues.length && runs.every((r: { status: string }) => r.status !== 'RUNNING'))
      return runs;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the run of ${DAY} did not finish; serve said:\n${serveOutput}`);
}

describe.skipIf(!existsSync(CHROMIUM) && !isCi)('dashboard in Chromium', () => {
  beforeAll(async () => {
    await mkdir(OUT, { recursive: true });
    emu = await buildEmulator({
      seed: 5,
      conversationsPerDay: 30,
      ratePerMinute: 6000,
      batchJobDurationMs: { min: 100, max: 300 },
      // Recordings whose id starts with 0-3 cannot be downloaded until the faults are cleared.
      faults: [{ match: { method: 'GET', path: '/^\\/s3\\/recordings\\/[0-3]/' }, status: 404 }],
    });
    queues = emu.queueIds.slice(0, 2);
    dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-dashboard-'));
    const env = {
      GENESYS_CLOUD_BASE_URL: emu.url,
      GENESYS_CLOUD_CLIENT_ID: 'emulator',
      GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
      GENESYS_QUEUE_IDS: queues.join(','),
      GENESYS_RATE_LIMIT_PER_MINUTE: '6000',
      BATCH_SIZE: '10',
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
    };
    // A day extracted by `run` (the 404 fault leaves failures: exit 1, not 2), before serve exists.
    const ran = await runCli(['run', '--date', RUN_DAY], env);
    expect(ran.code, ran.stderrText).not.toBe(2);
    runDayApiCalls = emu.journal.entries().filter((e) => e.path.startsWith('/api/v2/')).length;
    serve = spawn(process.execPath, ['bin/audio-extract.js', 'serve', '--no-schedule', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stdout!.on('data', (d) => {
      serveOutput += d;
    });
    serve.stderr!.on('data', (d) => {
      serveOutput += d;
    });
    for (let i = 0; !/listening on (http:\/\/\S+)/.test(serveOutput); i++) {
      if (serve.exitCode !== null || i > 1800) throw new Error(`serve did not start:\n${serveOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    address = /listening on (http:\/\/\S+)/.exec(serveOutput)![1]!;
    await json('/api/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ processDate: DAY }),
    });
    await waitRunsDone();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve.once('exit', r));
      serve.kill('SIGTERM');
      await exited;
    }
    await emu?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the runs, the charts and a run page, and retrying fixes the failed downloads', async () => {
    const { runs } = await json(`/api/runs?from=${DAY}&to=${DAY}`);
    const withFailures = runs.find(
      (r: { progress: { byState: { failed?: number } } }) => r.progress.byState.failed,
    );
    expect(withFailures, 'the 404 fault should leave failed recordings').toBeDefined();

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));

    await page.goto(`${address}/`);
    const rows = page.locator(`#runs tr[data-date="${DAY}"]`);
    await expect.poll(() => rows.count()).toBe(queues.length);
    expect(await page.locator(`#runs tr[data-date="${DAY}"] .badge`).allTextContents()).toEqual([
      'SUCCESS',
      'SUCCESS',
    ]);
    expect(await page.locator('#runs [role=progressbar]').first().getAttribute('aria-valuenow')).toBe('100');
    // Charts drawn with data: bars per state, the handle-time histogram, API calls.
    await expect
      .poll(() => page.locator('#chart-recordings rect[data-series="downloaded"]').count())
      .toBeGreaterThan(0);
    expect(await page.locator('#chart-recordings rect[data-series="failed"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-handle-time rect').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-api-calls rect[data-series="value"]').count()).toBeGreaterThan(0);
    // The day `run` extracted has its API calls charted (they are no longer recorded by serve only).
    const runDayBar = page.locator('#chart-api-calls rect[data-series="value"]', {
      has: page.locator('title', { hasText: `${RUN_DAY.slice(5)}: ${runDayApiCalls} API calls` }),
    });
    expect(await runDayBar.count()).toBe(1);
    // Axis labels are whole numbers, each once.
    const ticks = await page.locator('#chart-api-calls svg > text[text-anchor="end"]').allTextContents();
    expect(new Set(ticks).size).toBe(ticks.length);
    // Queues by name, the id on hover.
    const oracleNames = new Map(
      emu.oracle(DAY).conversations.flatMap((c) => c.queues.map((q) => [q.id, q.name] as const)),
    );
    for (const q of queues) {
      const cell = page.locator(`#runs tr[data-date="${DAY}"][data-queue="${q}"] td.queue`);
      expect(await cell.textContent()).toBe(oracleNames.get(q));
      expect(await cell.getAttribute('title')).toBe(q);
    }
    await page.screenshot({ path: path.join(OUT, 'dashboard-runs.png'), fullPage: true });

    await page.locator(`#runs tr[data-date="${DAY}"][data-queue="${withFailures.queueId}"] a`).click();
    await page.locator('#run-summary').waitFor();
    expect(await page.locator('h1 .queue').textContent()).toBe(oracleNames.get(withFailures.queueId));
    expect(await page.locator('h1 .queue').getAttribute('title')).toBe(withFailures.queueId);
    const failureRows = page.locator('#failures tbody tr[data-state="failed"]');
    await expect.poll(() => failureRows.count()).toBeGreaterThan(0);
    expect(await failureRows.first().textContent()).toMatch(/404/);
    expect(await page.locator('#batches tbody tr').count()).toBeGreaterThan(0);
    // Where the day's files are.
    expect(await page.locator('#day-location code').textContent()).toBe(path.join(dir, 'audio', DAY));
    await page.screenshot({ path: path.join(OUT, 'dashboard-run.png'), fullPage: true });

    emu.faults.clear();
    await page.locator('#retry').click();
    await expect
      .poll(() => page.locator('#retry-message').textContent())
      .toMatch(/Requeued [1-9]\d* failed recording/);
    // The date runs again and downloads what failed; the page follows it (it polls while a run is active).
    await expect
      .poll(async () => (await json(`/api/runs/${DAY}/${withFailures.queueId}`)).run, {
        timeout: 90_000,
        interval: 500,
      })
      .toMatchObject({ attempts: 2, status: 'SUCCESS' });
    await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 10_000 }).toBe('SUCCESS');
    await page.locator('#failures', { hasText: 'Nothing failed.' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(OUT, 'dashboard-run-after-retry.png'), fullPage: true });
    const after = await json(`/api/runs/${DAY}/${withFailures.queueId}`);
    expect(after.run.attempts).toBe(2);
    expect(after.run.progress.byState.failed ?? 0).toBe(0);

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 150_000);
});

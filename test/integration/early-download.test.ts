// Batch results are downloaded while the job is still InProgress (results grow and already carry their
// URLs, spec §7), not only once it completes. The emulator's jobs here take 3 s and produce their
// results evenly over that time; with the rate budget idle the client polls every ≤1 s, so downloads
// must start well before the first job completes, and each recording must still be downloaded once.
// Pipeline in-process, emulator over a socket, embedded database.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Composed, compose } from '../../src/cli/compose.js';
import { parseConfig } from '../../src/config/schema.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { runDay } from '../../src/pipeline/run.js';
import { recordings } from '../../src/store/schema.js';

const DAY = DateTime.now().setZone('America/Lima').minus({ days: 2 }).toISODate()!;
const JOB_MS = 3_000;
let emu: Emulator;
const dirs: string[] = [];

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'early-download',
    conversationsPerDay: 40,
    ratePerMinute: 6000,
    batchJobDurationMs: { min: JOB_MS, max: JOB_MS },
  });
});

afterAll(async () => {
  await emu?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function composeFor(lookup: 'metadata' | 'conversation'): Promise<Composed> {
  const dir = await mkdtemp(path.join(tmpdir(), `audio-extract-early-${lookup}-`));
  dirs.push(dir);
  const config = parseConfig({
    GENESYS_CLOUD_BASE_URL: emu.url,
    GENESYS_CLOUD_CLIENT_ID: 'emulator',
    GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
    GENESYS_QUEUE_IDS: emu.queueIds.join(','),
    GENESYS_RATE_LIMIT_PER_MINUTE: '6000',
    RECORDING_LOOKUP: lookup,
    NOTIFY_URL: `${emu.url}/notify`,
    EMAILS: 'ops@example.com',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
  });
  return compose(config);
}

describe.each(['metadata', 'conversation'] as const)('RECORDING_LOOKUP=%s', (lookup) => {
  it('downloads results while the job is in progress, each recording once', async () => {
    emu.journal.clear();
    const app = await composeFor(lookup);
    try {
      const outcome = await runDay(app.deps, { processDate: DAY, queueIds: emu.queueIds });
      expect(outcome.status).toBe('SUCCESS');
      const journal = emu.journal.entries();
      const submits = journal.filter(
        (e) => e.method === 'POST' && e.path === '/api/v2/recording/batchrequests' && e.status === 200,
      );
      const downloads = journal.filter((e) => e.path.startsWith('/s3/') && e.status === 200);
      expect(submits.length).toBeGreaterThan(0);
      expect(downloads.length).toBeGreaterThan(0);
      // The first job completes JOB_MS after its submission; downloads began well before.
      const firstSubmit = Math.min(...submits.map((e) => e.at));
      const firstDownload = Math.min(...downloads.map((e) => e.at));
      expect(firstDownload - firstSubmit).toBeLessThan(JOB_MS - 500);

      // Each file once, and what the run counted is what the database holds.
      const paths = downloads.map((e) => e.path);
      expect(new Set(paths).size).toBe(paths.length);
      const rows = await app.deps.db
        .select({ recordingId: recordings.recordingId })
        .from(recordings)
        .where(and(eq(recordings.processDate, DAY), eq(recordings.state, 'downloaded')));
      expect(rows.length).toBe(downloads.length);
      expect(outcome.transfer?.downloaded).toBe(rows.length);
    } finally {
      await app.close();
    }
  });
});

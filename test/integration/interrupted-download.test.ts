// A run stopped (SIGINT/SIGTERM) while a batch's items are being settled: the items not yet settled must
// not be stranded in a batch that no run will open again. The next run downloads every one of them.
// Pipeline in-process, emulator over a socket, embedded database.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Composed, compose } from '../../src/cli/compose.js';
import { parseConfig } from '../../src/config/schema.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { runDay } from '../../src/pipeline/run.js';
import { batches, recordings } from '../../src/store/schema.js';
import { emulatorEnv } from '../support/cli.js';
import { expectedRecordings } from '../support/expected.js';

const DAY = DateTime.now().setZone('America/Lima').minus({ days: 2 }).toISODate()!;
let emu: Emulator;
let dir: string;
let app: Composed;

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'interrupted-download',
    conversationsPerDay: 40,
    ratePerMinute: 6000,
    batchJobDurationMs: { min: 100, max: 300 },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-interrupted-'));
  const config = parseConfig(
    emulatorEnv(emu, dir, { GENESYS_QUEUE_IDS: emu.queueIds.join(','), LOG_LEVEL: 'silent' }),
  );
  app = await compose(config);
});

afterAll(async () => {
  await app?.close();
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('items left unsettled by an interruption are downloaded by the next run', async () => {
  const { db } = app.deps;
  const plan = { processDate: DAY, queueIds: emu.queueIds };
  // Stop the run as soon as the first item of a batch is settled: the rest of that batch is not.
  const abort = new AbortController();
  const interrupted = {
    ...app.deps,
    signal: abort.signal,
    onProgress: (e: { stage: string }) => {
      if (e.stage === 'download') abort.abort(new Error('interrupted'));
    },
  };
  await expect(runDay(interrupted, plan)).rejects.toMatchObject({ code: 'INTERRUPTED' });
  const stranded = await db
    .select({ recordingId: recordings.recordingId, batchStatus: batches.status })
    .from(recordings)
    .innerJoin(batches, eq(batches.id, recordings.batchId))
    .where(and(eq(recordings.processDate, DAY), eq(recordings.state, 'batched')));
  expect(stranded.length).toBeGreaterThan(0);

  const again = await runDay(app.deps, plan);
  expect(again.status).toBe('SUCCESS');
  const downloaded = await db
    .select({ conversationId: recordings.conversationId, recordingId: recordings.recordingId })
    .from(recordings)
    .where(and(eq(recordings.processDate, DAY), eq(recordings.state, 'downloaded')));
  const expected = expectedRecordings(emu, DAY, emu.queueIds);
  expect(new Set(downloaded.map((r) => `${r.conversationId}/${r.recordingId}`))).toEqual(
    new Set(expected.downloadable.keys()),
  );
});

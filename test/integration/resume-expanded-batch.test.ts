// RECORDING_LOOKUP=conversation, resumed: a batch interrupted after a conversation-wide placeholder was
// expanded (its recordings written under the batch) but before the placeholder was marked `expanded`
// holds both the placeholder and those recordings as items. Resuming it must download each recording
// once, not once per item at the same time into the same .part file. The state is built from a real run
// (pipeline in-process, emulator over a socket, embedded database) and then rolled back to that point.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq, ne } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Composed, compose } from '../../src/cli/compose.js';
import { parseConfig } from '../../src/config/schema.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { runBatches } from '../../src/pipeline/batches.js';
import { runDay } from '../../src/pipeline/run.js';
import { ALL_RECORDINGS, batches, recordings } from '../../src/store/schema.js';

const DAY = DateTime.now().setZone('America/Lima').minus({ days: 2 }).toISODate()!;
let emu: Emulator;
let dir: string;
let app: Composed;

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'resume-expanded',
    conversationsPerDay: 40,
    ratePerMinute: 6000,
    batchJobDurationMs: { min: 100, max: 300 },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-resume-expanded-'));
  const config = parseConfig({
    GENESYS_CLOUD_BASE_URL: emu.url,
    GENESYS_CLOUD_CLIENT_ID: 'emulator',
    GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
    GENESYS_QUEUE_IDS: emu.queueIds.join(','),
    GENESYS_RATE_LIMIT_PER_MINUTE: '6000',
    RECORDING_LOOKUP: 'conversation',
    NOTIFY_URL: `${emu.url}/notify`,
    EMAILS: 'ops@example.com',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
  });
  app = await compose(config);
});

afterAll(async () => {
  await app?.close();
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a resumed batch with a placeholder and its expanded recordings downloads each file once', async () => {
  const { db } = app.deps;
  const first = await runDay(app.deps, { processDate: DAY, queueIds: emu.queueIds });
  expect(first.status).toBe('SUCCESS');

  // Roll one conversation back to "expanded, not yet marked": placeholder and recordings batched again
  // under their batch, the batch open, the files gone.
  const [expanded] = await db
    .select()
    .from(recordings)
    .where(
      and(
        eq(recordings.processDate, DAY),
        eq(recordings.state, 'downloaded'),
        ne(recordings.recordingId, ALL_RECORDINGS),
      ),
    )
    .limit(1);
  expect(expanded).toBeDefined();
  const conversationId = expanded!.conversationId;
  const batchId = expanded!.batchId!;
  const rolledBack = await db
    .update(recordings)
    .set({ state: 'batched', batchId, file: null, bytes: null, sha256: null })
    .where(eq(recordings.conversationId, conversationId))
    .returning({ recordingId: recordings.recordingId, file: recordings.file });
  const audio = rolledBack.filter((r) => r.recordingId !== ALL_RECORDINGS);
  expect(rolledBack.some((r) => r.recordingId === ALL_RECORDINGS)).toBe(true);
  expect(audio.length).toBeGreaterThan(0);
  await db.update(batches).set({ status: 'submitted', completedAt: null }).where(eq(batches.id, batchId));
  const dayDir = path.join(dir, 'audio', DAY);
  for (const r of audio) await rm(path.join(dayDir, `${conversationId}_${r.recordingId}.wav`));

  emu.journal.clear();
  await runBatches(app.deps, DAY);

  const downloads = emu.journal.entries().filter((e) => e.path.startsWith('/s3/recordings/'));
  for (const r of audio) {
    expect(downloads.filter((e) => e.path.includes(r.recordingId))).toHaveLength(1);
    const [row] = await db.select().from(recordings).where(eq(recordings.recordingId, r.recordingId));
    expect(row!.state).toBe('downloaded');
    const file = path.join(dayDir, `${conversationId}_${r.recordingId}.wav`);
    expect((await stat(file)).size).toBe(emu.dataset.audioOf(r.recordingId).bytes.length);
  }
  // Nothing else was downloaded again, and the placeholder is settled.
  expect(downloads).toHaveLength(audio.length);
  const [placeholder] = await db
    .select()
    .from(recordings)
    .where(and(eq(recordings.conversationId, conversationId), eq(recordings.recordingId, ALL_RECORDINGS)));
  expect(placeholder!.state).toBe('expanded');
});

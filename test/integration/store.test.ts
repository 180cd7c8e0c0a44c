// The store on both backends it supports: embedded PGlite and PostgreSQL (TEST_DATABASE_URL).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationsToLookUp, recordLookup, upsertConversations } from '../../src/store/conversations.js';
import { type DbHandle, openDb } from '../../src/store/db.js';
import { claimNotification, markNotification } from '../../src/store/notifications.js';
import {
  batchItems,
  createBatch,
  dayRows,
  markBatchSubmitted,
  openBatches,
  pendingRecordings,
  recordDownloaded,
  upsertExpandedRecordings,
} from '../../src/store/recordings.js';
import { finishRun, listRuns, startRuns } from '../../src/store/runs.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';

const DATE = '2026-11-24';
const Q = '39988345-a7c5-4ce5-851e-334cb54efc79';

const conversation = (id: string, state: 'ready' | 'not_ready' = 'ready') => ({
  conversationId: id,
  processDate: DATE,
  queueId: Q,
  queueIds: [Q],
  agentUserIds: ['u1'],
  conversationStart: `2026-11-24T15:00:0${id.slice(-1)}.000Z`,
  conversationEnd: state === 'ready' ? '2026-11-24T15:10:00.000Z' : null,
  durationMs: state === 'ready' ? 1000 : null,
  direction: 'inbound',
  state,
  recorded: true,
});

async function allDayRows(db: DbHandle['db'], date: string, pageSize?: number) {
  const rows = [];
  for await (const r of dayRows(db, date, pageSize)) rows.push(r);
  return rows;
}

function storeContract(open: () => Promise<DbHandle>) {
  let store: DbHandle;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('runs are one row per date and queue; a re-run counts attempts', async () => {
    await startRuns(store.db, DATE, [Q]);
    await finishRun(store.db, DATE, Q, 'SUCCESS', { conversations: 3 }, null);
    await startRuns(store.db, DATE, [Q]);
    const [run] = await listRuns(store.db, { from: DATE, to: DATE });
    expect(run).toMatchObject({ processDate: DATE, queueId: Q, status: 'RUNNING', attempts: 2 });
  });

  it('conversations upsert idempotently and a finished wrap-up is looked up again', async () => {
    await upsertConversations(store.db, [conversation('c1'), conversation('c2', 'not_ready')]);
    await upsertConversations(store.db, [conversation('c1'), conversation('c2', 'not_ready')]);
    expect((await conversationsToLookUp(store.db, [DATE], 100)).map((c) => c.conversationId)).toEqual(['c1']);
    await recordLookup(store.db, 'c1', DATE, [
      { recordingId: 'r1', media: 'audio', fileState: 'AVAILABLE', state: 'pending', reason: null },
      { recordingId: 'r2', media: 'audio', fileState: 'UPLOADING', state: 'waiting', reason: 'uploading' },
    ]);
    await upsertConversations(store.db, [conversation('c2')]); // wrap-up finished
    // c1 still has a waiting recording, c2 is now ready: both need a lookup
    expect((await conversationsToLookUp(store.db, [DATE], 100)).map((c) => c.conversationId).sort()).toEqual([
      'c1',
      'c2',
    ]);
  });

  it('a lookup never touches a recording that is already in flight or done', async () => {
    const pending = await pendingRecordings(store.db, [DATE], 100);
    expect(pending.map((p) => p.recordingId)).toEqual(['r1']);
    const batch = await createBatch(store.db, DATE, pending);
    expect(batch.items).toBe(1);
    await recordLookup(store.db, 'c1', DATE, [
      { recordingId: 'r1', media: 'audio', fileState: 'AVAILABLE', state: 'pending', reason: null },
      { recordingId: 'r2', media: 'audio', fileState: 'AVAILABLE', state: 'pending', reason: null },
    ]);
    const items = await batchItems(store.db, batch.id);
    expect(items).toEqual([expect.objectContaining({ recordingId: 'r1', state: 'batched' })]);
    expect((await pendingRecordings(store.db, [DATE], 100)).map((p) => p.recordingId)).toEqual(['r2']);
    // the same recording cannot be batched twice
    const again = await createBatch(store.db, DATE, [{ conversationId: 'c1', recordingId: 'r1' }]);
    expect(again.items).toBe(0);
  });

  it('a batch keeps its Genesys job id and its recordings their files', async () => {
    const [batch] = await openBatches(store.db, [DATE]);
    await markBatchSubmitted(store.db, batch!.id, 'job-123');
    await recordDownloaded(
      store.db,
      { conversationId: 'c1', recordingId: 'r1' },
      { file: 'c1_r1.wav', bytes: 10, sha256: 'ab'.repeat(32), contentType: 'audio/wav' },
    );
    const rows = await allDayRows(store.db, DATE);
    expect(rows.find((r) => r.recordingId === 'r1')).toMatchObject({ state: 'downloaded', bytes: 10 });
    const open = await openBatches(store.db, [DATE]);
    expect(open.find((b) => b.id === batch!.id)).toMatchObject({ jobId: 'job-123', status: 'submitted' });
  });

  it('files recorded at the same time are written together, each row with its own values', async () => {
    // 70 at once: more than one group (64), and rows that must not get each other's values.
    const ids = Array.from({ length: 70 }, (_, i) => `g${String(i).padStart(2, '0')}`);
    await upsertConversations(store.db, [conversation('c3')]);
    await recordLookup(
      store.db,
      'c3',
      DATE,
      ids.map((recordingId) => ({
        recordingId,
        media: 'audio',
        fileState: 'AVAILABLE',
        state: 'pending',
        reason: null,
      })),
    );
    await Promise.all(
      ids.map((recordingId, i) =>
        recordDownloaded(
          store.db,
          { conversationId: 'c3', recordingId },
          {
            file: `c3_${recordingId}.wav`,
            bytes: 1000 + i,
            sha256: String(i % 10).repeat(64),
            contentType: i % 2 ? 'audio/wav' : null,
          },
        ),
      ),
    );
    const rows = (await allDayRows(store.db, DATE)).filter((r) => r.conversationId === 'c3');
    expect(rows).toHaveLength(70);
    for (const r of rows) {
      const i = ids.indexOf(r.recordingId ?? '');
      expect(r).toMatchObject({
        state: 'downloaded',
        reason: null,
        file: `c3_${r.recordingId}.wav`,
        bytes: 1000 + i,
        sha256: String(i % 10).repeat(64),
        contentType: i % 2 ? 'audio/wav' : null,
      });
    }
  });

  it('expanded recordings are inserted once and report the state of those already known', async () => {
    await upsertConversations(store.db, [conversation('c4')]);
    const [batch] = await openBatches(store.db, [DATE]);
    const row = (recordingId: string) => ({
      conversationId: 'c4',
      recordingId,
      processDate: DATE,
      batchId: batch!.id,
      contentType: 'audio/wav',
    });
    const first = await upsertExpandedRecordings(store.db, [row('e1'), row('e2')]);
    expect(Object.fromEntries(first)).toEqual({ 'c4/e1': 'batched', 'c4/e2': 'batched' });
    await recordDownloaded(
      store.db,
      { conversationId: 'c4', recordingId: 'e1' },
      { file: 'c4_e1.wav', bytes: 5, sha256: 'cd'.repeat(32), contentType: 'audio/wav' },
    );
    const again = await upsertExpandedRecordings(store.db, [row('e1'), row('e2'), row('e3')]);
    expect(Object.fromEntries(again)).toEqual({
      'c4/e1': 'downloaded',
      'c4/e2': 'batched',
      'c4/e3': 'batched',
    });
    const rows = (await allDayRows(store.db, DATE)).filter((r) => r.conversationId === 'c4');
    expect(rows.map((r) => [r.recordingId, r.state, r.contentType])).toEqual([
      ['e1', 'downloaded', 'audio/wav'],
      ['e2', 'batched', 'audio/wav'],
      ['e3', 'batched', 'audio/wav'],
    ]);
  });

  it('dayRows reads a day a page at a time, in byte order of start, conversation and recording', async () => {
    const day = '2026-11-20';
    const at = (id: string, conversationStart: string) => ({
      ...conversation(id),
      processDate: day,
      conversationStart,
    });
    const same = '2026-11-20T15:00:00.000Z';
    // Mixed case and punctuation: a linguistic collation would order these differently from bytes.
    await upsertConversations(store.db, [
      at('b-1', same),
      at('B-2', same),
      at('a_3', same),
      at('_z', same),
      at('late', '2026-11-20T16:00:00.000Z'),
      at('early', '2026-11-20T09:00:00.000Z'),
      { ...conversation('other'), processDate: '2026-11-21' },
    ]);
    const found = (...ids: string[]) =>
      ids.map((recordingId) => ({
        recordingId,
        media: 'audio',
        fileState: 'AVAILABLE',
        state: 'pending' as const,
        reason: null,
      }));
    await recordLookup(store.db, 'b-1', day, found('rb', 'Ra', 'r-c'));
    await recordLookup(store.db, 'early', day, found('x'));
    await recordLookup(store.db, 'other', '2026-11-21', found('y'));
    const keys = (rows: Awaited<ReturnType<typeof allDayRows>>) =>
      rows.map((r) => `${r.conversationId}/${r.recordingId ?? '-'}`);
    const expected = ['early/x', 'B-2/-', '_z/-', 'a_3/-', 'b-1/Ra', 'b-1/r-c', 'b-1/rb', 'late/-'];
    expect(keys(await allDayRows(store.db, day))).toEqual(expected);
    // Page boundaries inside a run of equal starts, and after a conversation with several recordings.
    for (const size of [1, 2, 3]) expect(keys(await allDayRows(store.db, day, size))).toEqual(expected);
    const withoutRecording = (await allDayRows(store.db, day)).find((r) => r.conversationId === 'late');
    expect(withoutRecording).toMatchObject({ recordingId: null, state: null, file: null, lookedUp: false });
  });

  it('a notification outcome is claimed once', async () => {
    const input = { processDate: DATE, dedupeKey: 'k1', outcome: 'success', payload: { a: 1 } };
    const row = await claimNotification(store.db, input);
    expect(row).toBeDefined();
    await markNotification(store.db, row!.id, { status: 'sent', attempts: 1, httpStatus: 200, error: null });
    expect(await claimNotification(store.db, input)).toBeUndefined();
  });
}

describe('store on embedded PGlite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ae-store-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  storeContract(async () => openDb({ dataDir: dir }));

  it('a second process opening the same data dir gets a clear "in use" error', async () => {
    const script = `
      import { openDb } from './src/store/db.ts';
      try { await openDb({ dataDir: ${JSON.stringify(dir)} }); console.log('OPENED'); }
      catch (e) { console.log(e.code + ': ' + e.message); }`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: process.cwd(),
      },
    );
    expect(stdout).toMatch(
      /^DB_IN_USE: The embedded database .* is already in use by another audio-extract process \(pid \d+\)/,
    );
  });
});

const pgUrl = requirePostgres();
describe.skipIf(!pgUrl)('store on PostgreSQL (ICU en-US collation)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    // A linguistic default collation, as production servers often have, so orderings that must be
    // byte order (the manifest's) are tested where they could go wrong; PGlite above sorts by bytes.
    db = await createTestDatabase('store', { icuLocale: 'en-US' });
  });
  afterAll(async () => {
    await db?.drop();
  });
  storeContract(async () => openDb({ databaseUrl: db.url, dataDir: '/nonexistent' }));
});

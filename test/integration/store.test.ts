// The store on both backends it supports: embedded PGlite and PostgreSQL (TEST_DATABASE_URL).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchedItems,
  createBatch,
  expandConversationItems,
  markBatchSubmitted,
  openBatches,
  pendingRecordings,
} from '../../src/store/batches.js';
import {
  conversationsToLookUp,
  recordConversationWide,
  recordLookup,
  upsertConversations,
} from '../../src/store/conversations.js';
import { type DbHandle, openDb } from '../../src/store/db.js';
import { acquireLease, leaseHolders, releaseLease, renewLease } from '../../src/store/leases.js';
import { claimNotification, markNotification } from '../../src/store/notifications.js';
import { dayRows, recordDownloaded } from '../../src/store/recordings.js';
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
    const items = await batchedItems(store.db, batch.id);
    expect(items).toEqual([{ conversationId: 'c1', recordingId: 'r1', attempts: 0 }]);
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

  it("a conversation-wide item's recordings become items of its batch, once, and the item closes", async () => {
    await upsertConversations(store.db, [conversation('c4'), conversation('c5')]);
    await recordConversationWide(store.db, [{ conversationId: 'c4', processDate: DATE }]);
    const pending = (await pendingRecordings(store.db, [DATE], 100)).filter((p) => p.conversationId === 'c4');
    const batch = await createBatch(store.db, DATE, pending);
    expect(await batchedItems(store.db, batch.id)).toEqual([
      { conversationId: 'c4', recordingId: null, attempts: 0 },
    ]);
    const found = (conversationId: string, recordingId: string) => ({
      conversationId,
      recordingId,
      contentType: 'audio/wav',
    });
    const first = await expandConversationItems(store.db, batch, [found('c4', 'e1'), found('c4', 'e2')]);
    expect(first).toEqual({
      items: [
        { conversationId: 'c4', recordingId: 'e1', attempts: 0 },
        { conversationId: 'c4', recordingId: 'e2', attempts: 0 },
      ],
      closed: [],
    });
    await recordDownloaded(
      store.db,
      { conversationId: 'c4', recordingId: 'e1' },
      { file: 'c4_e1.wav', bytes: 5, sha256: 'cd'.repeat(32), contentType: 'audio/wav' },
    );
    // Again with the final results: e1 is done (no item), e2 is one already, e3 is new; c5 has no
    // conversation-wide item in this batch, so its recording is not this batch's.
    const again = await expandConversationItems(
      store.db,
      batch,
      [found('c4', 'e1'), found('c4', 'e2'), found('c4', 'e3'), found('c5', 'x1')],
      ['c4', 'c5'],
    );
    expect(again.closed).toEqual(['c4']);
    expect(again.items.map((i) => i.recordingId).sort()).toEqual(['e2', 'e3']);
    expect((await batchedItems(store.db, batch.id)).map((i) => i.recordingId)).toEqual(['e2', 'e3']);
    const rows = (await allDayRows(store.db, DATE)).filter((r) => r.conversationId === 'c4');
    // The closed conversation-wide item is no row of the day any more: its recordings are.
    expect(rows.map((r) => [r.recordingId, r.state, r.contentType])).toEqual([
      ['e1', 'downloaded', 'audio/wav'],
      ['e2', 'batched', 'audio/wav'],
      ['e3', 'batched', 'audio/wav'],
    ]);
    expect((await allDayRows(store.db, DATE)).filter((r) => r.conversationId === 'c5')).toEqual([
      expect.objectContaining({ recordingId: null, state: null }),
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
    const row = await claimNotification(store.db, input, 'w1', 60_000);
    expect(row).toBeDefined();
    await markNotification(store.db, row!.id, { status: 'sent', attempts: 1, httpStatus: 200, error: null });
    expect(await claimNotification(store.db, input, 'w1', 60_000)).toBeUndefined();
    expect(await claimNotification(store.db, input, 'w2', 60_000)).toBeUndefined();
  });

  it("a live sender's claim cannot be taken, a crashed sender's can once it ends", async () => {
    const input = { processDate: DATE, dedupeKey: 'k2', outcome: 'success', payload: { a: 2 } };
    expect(await claimNotification(store.db, input, 'live', 60_000)).toBeDefined();
    expect(await claimNotification(store.db, input, 'other', 60_000)).toBeUndefined();
    // The same sender may claim again (a retry of its own send).
    expect(await claimNotification(store.db, input, 'live', 60_000)).toBeDefined();

    const crashed = { ...input, dedupeKey: 'k3' };
    expect(await claimNotification(store.db, crashed, 'crashed', 150)).toBeDefined();
    expect(await claimNotification(store.db, crashed, 'other', 60_000)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 250));
    expect((await claimNotification(store.db, crashed, 'other', 60_000))?.claimedBy).toBe('other');
  });

  it('a lease is held by one owner, renewed by it, and taken over only once it has expired', async () => {
    expect(await acquireLease(store.db, 'day:x', 'a', 60_000)).toBe(true);
    expect(await acquireLease(store.db, 'day:x', 'b', 60_000)).toBe(false);
    expect(await acquireLease(store.db, 'day:x', 'a', 60_000)).toBe(true);
    expect(await renewLease(store.db, 'day:x', 'b', 60_000)).toBe(false);
    expect(await renewLease(store.db, 'day:x', 'a', 60_000)).toBe(true);
    const held = (await leaseHolders(store.db, ['day:x', 'day:none'])).get('day:x');
    expect(held?.owner).toBe('a');
    expect(held!.remainingMs).toBeGreaterThan(55_000);

    expect(await acquireLease(store.db, 'batch:1', 'a', 150)).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
    expect((await leaseHolders(store.db, ['batch:1'])).get('batch:1')!.remainingMs).toBeLessThanOrEqual(0);
    expect(await acquireLease(store.db, 'batch:1', 'b', 60_000)).toBe(true);
    // The former holder finds out at its next renewal, and its release does not free b's lease.
    expect(await renewLease(store.db, 'batch:1', 'a', 60_000)).toBe(false);
    await releaseLease(store.db, 'batch:1', 'a');
    expect((await leaseHolders(store.db, ['batch:1'])).get('batch:1')?.owner).toBe('b');
    await releaseLease(store.db, 'batch:1', 'b');
    expect(await acquireLease(store.db, 'batch:1', 'c', 60_000)).toBe(true);
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

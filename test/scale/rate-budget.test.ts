// The shared rate budget's row in PostgreSQL (ADR 0017): what one statement grants, on the database's
// clock. What an operator would notice if it failed: a process alone on the client paced at 5 a second
// on a small day (main's in-process limiter spends the server's window at once), or, with several
// processes, one spending the window's remainder while the others do too (429s).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DbHandle, openDb } from '../../src/store/db.js';
import { blockBudget, takeFromBudget } from '../../src/store/rate-budget.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';

const pgUrl = requirePostgres();
const SHAPE = { capacity: 5, refillPerSecond: 5 };
const ALONE_AFTER_MS = 600;

describe.skipIf(!pgUrl)('the rate budget row on PostgreSQL', () => {
  let testDb: TestDatabase;
  let store: DbHandle;
  let n = 0;
  /** a budget of its own for each test */
  let key: string;
  const take = (owner: string, windowSend: boolean) =>
    takeFromBudget(store.db, key, SHAPE, { owner, windowSend, aloneAfterMs: ALONE_AFTER_MS });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    testDb = await createTestDatabase('rate_budget');
    store = await openDb({ databaseUrl: testDb.url, dataDir: '/nonexistent' });
  });
  afterAll(async () => {
    await store?.close();
    await testDb?.drop();
  });
  beforeEach(() => {
    key = `test/${++n}`;
  });

  it('a process alone: the burst from tokens, then window sends without one; a paced ask waits', async () => {
    const burst = [];
    for (let i = 0; i < 5; i++) burst.push(await take('a', false));
    expect(burst.map((t) => t.granted)).toEqual([true, true, true, true, true]);
    expect(burst.every((t) => t.alone)).toBe(true);
    const paced = await take('a', false);
    expect(paced.granted).toBe(false);
    expect(paced.waitMs).toBeGreaterThan(100);
    expect(paced.waitMs).toBeLessThanOrEqual(200);
    const sends = [];
    for (let i = 0; i < 20; i++) sends.push(await take('a', true));
    expect(sends.every((t) => t.granted && t.alone)).toBe(true);
    expect(sends.at(-1)!.tokens).toBeLessThan(1);
  });

  it('a second process makes it shared for both: window sends need tokens until it has been quiet', async () => {
    for (let i = 0; i < 5; i++) await take('a', false);
    const b = await take('b', true);
    expect(b.alone).toBe(false);
    expect(b.granted).toBe(false);
    const a = await take('a', true);
    expect(a.alone).toBe(false);
    expect(a.granted).toBe(false);
    // A token refilled: granted to whoever asks, shared or not.
    await sleep(250);
    expect((await take('b', false)).granted).toBe(true);
    // b quiet for longer than ALONE_AFTER_MS, while a keeps asking: a is alone again.
    await sleep(ALONE_AFTER_MS + 100);
    await take('a', false);
    await sleep(ALONE_AFTER_MS + 100);
    const later = await take('a', true);
    expect(later.alone).toBe(true);
    expect(later.granted).toBe(true);
  });

  it('a block closes it to window sends too, and empties it', async () => {
    await take('a', false);
    await blockBudget(store.db, key, 500);
    const blocked = await take('a', true);
    expect(blocked.granted).toBe(false);
    expect(blocked.waitMs).toBeGreaterThan(0);
    expect(blocked.waitMs).toBeLessThanOrEqual(500);
    await sleep(blocked.waitMs + 20);
    // Open again: no burst saved up, but a process alone may send on the window.
    expect((await take('a', false)).granted).toBe(false);
    expect((await take('a', true)).granted).toBe(true);
  });
});

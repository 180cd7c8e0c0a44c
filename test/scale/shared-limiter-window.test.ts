// One process on PostgreSQL spends the server's rate window as one process on the embedded database
// does (test/integration/limiter-window.test.ts): the shared budget (ADR 0017) lets a process alone on
// the OAuth client go at the pace of its concurrency while the window has room, stops at the margin
// until the reset, and sends no request into a 429. What an operator would notice if it failed: on
// PostgreSQL a small day paced at 5 requests a second (or 429s).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Composed, compose } from '../../src/cli/compose.js';
import { parseConfig } from '../../src/config/schema.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { emulatorEnv } from '../support/cli.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import { spendOneWindow } from '../support/window-spend.js';

const pgUrl = requirePostgres();
const DAY = '2026-03-10';
const LIMIT = 300;

describe.skipIf(!pgUrl)('one process on the shared rate budget spends the server window', () => {
  let testDb: TestDatabase;
  let emu: Emulator;
  let dataDir: string;
  let app: Composed;

  beforeAll(async () => {
    testDb = await createTestDatabase('shared_window');
    emu = await buildEmulator({ seed: 'limiter-window', conversationsPerDay: 400, ratePerMinute: LIMIT });
    dataDir = await mkdtemp(path.join(tmpdir(), 'ae-shared-window-'));
    const env = emulatorEnv(emu, dataDir, {
      DATABASE_URL: testDb.url,
      GENESYS_RATE_LIMIT_PER_MINUTE: String(LIMIT),
    });
    app = await compose(parseConfig(env), { logger: createLogger({ level: 'silent' }) });
    await app.deps.genesys.checkCredentials();
    emu.journal.clear();
  });
  afterAll(async () => {
    await app?.close();
    await emu?.close();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('sends a window-full at the pace of its concurrency, then waits for the reset: no 429', async () => {
    const { genesys } = app.deps;
    const { room, api, mostInASecond } = await spendOneWindow(emu, genesys, DAY, LIMIT);
    process.stdout.write(
      `shared budget, one process: ${api.length} requests, at most ${mostInASecond} in a second\n`,
    );
    expect(api.filter((e) => e.status === 429)).toEqual([]);
    // At most the window's budget minus the margin went out; the rest waited for the reset.
    expect(api.length).toBe(room);
    expect(genesys.budgetIdle()).toBe(false);
    // Not paced at the bucket's 5 a second: some second saw many times that.
    expect(mostInASecond).toBeGreaterThan(25);
    for (const w of emu.journal.rateWindows('emulator')) expect(w.limited).toBe(0);
  }, 120_000);
});

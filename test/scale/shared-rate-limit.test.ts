// One rate budget for every process of an OAuth client (ADR 0017): three processes with ten callers each
// ask Genesys (the emulator) for 20 s through the composed client, as `run` and `worker` build it on
// PostgreSQL. What an operator would notice if this failed: three workers sending three times the
// budget and drawing 429 storms, or one process' 429 leaving the others sending into it.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { bucketFor } from '../../src/genesys/shared-limiter.js';
import { openDb } from '../../src/store/db.js';
import { emulatorEnv } from '../support/cli.js';
import { pastWeekday } from '../support/expected.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';

const pgUrl = requirePostgres();
const RATE = 1200; // per minute: 20 a second
const PROCESSES = 3;
const CALLERS = 10;
const RUN_MS = 20_000;
/** when the one 429 (Retry-After: 3) is answered, after the start */
const FAULT_AT_MS = 8_000;
const CHILD = path.resolve('test/support/limiter-child.ts');

interface Done {
  answers: { at: number; ok: boolean }[];
  rateLimited: number;
}

describe.skipIf(!pgUrl)('three processes sharing one rate budget through PostgreSQL', () => {
  let testDb: TestDatabase;
  let emu: Emulator;
  let dataDir: string;
  let go = 0;
  let results: Done[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase('shared_rate');
    // Migrated once here, so the children's start-up is quick and alike.
    await (await openDb({ databaseUrl: testDb.url, dataDir: '/nonexistent' })).close();
    // The emulator's own limit is far above the budget: only the budget holds the rate here.
    emu = await buildEmulator({ seed: 3, conversationsPerDay: 20, ratePerMinute: 1_000_000 });
    dataDir = await mkdtemp(path.join(tmpdir(), 'ae-rate-'));
    const conversationId = emu.dataset.conversationsOnLocalDay(pastWeekday(4))[0]!.conversationId;
    const env = {
      ...emulatorEnv(emu, dataDir, {
        DATABASE_URL: testDb.url,
        GENESYS_RATE_LIMIT_PER_MINUTE: String(RATE),
      }),
      CALLERS: String(CALLERS),
      CONVERSATION_ID: conversationId,
    };
    const ready: Promise<void>[] = [];
    const done: Promise<Done>[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], env, stdio: 'inherit' });
      children.push(child);
      ready.push(
        new Promise((resolve) => child.on('message', (m: { ready?: boolean }) => m.ready && resolve())),
      );
      done.push(
        new Promise((resolve, reject) => {
          child.on('message', (m: { done?: Done }) => m.done && resolve(m.done));
          child.on('exit', (code) => code !== 0 && reject(new Error(`limiter child exited ${code}`)));
        }),
      );
    }
    await Promise.all(ready);
    emu.journal.clear();
    go = Date.now();
    for (const c of children) c.send({ go: { until: go + RUN_MS } });
    // A 429 with Retry-After: 3 for whichever process asks next.
    setTimeout(() => {
      emu.faults.add({ match: { path: '/recordingmetadata$/' }, times: 1, status: 429, retryAfter: 3 });
    }, FAULT_AT_MS);
    results = await Promise.all(done);
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await emu?.close();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const served = () =>
    emu.journal
      .entries()
      .filter((e) => e.path.endsWith('/recordingmetadata') && e.status === 200)
      .map((e) => e.at);

  it('grants at most rate × 20 s + burst in all, and no more than the rate allows in any second', () => {
    const { capacity } = bucketFor(RATE);
    const times = served();
    expect(times.length).toBeLessThanOrEqual((RATE / 60) * (RUN_MS / 1000) + capacity);
    // Sliding one-second windows: the burst plus one second of refill at most.
    const sorted = [...times].sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while (sorted[i]! - sorted[j]! >= 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    process.stdout.write(
      `shared rate budget: ${times.length} grants in ${RUN_MS / 1000} s to ${PROCESSES} processes ` +
        `(limit ${(RATE / 60) * (RUN_MS / 1000) + capacity}), at most ${most} in any second\n`,
    );
    expect(most).toBeLessThanOrEqual(capacity + Math.ceil(RATE / 60));
    // And the budget is used: ≥ 90% of it over the 17 s it was open.
    expect(times.length).toBeGreaterThanOrEqual(0.9 * (RATE / 60) * ((RUN_MS - 3_000) / 1000));
    // Every process got its share (no process starved by the others).
    for (const r of results) expect(r.answers.filter((a) => a.ok).length).toBeGreaterThan(50);
  });

  it('a 429 in one process pauses all three for its Retry-After', () => {
    const limited = emu.journal.entries().filter((e) => e.status === 429);
    expect(limited).toHaveLength(1);
    expect(results.map((r) => r.rateLimited).sort()).toEqual([0, 0, 1]);
    const at = limited[0]!.at;
    // Requests already granted when the 429 came may still arrive a moment later; then none until 3 s.
    const during = served().filter((t) => t > at + 250 && t < at + 2_750);
    expect(during).toEqual([]);
    // All three processes resumed after it.
    for (const r of results) expect(r.answers.some((a) => a.ok && a.at > at + 3_000)).toBe(true);
  });
});

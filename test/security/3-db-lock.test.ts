// Security item 3 (issue 14): the embedded database's "already in use" lock. Twenty processes race for
// the same DATA_DIR fifty times, from a clean directory and from locks left by dead processes: exactly
// one wins each time, and every loser names the winner. Stale locks (dead owner, reused pid) are taken
// over; a live owner's is not.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/store/db.js';

const WORKER = path.resolve('test/support/lock-worker.ts');
const RACERS = 20;
const ROUNDS = 50;
const LOCK = 'audio-extract.lock';

interface Reply {
  round?: number;
  won?: boolean;
  code?: string;
  message?: string;
  released?: number;
  ready?: number;
}

interface Worker {
  child: ChildProcess;
  pid: number;
  next(filter: (r: Reply) => boolean): Promise<Reply>;
}

async function startWorker(): Promise<Worker> {
  const child = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const inbox: Reply[] = [];
  const waiters: { filter: (r: Reply) => boolean; resolve: (r: Reply) => void }[] = [];
  child.on('message', (r: Reply) => {
    const i = waiters.findIndex((w) => w.filter(r));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(r);
    else inbox.push(r);
  });
  const next = (filter: (r: Reply) => boolean) =>
    new Promise<Reply>((resolve) => {
      const i = inbox.findIndex(filter);
      if (i >= 0) resolve(inbox.splice(i, 1)[0]!);
      else waiters.push({ filter, resolve });
    });
  const ready = await next((r) => r.ready !== undefined);
  return { child, pid: ready.ready!, next };
}

/** The pid of a process that has exited (a crashed owner). */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => p.on('exit', r));
  return p.pid!;
}

const ownerJson = (o: { pid: number; start: string | null; host?: string; nonce?: string }) =>
  JSON.stringify({ host: hostname(), nonce: `test-${Math.random()}`, ...o });

/** lockDataDir as a promise whatever it throws or returns. */
const lockOf = async (dir: string) => lockDataDir(dir);

let workers: Worker[] = [];
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ae-lock-'));
  workers = await Promise.all(Array.from({ length: RACERS }, () => startWorker()));
}, 180_000);
afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

describe('item 3: taking the embedded database lock is atomic', () => {
  it(`${RACERS} processes racing for one DATA_DIR: exactly one wins, every time, over ${ROUNDS} rounds`, async () => {
    const dir = path.join(root, 'race', 'db');
    const starts = ['clean', 'stale lock (dead pid)', 'stale lock of the former format (bare dead pid)'];
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const start = starts[round % starts.length]!;
      await rm(dir, { recursive: true, force: true });
      if (start !== 'clean') {
        const { mkdir } = await import('node:fs/promises');
        await mkdir(dir, { recursive: true });
        const pid = await deadPid();
        await writeFile(
          path.join(dir, LOCK),
          start.includes('former') ? String(pid) : ownerJson({ pid, start: null }),
        );
      }
      const at = Date.now() + 250;
      for (const w of workers) w.child.send({ go: { round, at, dir } });
      const replies = await Promise.all(workers.map((w) => w.next((r) => r.round === round)));
      const winners = workers.filter((_, i) => replies[i]!.won);
      if (winners.length !== 1) {
        failures.push(`round ${round} (${start}): ${winners.length} winners`);
      } else {
        const winner = winners[0]!;
        for (const r of replies.filter((x) => !x.won)) {
          if (r.code !== 'DB_IN_USE' || !r.message?.includes(`(pid ${winner.pid})`)) {
            failures.push(`round ${round} (${start}): a loser said ${r.code}: ${r.message}`);
          }
        }
        // While held, the lock is the only file left behind (no temp files, no break tokens).
        const left = await readdir(dir);
        if (left.join() !== LOCK) failures.push(`round ${round}: files left while held: ${left.join(', ')}`);
      }
      for (const w of winners) {
        w.child.send({ release: round });
        await w.next((r) => r.released === round);
      }
      const after = await readdir(dir).catch(() => []);
      if (after.length > 0) failures.push(`round ${round}: files left after release: ${after.join(', ')}`);
      if (failures.length > 5) break;
    }
    expect(failures).toEqual([]);
  }, 600_000);
});

describe('item 3: stale locks are taken over, live ones are not', () => {
  const fresh = async (name: string) => {
    const dir = path.join(root, name, 'db');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    return dir;
  };

  it('takes over the lock of a process that was killed while holding it', async () => {
    const dir = await fresh('killed');
    const w = await startWorker();
    w.child.send({ go: { round: 1, at: 0, dir } });
    expect((await w.next((r) => r.round === 1)).won).toBe(true);
    w.child.kill('SIGKILL');
    await new Promise((r) => w.child.once('exit', r));
    const release = await lockDataDir(dir);
    release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not take the lock of a live process, and names it', async () => {
    const dir = await fresh('live');
    const w = workers[0]!;
    w.child.send({ go: { round: 1001, at: 0, dir } });
    expect((await w.next((r) => r.round === 1001)).won).toBe(true);
    try {
      await expect(lockOf(dir)).rejects.toMatchObject({
        code: 'DB_IN_USE',
        message: expect.stringContaining(`already in use by another audio-extract process (pid ${w.pid})`),
      });
    } finally {
      w.child.send({ release: 1001 });
      await w.next((r) => r.released === 1001);
    }
  });

  describe('a reused pid: a live process with the pid written in the lock, but not the one that wrote it', () => {
    let sleeper: ChildProcess;
    beforeAll(async () => {
      sleeper = spawn('sleep', ['60']);
      await new Promise((r) => sleeper.once('spawn', r));
    });
    afterAll(() => sleeper?.kill('SIGKILL'));

    it('a lock whose start time differs from the live process is stale', async () => {
      const dir = await fresh('reused');
      await writeFile(path.join(dir, LOCK), ownerJson({ pid: sleeper.pid!, start: 'another-boot:12345' }));
      (await lockDataDir(dir))();
    });

    it('a lock of the former format written before the live process started is stale', async () => {
      const dir = await fresh('reused-legacy');
      const file = path.join(dir, LOCK);
      await writeFile(file, String(sleeper.pid));
      const anHourAgo = new Date(Date.now() - 3600_000);
      await utimes(file, anHourAgo, anHourAgo);
      (await lockDataDir(dir))();
    });

    it('a lock of the former format written after the live process started is respected', async () => {
      const dir = await fresh('legacy-live');
      await writeFile(path.join(dir, LOCK), String(sleeper.pid));
      await expect(lockOf(dir)).rejects.toMatchObject({ code: 'DB_IN_USE' });
    });
  });

  it('a lock taken on another host is respected (its pid cannot be checked from here)', async () => {
    const dir = await fresh('other-host');
    await writeFile(path.join(dir, LOCK), ownerJson({ pid: 4242, start: null, host: 'worker-7.example' }));
    await expect(lockOf(dir)).rejects.toMatchObject({
      code: 'DB_IN_USE',
      message: expect.stringContaining('pid 4242 on host worker-7.example'),
    });
  });
});

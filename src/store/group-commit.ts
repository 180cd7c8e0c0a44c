// Group commit for the per-recording writes of the download stage. Every caller still waits until its
// own write is committed, exactly as with one transaction each, but writes that arrive while a commit
// is under way are committed together in the next transaction. With CONCURRENCY downloads finishing
// around the same time that is several rows per commit instead of one, which matters on the embedded
// database: PGlite runs on the main thread and writes its WAL synchronously, so one commit per file
// held up the downloads themselves (docs/performance.md).
import type { Db } from './db.js';

/**
 * One write; it receives the transaction of its group (or the db itself when it is alone) and must use
 * it, not the outer db. A write of several statements that must be atomic opens its own transaction on it.
 */
export type GroupedWrite<T> = (tx: Db) => Promise<T>;

export interface GroupCommit {
  run<T>(write: GroupedWrite<T>): Promise<T>;
}

/** Writes per transaction at most: keeps one group's transaction short. */
const MAX_GROUP = 64;

interface Pending {
  write: GroupedWrite<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export function createGroupCommit(db: Db): GroupCommit {
  const queue: Pending[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        const group = queue.splice(0, MAX_GROUP);
        if (group.length === 1) {
          // Alone: one statement commits by itself, without BEGIN and COMMIT round trips.
          const [p] = group as [Pending];
          await p.write(db).then(p.resolve, p.reject);
          continue;
        }
        const results: unknown[] = [];
        try {
          await db.transaction(async (tx) => {
            results.length = 0;
            for (const p of group) results.push(await p.write(tx as unknown as Db));
          });
          for (const [i, p] of group.entries()) p.resolve(results[i]);
        } catch {
          // One write failed and took the group's transaction with it: run each on its own, so only
          // the failing one fails and every other caller still gets its write.
          for (const p of group) {
            try {
              p.resolve(await db.transaction((tx) => p.write(tx as unknown as Db)));
            } catch (err) {
              p.reject(err);
            }
          }
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    run<T>(write: GroupedWrite<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ write, resolve: resolve as (v: unknown) => void, reject });
        // The first write goes at once; later ones gather while it commits.
        if (!flushing) void flush();
      });
    },
  };
}

const byDb = new WeakMap<object, GroupCommit>();

/** The group committer of one database handle (one per handle, created on first use). */
export function groupCommitFor(db: Db): GroupCommit {
  let g = byDb.get(db);
  if (!g) {
    g = createGroupCommit(db);
    byDb.set(db, g);
  }
  return g;
}

// Writes that many callers make one row at a time, done as one statement per group (src/lib/pool.ts
// groupWriter), with one group writer per database handle.
import { groupWriter } from '../lib/pool.js';
import type { Db } from './db.js';

/** A group is written when 64 items wait, or 25 ms after the first of them arrived. */
const GROUP = { maxItems: 64, waitMs: 25 };

/**
 * `write(db, items)` called with the items that callers passed to the returned function for the same
 * `db` together. Each call resolves once its own item is written, or rejects with its group's error.
 */
export function groupedPerDb<T>(
  write: (db: Db, items: T[]) => Promise<void>,
): (db: Db, item: T) => Promise<void> {
  const writers = new WeakMap<Db, (item: T) => Promise<void>>();
  return (db, item) => {
    let add = writers.get(db);
    if (!add) {
      add = groupWriter((items: T[]) => write(db, items), GROUP);
      writers.set(db, add);
    }
    return add(item);
  };
}

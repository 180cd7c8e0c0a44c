// Concurrency helpers without a dependency: bounded pools, a slot limiter, a coalescer and group writes.

/**
 * Runs fn over items with at most `concurrency` in flight. The first error stops new work and is
 * rethrown after in-flight calls settle.
 */
export async function mapPool<T>(
  items: Iterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  const it = items[Symbol.iterator]();
  let index = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    for (;;) {
      if (failed) return;
      const next = it.next();
      if (next.done) return;
      const i = index++;
      try {
        await fn(next.value, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failed) throw failed.error;
}

/** Runs functions with at most `concurrency` of them in flight, first come first served. */
export type Limit = <R>(fn: () => Promise<R>) => Promise<R>;

export function createLimit(concurrency: number): Limit {
  const max = Math.max(1, concurrency);
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, so `active` stays counted for it.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** `run` at most once at a time; calls during a run share the single run started after it. */
export function coalesce(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const p: Promise<void> = run().finally(() => {
      if (running === p) running = undefined;
    });
    running = p;
    return p;
  };
  return () => {
    if (!running) return start();
    next ??= running.then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}

/**
 * Batches single writes into group writes (a group commit): each `add(item)` resolves once the group
 * holding it is written, or rejects with that group's error. A group is written when `maxItems` are
 * waiting, or `waitMs` after the first of them arrived; one group is written at a time.
 */
export function groupWriter<T>(
  write: (items: T[]) => Promise<void>,
  opts: { maxItems: number; waitMs: number },
): (item: T) => Promise<void> {
  let waiting: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let writing = false;
  let full: (() => void) | undefined;
  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      if (waiting.length < opts.maxItems) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, opts.waitMs);
          full = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        full = undefined;
      }
      const group = waiting.slice(0, opts.maxItems);
      waiting = waiting.slice(group.length);
      try {
        await write(group.map((g) => g.item));
        for (const g of group) g.resolve();
      } catch (e) {
        for (const g of group) g.reject(e);
      }
    }
    writing = false;
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!writing) void drain();
      else if (waiting.length >= opts.maxItems) full?.();
    });
}

/**
 * A groupWriter per key object (e.g. per database handle), made on first use: `write(key, items)` gets
 * the items that callers passed with the same key together.
 */
export function groupWriterPerKey<K extends object, T>(
  write: (key: K, items: T[]) => Promise<void>,
  opts: { maxItems: number; waitMs: number },
): (key: K, item: T) => Promise<void> {
  const writers = new WeakMap<K, (item: T) => Promise<void>>();
  return (key, item) => {
    let add = writers.get(key);
    if (!add) {
      add = groupWriter((items: T[]) => write(key, items), opts);
      writers.set(key, add);
    }
    return add(item);
  };
}

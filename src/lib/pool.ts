// Bounded concurrency without a dependency: run fn over items with at most `concurrency` in flight.
// The first error stops new work and is rethrown after in-flight calls settle.
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

// Stages that run at the same time, each feeding the next through the database (ADR 0005): the later
// stage asks its upstream whether it has finished, and waits for its next write instead of polling.
import { createWakeSignal } from './wake-signal.js';

/**
 * The stage feeding a later one while both run (discover → look up → batches): whether it has finished,
 * a promise that settles when it does (its errors are the feeding stage's to report), and one that
 * settles when it next writes work for the later stage.
 */
export interface Upstream {
  done(): boolean;
  /** it ended with an error: the run will fail, so the later stage takes no new work */
  failed(): boolean;
  settled: Promise<unknown>;
  /**
   * Settles the next time the stage writes new work (or ends). Take it *before* reading the database,
   * so a write between the read and the wait is not missed.
   */
  wrote(): Promise<unknown>;
}

/** An upstream that has already finished: the later stage runs on what is in the database. */
export const FINISHED: Upstream = {
  done: () => true,
  failed: () => false,
  settled: Promise.resolve(),
  wrote: () => Promise.resolve(),
};

/**
 * Runs a stage and describes it as the upstream of the next one. The stage calls `wrote()` each time it
 * has written work the next stage can take, which wakes that stage at once instead of at its next poll.
 */
export function asUpstream<T>(stage: (wrote: () => void) => Promise<T>): {
  result: Promise<T>;
  upstream: Upstream;
} {
  let finished = false;
  let failed = false;
  const written = createWakeSignal();
  const result = stage(written.wake).then(
    (v) => {
      finished = true;
      return v;
    },
    (e: unknown) => {
      finished = true;
      failed = true;
      throw e;
    },
  );
  const settled = result.catch(() => {});
  return {
    result,
    upstream: {
      done: () => finished,
      failed: () => failed,
      settled,
      wrote: () => Promise.race([written.wait(), settled]),
    },
  };
}

/**
 * Waits until every promise has settled, then resolves with their values or rejects with the first
 * error in the order given: a stage that failed is reported only once every stage has stopped.
 */
export async function settleAll<T extends readonly unknown[]>(
  promises: { [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

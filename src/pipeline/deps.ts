// What every stage receives from the composition root (src/cli/compose.ts): no module-level singletons.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { GenesysClient } from '../genesys/types.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../store/db.js';

export interface PipelineDeps {
  config: Config;
  db: Db;
  genesys: GenesysClient;
  logger: Logger;
  clock: Clock;
  /** cancels the run (SIGINT/SIGTERM): stages stop taking new work and return */
  signal?: AbortSignal;
  /** progress events for the CLI (progress bars) and metrics */
  onProgress?: (event: ProgressEvent) => void;
}

export type Stage = 'discover' | 'lookup' | 'batches' | 'download' | 'report' | 'notify';

export interface ProgressEvent {
  processDate: string;
  stage: Stage;
  done: number;
  total?: number;
}

export interface DayPlan {
  processDate: string;
  queueIds: readonly string[];
}

/**
 * The stage feeding a later one while both run (discover → lookup → transfer): whether it has finished,
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
  // Promise.withResolvers is Node 22+.
  const next = () => {
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  };
  let signal = next();
  const wrote = () => {
    const current = signal;
    signal = next();
    current.resolve();
  };
  const result = stage(wrote).then(
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
      wrote: () => Promise.race([signal.promise, settled]),
    },
  };
}

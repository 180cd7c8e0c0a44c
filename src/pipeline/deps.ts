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
 * and a promise that settles when it does (its errors are the feeding stage's to report).
 */
export interface Upstream {
  done(): boolean;
  /** it ended with an error: the run will fail, so the later stage takes no new work */
  failed(): boolean;
  settled: Promise<unknown>;
}

/** An upstream that has already finished: the later stage runs on what is in the database. */
export const FINISHED: Upstream = { done: () => true, failed: () => false, settled: Promise.resolve() };

/** Runs `stage` and describes it as the upstream of the next one. */
export function asUpstream<T>(stage: Promise<T>): { result: Promise<T>; upstream: Upstream } {
  let finished = false;
  let failed = false;
  const result = stage.then(
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
  return {
    result,
    upstream: { done: () => finished, failed: () => failed, settled: result.catch(() => {}) },
  };
}

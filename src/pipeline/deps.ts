// What every stage receives from the composition root (src/cli/compose.ts): no module-level singletons.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { GenesysClient } from '../genesys/types.js';
import type { Clock } from '../lib/clock.js';
import type { AudioStorage } from '../storage/index.js';
import type { Db } from '../store/db.js';
import type { Flight } from './batches.js';

export interface PipelineDeps {
  config: Config;
  db: Db;
  genesys: GenesysClient;
  /** Where the audio and the day files go (STORAGE_URL: local directory or S3 bucket). */
  storage: AudioStorage;
  logger: Logger;
  clock: Clock;
  /** this process as the holder of leases and claims (lib/worker-id.ts, ADR 0016) */
  workerId: string;
  /** cancels the run (SIGINT/SIGTERM): stages stop taking new work and return */
  signal?: AbortSignal;
  /** progress events for the CLI (progress bars) and metrics */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * How a day's batches are worked: by default in this process (pipeline/batches.ts); on PostgreSQL as
   * jobs any worker may take (src/scheduler/batch-dispatch.ts, ADR 0016).
   */
  batchFlight?: (deps: PipelineDeps, processDate: string) => Flight;
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

// Batches as jobs (ADR 0016): on PostgreSQL a day's coordinator queues each batch as an `extract-batch`
// job, and whichever worker takes it runs the batch from submission to closed row (runBatch) under the
// batch's lease, so its result URLs are used by the process that polls for them, before they expire. A
// worker that dies loses the lease within LEASE_SECONDS; the coordinator then queues the batch again
// and another worker resumes it with the Genesys job id recorded on the row.
import { setMaxListeners } from 'node:events';
import type PgBoss from 'pg-boss';
import { countRequests, emptyStats } from '../genesys/usage-scope.js';
import { sleepOrWake } from '../lib/clock.js';
import { errorMessage, isAppError } from '../lib/errors.js';
import { createLimit } from '../lib/pool.js';
import { redactText } from '../lib/redact.js';
import { createWakeSignal } from '../lib/wake-signal.js';
import { type ApiUsage, apiUsageBetween } from '../pipeline/api-usage.js';
import { runBatch } from '../pipeline/batch.js';
import { BATCHES_AWAITING, BATCHES_IN_FLIGHT } from '../pipeline/batches.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import { batchById } from '../store/batches.js';
import { batchKey, type JobQueue, QUEUES } from './job-queue.js';
import { type HeldLease, leaseDepsOf, tryLease, WORKER_LEASE_PREFIX } from './leases.js';

export interface ExtractBatchJob {
  batchId: number;
  processDate: string;
}

/** A batch job's answer (its pg-boss output), which the day's coordinator reads. */
export interface BatchJobOutput {
  /** the batch was worked to its end here: the counts (submitted 0 when resumed with its job id) */
  outcome?: { submitted: number; downloaded: number; unavailable: number; failed: number; requeued: number };
  /** its submission failed: the batch is still `created` (the coordinator sets it aside) */
  submitFailed?: string;
  /** it was not finished here (this process stopped or lost the lease): it is to be worked again */
  released?: string;
  /** nothing was done: the batch was closed already, or another process holds its lease */
  skipped?: string;
  /** the Genesys requests its run made here, and the process that made them (paid on the day's runs) */
  apiUsage?: ApiUsage;
  by?: string;
}

/** Runs batch jobs in one process, within that process' limits (pipeline/batches.ts). */
export interface BatchRunner {
  /** how many more batches it takes now */
  room(): number;
  /** batches it is running */
  active(): number;
  /**
   * Runs the job's batch under its lease and hands `end` its answer (rejected with the batch's error,
   * which fails the day). The lease is given back only once `end` has recorded that answer on the job:
   * a coordinator that finds the batch closed and its lease gone then finds the job's answer too.
   */
  run(job: ExtractBatchJob, end: (answer: Promise<BatchJobOutput>) => Promise<void>): Promise<void>;
  /** settles when room may have grown */
  wake(): Promise<void>;
  /** Resolves when every batch it runs has ended. */
  settled(): Promise<void>;
  /** what it did, for the worker's periodic log line */
  counts(): { batches: number; downloaded: number; released: number };
}

export function createBatchRunner(deps: PipelineDeps): BatchRunner {
  // One pool of download slots for every batch this process runs, as in one process (batches.ts).
  const slots = createLimit(deps.config.CONCURRENCY);
  const running = new Set<Promise<unknown>>();
  let awaiting = 0;
  // Woken whenever room may have grown.
  const room = createWakeSignal();
  const wakeUp = room.wake;
  const counts = { batches: 0, downloaded: 0, released: 0 };

  async function work(
    job: ExtractBatchJob,
    ready: () => void,
    end: (answer: Promise<BatchJobOutput>) => Promise<void>,
  ): Promise<void> {
    let lease: HeldLease | undefined;
    const answer = (async (): Promise<BatchJobOutput> => {
      const closed = (status: string | undefined) =>
        status === undefined || status === 'completed' || status === 'abandoned';
      if (closed((await batchById(deps.db, job.batchId))?.status)) return { skipped: 'the batch is closed' };
      lease = await tryLease(leaseDepsOf(deps), batchKey(job.batchId));
      if (!lease) return { skipped: 'another process holds the batch' };
      const signal = deps.signal ? AbortSignal.any([deps.signal, lease.lost]) : lease.lost;
      // The batch's requests and downloads all listen to it: dozens at once are expected, not a leak.
      setMaxListeners(1000, signal);
      const requests = emptyStats();
      const paid = () => ({ apiUsage: apiUsageBetween(emptyStats(), requests), by: deps.workerId });
      const released = () => {
        counts.released++;
        return { released: errorMessage(signal.reason ?? 'stopped'), ...paid() };
      };
      try {
        // Read again under the lease: a process that held it before may have closed it or recorded a job.
        const batch = await batchById(deps.db, job.batchId);
        if (!batch || closed(batch.status)) return { skipped: 'the batch is closed' };
        const r = await countRequests(requests, () => runBatch({ ...deps, signal }, batch, slots, ready));
        if (signal.aborted) return released();
        counts.batches++;
        counts.downloaded += r.downloaded;
        const { submitted, downloaded, unavailable, failed, requeued } = r;
        return {
          outcome: { submitted, downloaded, unavailable, failed, requeued },
          ...(r.submitFailed === undefined ? {} : { submitFailed: redactText(errorMessage(r.submitFailed)) }),
          ...paid(),
        };
      } catch (e) {
        if (signal.aborted) return released();
        throw e;
      }
    })();
    try {
      await end(answer);
    } finally {
      await lease?.release();
    }
  }

  return {
    room: () => Math.max(0, Math.min(BATCHES_IN_FLIGHT - running.size, BATCHES_AWAITING - awaiting)),
    active: () => running.size,
    run(job, end) {
      awaiting++;
      let waitingOnGenesys = true;
      const ready = () => {
        if (!waitingOnGenesys) return;
        waitingOnGenesys = false;
        awaiting--;
        wakeUp();
      };
      const p = work(job, ready, end);
      running.add(p);
      p.then(
        () => {},
        () => {},
      ).finally(() => {
        ready();
        running.delete(p);
        wakeUp();
      });
      return p;
    },
    wake: room.wait,
    settled: async () => {
      await Promise.allSettled([...running]);
    },
    counts: () => ({ ...counts }),
  };
}

/** Ends a batch job with what its run answered (completed), or its error (failed). */
export function settleBatchJob(
  boss: PgBoss,
  jobId: string,
  run: Promise<BatchJobOutput>,
  deps: Pick<PipelineDeps, 'logger'>,
): Promise<void> {
  return run
    .then(
      (output) => boss.complete(QUEUES.extractBatch, jobId, output as object),
      (e) =>
        boss.fail(QUEUES.extractBatch, jobId, {
          message: redactText(errorMessage(e)),
          code: isAppError(e) ? e.code : 'BATCH_FAILED',
        } as object),
    )
    .then(
      () => {},
      (e) => deps.logger.warn({ jobId, err: errorMessage(e) }, 'could not record the end of a batch job'),
    );
}

/** How often an idle worker asks for a batch; a busy one waits longer before taking another. */
const POLL_MS = 1_000;
const SPREAD_MS_PER_BATCH = 150;

export interface BatchWork {
  runner: BatchRunner;
  /** Stops taking batches and waits for the ones running (abort the deps' signal first to hand them back). */
  stop(): Promise<void>;
}

/**
 * Takes batch jobs of any day while this process has room (`worker`, `serve` on PostgreSQL), one at a
 * time: after taking one, a worker waits a little longer the more batches it runs, so that batches
 * queued together spread over the workers instead of going to whichever asked first.
 */
export async function workBatches(queue: JobQueue, deps: PipelineDeps): Promise<BatchWork> {
  const runner = createBatchRunner(deps);
  const stopping = new AbortController();
  // Says "a process takes batch jobs" to `run`s starting a day (renewed while this loop runs, and taken
  // again if it was lost: a database outage longer than a lease).
  const presenceKey = `${WORKER_LEASE_PREFIX}${deps.workerId}`;
  let presence = await tryLease(leaseDepsOf(deps), presenceKey);
  const jobs = new Set<Promise<void>>();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      if (!presence || presence.lost.aborted)
        presence = await tryLease(leaseDepsOf(deps), presenceKey).catch(() => undefined);
      let took = false;
      if (runner.room() > 0) {
        // pg-boss' fetch answers [] when the database cannot be reached; the loop just asks again.
        const [job] = (await queue.boss.fetch<ExtractBatchJob>(QUEUES.extractBatch, { batchSize: 1 })) ?? [];
        // Stopping (or the process' signal already aborted): a job taken now is handed straight back.
        if (job && !stopping.signal.aborted && !deps.signal?.aborted) {
          took = true;
          const settled = runner.run(job.data, (answer) => settleBatchJob(queue.boss, job.id, answer, deps));
          jobs.add(settled);
          void settled.finally(() => jobs.delete(settled));
        } else if (job) {
          await settleBatchJob(
            queue.boss,
            job.id,
            Promise.resolve({ released: 'the worker is stopping' }),
            deps,
          );
        }
      }
      const wait = took ? Math.min(POLL_MS, 100 + SPREAD_MS_PER_BATCH * runner.active()) : POLL_MS;
      await sleepOrWake(deps.clock, wait, took ? new Promise(() => {}) : runner.wake(), stopping.signal);
    }
  })();
  return {
    runner,
    async stop() {
      stopping.abort();
      await loop;
      await Promise.allSettled([...jobs]);
      await presence?.release();
    },
  };
}

// The day's coordinator on PostgreSQL (ADR 0016): the batches loop of pipeline/batches.ts with a flight
// that queues each batch as a job for any worker (batch-jobs.ts) and follows the jobs instead of running
// the batches itself. Once a second it reads the jobs' states, the batches' rows and their leases, and:
// - counts what each finished job did, and sets aside a batch whose submission failed (as in one
//   process: one more submission once nothing else is left);
// - fails the day on a batch's own error (a job that failed);
// - queues again a batch still open whose job ended without finishing it (its worker stopped or gave it
//   back), or whose worker died (lease ended while pg-boss still shows the job active);
// - with `participate` (`run`, which works no other process' jobs), takes a job of its own day that no
//   worker took within HEAD_START_MS, so a day also completes with no worker running.
import type { Logger } from 'pino';
import { AppError, errorMessage } from '../lib/errors.js';
import { type ApiUsage, addUsage } from '../pipeline/api-usage.js';
import { createTally, type Flight, type TransferResult } from '../pipeline/batches.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import type { BatchRow } from '../store/batches.js';
import { batchStatuses } from '../store/batches.js';
import type { JobState } from '../store/job-tables.js';
import { leaseHolders } from '../store/leases.js';
import { type BatchJobOutput, type BatchRunner, settleBatchJob } from './batch-jobs.js';
import { batchKey, type JobQueue, QUEUES } from './job-queue.js';

/** How long a batch job of `run`'s own day waits for a worker before `run` takes it itself. */
const HEAD_START_MS = 2_000;

interface Tracked {
  batchId: number;
  /** the batch's current job (undefined while it is being queued) */
  jobId?: string;
  queuedAt: number;
  /** this process runs it (participation) */
  local?: Promise<void>;
}

/** A batch's own error, raised in the process that ran it, with that error's code (e.g. GENESYS_AUTH). */
class BatchJobError extends AppError {
  constructor(batchId: number, code: string, message: string) {
    super(code, `batch ${batchId}: ${message}`);
  }
}

export function createRemoteFlight(
  queue: JobQueue,
  deps: PipelineDeps,
  processDate: string,
  opts: { participate?: BatchRunner } = {},
): Flight {
  const { clock } = deps;
  const log: Logger = deps.logger.child({ processDate });
  const leaseMs = deps.config.LEASE_SECONDS * 1000;
  const tracked = new Map<number, Tracked>();
  const tally = createTally(deps);
  /** job ids whose answer was taken into account */
  const seen = new Set<string>();
  const pending = new Set<Promise<unknown>>();
  let firstError: unknown;
  let elsewhere: ApiUsage | undefined;

  const keep = (p: Promise<unknown>) => {
    pending.add(p);
    const forget = () => pending.delete(p);
    p.then(forget, forget);
  };

  const enqueue = (t: Tracked) => {
    t.jobId = undefined;
    t.queuedAt = clock.now();
    keep(
      queue.enqueueBatch({ batchId: t.batchId, processDate }).then(
        (id) => {
          t.jobId = id;
        },
        (e) => {
          firstError ??= e;
        },
      ),
    );
  };

  /** What a finished job says (once per job): its counts, a failed submission, or the batch's error. */
  const take = async (t: Tracked, job: JobState | undefined): Promise<void> => {
    if (!job || seen.has(job.id)) return;
    seen.add(job.id);
    if (job.state === 'failed') {
      const out = job.output as { message?: string; code?: string; released?: string } | null;
      if (out?.released) return;
      firstError ??= new BatchJobError(
        t.batchId,
        out?.code ?? 'BATCH_FAILED',
        out?.message ?? 'the batch job failed',
      );
      return;
    }
    const out = (job.output ?? {}) as BatchJobOutput;
    // Requests this process made are in its own client's stats already.
    if (out.apiUsage && out.by !== deps.workerId) elsewhere = addUsage(elsewhere, out.apiUsage);
    await tally.add({ id: t.batchId, processDate }, out.outcome, out.submitFailed);
    if (out.submitFailed !== undefined) tracked.delete(t.batchId);
  };

  const runHere = (t: Tracked, jobId: string, runner: BatchRunner) => {
    const run = runner.run({ batchId: t.batchId, processDate }, (answer) =>
      settleBatchJob(queue.boss, jobId, answer, deps),
    );
    t.local = run;
    keep(
      run.finally(() => {
        t.local = undefined;
      }),
    );
  };

  async function refresh(): Promise<void> {
    const entries = [...tracked.values()].filter((t) => t.jobId !== undefined && !t.local);
    if (entries.length === 0) return;
    const ids = entries.map((t) => t.batchId);
    const [statuses, holders, jobs] = await Promise.all([
      batchStatuses(deps.db, ids),
      leaseHolders(deps.db, ids.map(batchKey)),
      queue.states(
        QUEUES.extractBatch,
        entries.map((t) => t.jobId!),
      ),
    ]);
    for (const t of entries) {
      const status = statuses.get(t.batchId);
      const open = status === 'created' || status === 'submitted';
      const holder = holders.get(batchKey(t.batchId));
      const held = holder !== undefined && holder.remainingMs > 0;
      const job = jobs.get(t.jobId!);
      const finished =
        !job || job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled';
      if (finished) {
        await take(t, job);
        if (!tracked.has(t.batchId)) continue; // set aside
        if (!open) tracked.delete(t.batchId);
        else if (!held && firstError === undefined) {
          log.info({ batchId: t.batchId }, 'batch not finished by its worker: queued again');
          enqueue(t);
        }
        continue;
      }
      if (job.state === 'active') {
        if (held) continue;
        if (!open) {
          // Closed with no lease, yet not ended: its worker died between the two (a worker ends the
          // job before it gives the lease back, batch-jobs.ts), so no answer will come.
          tracked.delete(t.batchId);
          continue;
        }
        // Active for longer than a lease with no live lease: its worker died.
        if ((job.activeSeconds ?? 0) * 1000 > leaseMs) {
          await queue.boss.fail(QUEUES.extractBatch, job.id, {
            message: 'its worker stopped renewing the batch lease',
            released: 'worker stopped',
          } as object);
          seen.add(job.id);
          log.warn({ batchId: t.batchId, jobId: job.id }, 'the worker of a batch stopped: queued again');
          enqueue(t);
        }
        continue;
      }
      // Waiting for a worker: `run` takes it itself after a head start.
      const runner = opts.participate;
      if (runner && runner.room() > 0 && clock.now() - t.queuedAt >= HEAD_START_MS) {
        if (await queue.claim(QUEUES.extractBatch, job.id)) runHere(t, job.id, runner);
      }
    }
  }

  return {
    failed: () => firstError !== undefined,
    idle: () => tracked.size === 0,
    canTake: (b: BatchRow) => !tracked.has(b.id) && !tally.isParked(b.id),
    start(batch: BatchRow): boolean {
      const t: Tracked = { batchId: batch.id, queuedAt: clock.now() };
      tracked.set(batch.id, t);
      enqueue(t);
      return true;
    },
    resubmitParked: () => tally.resubmitParked(clock, deps.signal),
    async refresh() {
      try {
        await refresh();
      } catch (e) {
        // The next round reads everything again; only an error of the batches' own fails the day.
        log.warn({ err: errorMessage(e) }, 'could not read the state of the batch jobs; trying again');
      }
    },
    wake: (more) => Promise.race([...more, ...(opts.participate ? [opts.participate.wake()] : [])]),
    async end(): Promise<TransferResult> {
      await Promise.allSettled([...pending]);
      if (firstError) throw firstError;
      return elsewhere ? { ...tally.total, elsewhere } : tally.total;
    },
  };
}

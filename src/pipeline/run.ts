// The daily extraction of one process date, top-down. Every stage reads and writes rows with explicit
// states, so running this again (after a crash, or the next morning) resumes where it stopped and does
// nothing twice. docs/architecture.md draws the stages and the tables they write.
import { formatBytes } from '../lib/bytes.js';
import { AppError, EnvironmentError, errorMessage } from '../lib/errors.js';
import { redactText } from '../lib/redact.js';
import { asUpstream, settleAll } from '../lib/upstream.js';
import { type DayBacklog, dayBacklog } from '../store/days.js';
import { requeueFailed, requeueStranded } from '../store/recordings.js';
import { finishRun, startRuns } from '../store/runs.js';
import { type ApiUsage, addUsage, apiUsageBetween } from './api-usage.js';
import { LEFT_OUT_REASON } from './batch-results.js';
import { runBatches, type TransferResult } from './batches.js';
import { type ConvertResult, fetchConvertedRecordings } from './convert.js';
import type { DayPlan, PipelineDeps } from './deps.js';
import { type DiscoverResult, discover } from './discover.js';
import { type LookupResult, lookUpRecordings } from './lookup.js';
import { lookUpNames } from './names.js';
import { notify } from './notify.js';
import { type DaySummary, report } from './report.js';

export interface DayOutcome {
  processDate: string;
  queueIds: readonly string[];
  status: 'SUCCESS' | 'FAILED';
  summary?: DaySummary;
  discovered?: DiscoverResult;
  lookup?: LookupResult;
  /** batches, awaits and downloads (stages 3-5) */
  transfer?: TransferResult;
  converted?: ConvertResult;
  notified: boolean;
  /** recordings that failed after retries (`retry` or a later run may get them) */
  retryable: number;
  /** queues with no conversation at all that day (likely a wrong id) */
  emptyQueues: string[];
  error?: string;
}

export class InterruptedError extends AppError {
  constructor() {
    super('INTERRUPTED', 'the run was interrupted; run the same command again to resume');
  }
}

export async function runDay(deps: PipelineDeps, plan: DayPlan): Promise<DayOutcome> {
  const day: DayOutcome = { ...plan, status: 'FAILED', notified: false, retryable: 0, emptyQueues: [] };
  const statsBefore = deps.genesys.stats();
  // Requests of this process, and those workers made for the day's batches (ADR 0016).
  const usage = () => {
    const here = apiUsageBetween(statsBefore, deps.genesys.stats());
    return day.transfer?.elsewhere ? addUsage(here, day.transfer.elsewhere) : here;
  };
  await openDay(deps, plan);
  try {
    await resumeDay(deps, plan);
    if (deps.config.AUDIO_FORMAT === 'original') {
      // discover → look up → batch → await → download, all at once: each stage takes what the one
      // before it has written so far.
      Object.assign(day, await discoverLookUpAndDownload(deps, plan));
    } else {
      // discover → fetch converted recordings (the recordings endpoint transcodes; no batches)
      day.discovered = await discover(deps, plan);
      stopIfInterrupted(deps);
      day.converted = await fetchConvertedRecordings(deps, plan.processDate);
    }
    stopIfInterrupted(deps);
    // Batches worked by other processes (ADR 0016): one that died mid-batch left its temporary files.
    if (deps.batchFlight) await cleanUpTemporaryFiles(deps, plan);
    const names = await lookUpNames(deps, plan);
    day.summary = await report(deps, plan.processDate, names);
    await closeDay(deps, plan, day, usage());
  } catch (caught) {
    return failDay(deps, plan, day, caught, usage());
  }
  const outcome = day.summary!.conversations > 0 ? 'success' : 'empty';
  day.notified = (await notify(deps, { ...plan, outcome, summary: day.summary })).sent;
  return day;
}

/**
 * The storage can be written (the embedded database's DATA_DIR was checked by opening it), and the
 * day's runs (one per queue) are RUNNING.
 */
async function openDay(deps: PipelineDeps, plan: DayPlan): Promise<void> {
  await deps.storage.checkWritable();
  await startRuns(deps.db, plan.processDate, plan.queueIds);
}

/**
 * Half-written files and uploads a crash may have left go (they are never final; those of a writer
 * still running elsewhere stay), items stranded in a closed batch go back in line, and recordings that
 * failed in an earlier run get one more chance in this one, as do those a batch
 * left out (the permission to see sensitive data may have been granted since).
 */
async function resumeDay(deps: PipelineDeps, plan: DayPlan): Promise<void> {
  await cleanUpTemporaryFiles(deps, plan);
  await requeueStranded(deps.db, plan.processDate);
  const retried = await requeueFailed(deps.db, plan.processDate, [LEFT_OUT_REASON]);
  if (retried > 0)
    deps.logger.info(
      { processDate: plan.processDate, recordings: retried },
      'retrying recordings that failed in an earlier run',
    );
}

/** Removes the temporary files and uploads of writers that are gone (those still running stay). */
async function cleanUpTemporaryFiles(deps: PipelineDeps, plan: DayPlan): Promise<void> {
  const cleaned = await deps.storage.cleanupDay(plan.processDate);
  if (cleaned.partFiles + cleaned.uploads + cleaned.kept > 0)
    deps.logger.info(
      { processDate: plan.processDate, location: deps.storage.dayLocation(plan.processDate), ...cleaned },
      "cleaned up the day's temporary files (kept: those of writers still running)",
    );
}

/**
 * Stages 1-5 overlapping (ADR 0005): lookups start with the first page of conversations, a batch goes
 * out as soon as BATCH_SIZE recordings are resolved, and its results are downloaded as Genesys produces
 * them. A stage that fails stops the next one taking new work; the first failure is the day's, once all
 * three have stopped.
 */
async function discoverLookUpAndDownload(
  deps: PipelineDeps,
  plan: DayPlan,
): Promise<Pick<DayOutcome, 'discovered' | 'lookup' | 'transfer'>> {
  // Discovery stops paging once the lookups failed (a missing permission fails the day at once).
  let lookupsFailed = () => false;
  const discovering = asUpstream((wrote) => discover(deps, plan, wrote, () => lookupsFailed()));
  const lookingUp = asUpstream((wrote) =>
    lookUpRecordings(deps, plan.processDate, discovering.upstream, wrote),
  );
  lookupsFailed = lookingUp.upstream.failed;
  const [discovered, lookup, transfer] = await settleAll([
    discovering.result,
    lookingUp.result,
    runBatches(deps, plan.processDate, lookingUp.upstream),
  ] as const);
  return { discovered, lookup, transfer };
}

/**
 * What the rest of a day needs on a full disk, so the operator frees enough at once: the recordings a
 * later run will still download, at the size of those downloaded so far.
 */
export function backlogAdvice(b: DayBacklog): string {
  if (b.remaining === 0) return '';
  const of = `${b.remaining} recording${b.remaining === 1 ? '' : 's'} of this day still to download`;
  if (b.averageBytes === null) return ` (${of})`;
  const need = formatBytes(Math.round(b.remaining * b.averageBytes));
  return ` (${of}: about ${need} more at this day's average of ${formatBytes(Math.round(b.averageBytes))})`;
}

function stopIfInterrupted(deps: PipelineDeps): void {
  if (deps.signal?.aborted) throw new InterruptedError();
}

/**
 * Each queue's run is SUCCESS with its counts and the day's API usage (the same on every queue of the
 * date); a queue without a conversation is warned about.
 */
async function closeDay(deps: PipelineDeps, plan: DayPlan, day: DayOutcome, usage: ApiUsage): Promise<void> {
  const summary = day.summary!;
  day.retryable = summary.byStatus.failed ?? 0;
  for (const q of plan.queueIds) {
    const counts = summary.byQueue[q];
    if (!counts) {
      day.emptyQueues.push(q);
      deps.logger.warn(
        { processDate: plan.processDate, queueId: q },
        `queue ${q} had no agent-handled conversation on ${plan.processDate}: check that GENESYS_QUEUE_IDS holds the right queue id`,
      );
    }
    await finishRun(
      deps.db,
      plan.processDate,
      q,
      'SUCCESS',
      { ...(counts ?? { conversations: 0, recordings: 0 }), ...usage },
      null,
    );
  }
  day.status = 'SUCCESS';
  deps.logger.info(
    { processDate: plan.processDate, byStatus: summary.byStatus, manifest: summary.manifest },
    'day done',
  );
}

/**
 * Each queue's run is FAILED with the (redacted) error, and the failure is e-mailed. An abort surfaces
 * as whatever the interrupted call threw (often the abort reason): it is an interruption, not a failure
 * of the day, so it is rethrown and not e-mailed.
 */
async function failDay(
  deps: PipelineDeps,
  plan: DayPlan,
  day: DayOutcome,
  caught: unknown,
  usage: ApiUsage,
): Promise<DayOutcome> {
  const e = deps.signal?.aborted && !(caught instanceof InterruptedError) ? new InterruptedError() : caught;
  let message = redactText(errorMessage(e));
  if (e instanceof EnvironmentError && e.code === 'DISK_FULL') {
    message += await dayBacklog(deps.db, plan.processDate).then(backlogAdvice, () => '');
  }
  day.error = message;
  for (const q of plan.queueIds) {
    await finishRun(deps.db, plan.processDate, q, 'FAILED', { ...usage }, message).catch(() => {});
  }
  if (e instanceof InterruptedError) throw e;
  const log = deps.logger.child({ processDate: plan.processDate });
  log.error({ err: message }, 'day failed');
  await notify(deps, { ...plan, outcome: 'failed', error: message })
    .then((r) => {
      day.notified = r.sent;
    })
    .catch((ne) => log.error({ err: errorMessage(ne) }, 'the failure notification could not be sent'));
  return day;
}

// The daily extraction of one process date, top-down. Every stage reads and writes rows with explicit
// states, so running this again (after a crash, or the next morning) resumes where it stopped and does
// nothing twice:
//   discover → look up recordings → batch, await and download → report (manifest) → notify
// (with AUDIO_FORMAT set to a converted format, the middle is the full-recordings endpoint instead)
import { AppError, errorMessage } from '../lib/errors.js';
import { redactText } from '../lib/redact.js';
import { asUpstream } from '../lib/upstream.js';
import { audioDir, checkWritable, removeStaleParts } from '../storage/index.js';
import { requeueFailed } from '../store/recordings.js';
import { finishRun, startRuns } from '../store/runs.js';
import { type ConvertResult, fetchConvertedRecordings } from './convert.js';
import type { DayPlan, PipelineDeps } from './deps.js';
import { type DiscoverResult, discover } from './discover.js';
import { type LookupResult, lookUpRecordings } from './lookup.js';
import { notify } from './notify.js';
import { type DaySummary, report } from './report.js';
import { type TransferResult, transferRecordings } from './transfer.js';

export interface DayOutcome {
  processDate: string;
  queueIds: readonly string[];
  status: 'SUCCESS' | 'FAILED';
  summary?: DaySummary;
  discovered?: DiscoverResult;
  lookup?: LookupResult;
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
  const { db, logger, config } = deps;
  const log = logger.child({ processDate: plan.processDate });
  const outcome: DayOutcome = { ...plan, status: 'FAILED', notified: false, retryable: 0, emptyQueues: [] };
  const checkAbort = () => {
    if (deps.signal?.aborted) throw new InterruptedError();
  };
  await checkWritable(config.DATA_DIR);
  await startRuns(db, plan.processDate, plan.queueIds);
  try {
    // A crash may have left a half-written file: it is never final, so it goes.
    await removeStaleParts(audioDir(config.DATA_DIR, plan.processDate));
    // Recordings that failed in an earlier run get one more chance in this one.
    const retried = await requeueFailed(db, plan.processDate);
    if (retried > 0) log.info({ recordings: retried }, 'retrying recordings that failed in an earlier run');
    if (config.AUDIO_FORMAT === 'original') {
      // The stages overlap: lookups start with the first page of conversations, a batch goes out as soon
      // as BATCH_SIZE recordings are resolved, and its results are downloaded as Genesys produces them.
      const discovering = asUpstream((wrote) => discover(deps, plan, wrote));
      const lookingUp = asUpstream((wrote) =>
        lookUpRecordings(deps, plan.processDate, discovering.upstream, wrote),
      );
      const transferring = transferRecordings(deps, plan.processDate, lookingUp.upstream);
      const [discovered, lookup, transfer] = await Promise.allSettled([
        discovering.result,
        lookingUp.result,
        transferring,
      ]);
      if (discovered.status === 'rejected') throw discovered.reason;
      if (lookup.status === 'rejected') throw lookup.reason;
      if (transfer.status === 'rejected') throw transfer.reason;
      outcome.discovered = discovered.value;
      outcome.lookup = lookup.value;
      outcome.transfer = transfer.value;
    } else {
      outcome.discovered = await discover(deps, plan);
      checkAbort();
      outcome.converted = await fetchConvertedRecordings(deps, plan.processDate);
    }
    checkAbort();
    const summary = await report(deps, plan.processDate);
    outcome.summary = summary;
    outcome.retryable = summary.byStatus.failed ?? 0;
    for (const q of plan.queueIds) {
      const counts = summary.byQueue[q];
      if (!counts) {
        outcome.emptyQueues.push(q);
        log.warn(
          { queueId: q },
          `queue ${q} had no agent-handled conversation on ${plan.processDate}: check that GENESYS_QUEUE_IDS holds the right queue id`,
        );
      }
      await finishRun(
        db,
        plan.processDate,
        q,
        'SUCCESS',
        counts ?? { conversations: 0, recordings: 0 },
        null,
      );
    }
    outcome.status = 'SUCCESS';
    log.info({ byStatus: summary.byStatus, manifest: summary.manifest }, 'day done');
  } catch (caught) {
    // An abort surfaces as whatever the interrupted call threw (often the abort reason): it is an
    // interruption, not a failure of the day, and is not e-mailed.
    const e = deps.signal?.aborted && !(caught instanceof InterruptedError) ? new InterruptedError() : caught;
    const message = redactText(errorMessage(e));
    outcome.error = message;
    for (const q of plan.queueIds) {
      await finishRun(db, plan.processDate, q, 'FAILED', {}, message).catch(() => {});
    }
    if (e instanceof InterruptedError) throw e;
    log.error({ err: message }, 'day failed');
    await notify(deps, { ...plan, outcome: 'failed', error: message })
      .then((r) => {
        outcome.notified = r.sent;
      })
      .catch((ne) => log.error({ err: errorMessage(ne) }, 'the failure notification could not be sent'));
    return outcome;
  }
  const summary = outcome.summary;
  const r = await notify(deps, {
    ...plan,
    outcome: summary && summary.conversations > 0 ? 'success' : 'empty',
    summary,
  });
  outcome.notified = r.sent;
  return outcome;
}

// Recording batch download jobs (spec §7): expansion of the request list, results that appear over
// time (job duration from batchJobDurationMs), expectedResultCount that grows when a conversation-wide
// item is "discovered" to hold several recordings, error items, the stuck-job fault, and the silent
// exclusion of recordings with sensitive data for a client without viewSensitiveData (spec §15).
import { randomUUID } from 'node:crypto';
import type {
  BatchDownloadJobResult,
  BatchDownloadJobStatusResult,
  BatchDownloadRequest,
} from '../../contracts/genesys.js';
import type { MediaTraits } from '../audio/traits.js';
import type { Dataset } from '../data/dataset.js';
import { isPlayable, isSensitive, metadataHiddenUntil } from '../data/recording-rules.js';
import { recordingStateAt } from '../data/render.js';
import type { TRecording } from '../data/timeline.js';
import { createRng } from '../random.js';

interface PlannedResult {
  conversationId: string;
  recordingId?: string;
  errorMsg?: string;
  /** sensitive data, client without viewSensitiveData: never produced */
  excluded?: boolean;
}

export interface Job {
  id: string;
  clientId: string;
  createdAt: number;
  durationMs: number;
  stuck: boolean;
  /** planned results per submitted item (excluded ones included) */
  items: PlannedResult[][];
  /** results that will be produced, in order */
  flat: { item: number; planned: PlannedResult }[];
  produced: BatchDownloadJobResult[];
}

export interface BatchJobsOptions {
  dataset: Dataset;
  now: () => number;
  seed: string;
  durationMs: { min: number; max: number };
  metadataLagMs: number;
  /** 'includes-excluded': expectedResultCount still counts excluded recordings */
  expectedCount: 'includes-excluded' | 'drops-excluded';
  traits: (recording: TRecording) => MediaTraits;
  /** absolute URL of a recording's file in its original format, valid from `issuedAt` */
  resultUrl: (recording: TRecording, extension: string, issuedAt: number, baseUrl: string) => string;
}

export interface BatchJobs {
  submit(
    clientId: string,
    list: readonly BatchDownloadRequest[],
    o: { stuck: boolean; excludeSensitive: boolean },
  ): Job;
  get(id: string): Job | undefined;
  status(job: Job, baseUrl: string): BatchDownloadJobStatusResult;
}

/** errorMsg texts: the emulator's own wording (the real strings are unverified, spec §7.3). */
export const BATCH_ERRORS = {
  conversationNotFound: 'Conversation not found',
  noRecordings: 'No recordings found for conversation',
  recordingNotFound: 'Recording not found',
  uploading: 'Recording is not yet available (upload in progress)',
  archived: 'Recording is archived',
  deleted: 'Recording has been deleted',
  restoring: 'Recording is being restored from the archive',
  error: 'Recording is in an error state',
} as const;

export function createBatchJobs(o: BatchJobsOptions): BatchJobs {
  const jobs = new Map<string, Job>();
  const rng = createRng(`batch:${o.seed}`);

  function expand(item: BatchDownloadRequest, now: number, excludeSensitive: boolean): PlannedResult[] {
    const conversationId = item.conversationId;
    const excluded = (conv: Parameters<typeof isSensitive>[0], r: TRecording) =>
      excludeSensitive && isSensitive(conv, r) ? { excluded: true } : {};
    if (item.recordingId) {
      const found = o.dataset.recording(item.recordingId);
      return [
        {
          conversationId,
          recordingId: item.recordingId,
          ...(found ? excluded(found.conversation, found.recording) : {}),
        },
      ];
    }
    const conv = o.dataset.conversation(conversationId);
    if (!conv || now < conv.start) return [{ conversationId, errorMsg: BATCH_ERRORS.conversationNotFound }];
    const hidden = metadataHiddenUntil(conv, o.metadataLagMs);
    const recs =
      hidden !== undefined && now < hidden
        ? []
        : conv.recordings.filter((r) => recordingStateAt(r, now) !== undefined);
    if (recs.length === 0) return [{ conversationId, errorMsg: BATCH_ERRORS.noRecordings }];
    return recs.map((r) => ({ conversationId: conv.plan.id, recordingId: r.id, ...excluded(conv, r) }));
  }

  function produce(p: PlannedResult, at: number, baseUrl: string): BatchDownloadJobResult {
    const base = {
      conversationId: p.conversationId,
      ...(p.recordingId ? { recordingId: p.recordingId } : {}),
    };
    if (p.errorMsg) return { ...base, errorMsg: p.errorMsg };
    const found = o.dataset.recording(p.recordingId as string);
    if (!found || found.conversation.plan.id !== p.conversationId.toLowerCase()) {
      return { ...base, errorMsg: BATCH_ERRORS.recordingNotFound };
    }
    const state = recordingStateAt(found.recording, at);
    if (state === undefined) return { ...base, errorMsg: BATCH_ERRORS.recordingNotFound };
    if (!isPlayable(state)) {
      const key = state.toLowerCase() as 'uploading' | 'archived' | 'deleted' | 'restoring' | 'error';
      return { ...base, errorMsg: BATCH_ERRORS[key] };
    }
    const traits = o.traits(found.recording);
    return {
      ...base,
      resultUrl: o.resultUrl(found.recording, traits.extension, at, baseUrl),
      contentType: traits.contentType,
    };
  }

  return {
    submit(clientId, list, opts) {
      const now = o.now();
      const items = list.map((item) => expand(item, now, opts.excludeSensitive));
      const { min, max } = o.durationMs;
      const job: Job = {
        id: randomUUID(),
        clientId,
        createdAt: now,
        durationMs: min + Math.floor(rng.next() * (max - min + 1)),
        stuck: opts.stuck,
        items,
        flat: items.flatMap((planned, item) =>
          planned.filter((p) => !p.excluded).map((p) => ({ item, planned: p })),
        ),
        produced: [],
      };
      jobs.set(job.id, job);
      return job;
    },
    get: (id) => jobs.get(id),
    status(job, baseUrl) {
      const total = job.flat.length;
      const elapsed = o.now() - job.createdAt;
      let ready =
        job.durationMs <= 0 || total === 0
          ? total
          : Math.floor((Math.max(0, elapsed) * total) / job.durationMs);
      ready = Math.min(total, ready);
      if (job.stuck) ready = Math.min(ready, Math.floor(total / 2));
      ready = Math.max(ready, job.produced.length); // results never disappear
      for (let j = job.produced.length; j < ready; j++) {
        const at = job.createdAt + Math.round((job.durationMs * (j + 1)) / total);
        job.produced.push(produce((job.flat[j] as { planned: PlannedResult }).planned, at, baseUrl));
      }
      const completed = !job.stuck && ready === total;
      const results = job.produced.map((r) => ({ ...r }));
      return {
        id: job.id,
        jobId: job.id,
        expectedResultCount: expectedCount(job, ready, o.expectedCount),
        resultCount: ready,
        errorCount: job.produced.filter((r) => r.errorMsg !== undefined).length,
        status: completed ? 'Completed' : 'InProgress',
        ...(results.length > 0 ? { results } : {}),
        selfUri: `/api/v2/recording/batchrequests/${job.id}`,
      };
    },
  };
}

/**
 * An item counts as one expected result until its first result is produced ("discovered"), then as
 * all of its results; excluded recordings count only in the 'includes-excluded' variant.
 */
function expectedCount(job: Job, ready: number, variant: BatchJobsOptions['expectedCount']): number {
  let expected = 0;
  let firstOfItem = 0;
  for (const planned of job.items) {
    const kept = planned.filter((p) => !p.excluded).length;
    const counted = variant === 'includes-excluded' ? planned.length : kept;
    const discovered = kept === 0 || firstOfItem < ready;
    expected += discovered ? counted : Math.min(1, counted);
    firstOfItem += kept;
  }
  return expected;
}

// Recording batch download jobs (spec §7): expansion of the request list, results that appear over
// time (job duration from batchJobDurationMs), expectedResultCount that grows when a conversation-wide
// item is "discovered" to hold several recordings, error items, and the stuck-job fault.
import { randomUUID } from 'node:crypto';
import type {
  BatchDownloadJobResult,
  BatchDownloadJobStatusResult,
  BatchDownloadRequest,
} from '../../contracts/genesys.js';
import { mediaMeta } from '../audio/media.js';
import type { Dataset } from '../data/dataset.js';
import { recordingStateAt } from '../data/render.js';
import { createRng } from '../random.js';

interface PlannedResult {
  conversationId: string;
  recordingId?: string;
  errorMsg?: string;
}

export interface Job {
  id: string;
  clientId: string;
  createdAt: number;
  durationMs: number;
  stuck: boolean;
  /** planned results per submitted item */
  items: PlannedResult[][];
  flat: { item: number; planned: PlannedResult }[];
  produced: BatchDownloadJobResult[];
}

export interface BatchJobsOptions {
  dataset: Dataset;
  now: () => number;
  seed: string;
  durationMs: { min: number; max: number };
  /** absolute URL of a recording's bytes, valid from `issuedAt` */
  resultUrl: (
    recording: { id: string; media: 'audio' | 'screen' },
    issuedAt: number,
    baseUrl: string,
  ) => string;
}

export interface BatchJobs {
  submit(clientId: string, list: readonly BatchDownloadRequest[], stuck: boolean): Job;
  get(id: string): Job | undefined;
  status(job: Job, baseUrl: string): BatchDownloadJobStatusResult;
}

export const BATCH_ERRORS = {
  conversationNotFound: 'Conversation not found',
  noRecordings: 'No recordings found for conversation',
  recordingNotFound: 'Recording not found',
  uploading: 'Recording is not yet available (upload in progress)',
  archived: 'Recording is archived',
  deleted: 'Recording has been deleted',
} as const;

export function createBatchJobs(o: BatchJobsOptions): BatchJobs {
  const jobs = new Map<string, Job>();
  const rng = createRng(`batch:${o.seed}`);

  function expand(item: BatchDownloadRequest, now: number): PlannedResult[] {
    const conversationId = item.conversationId;
    if (item.recordingId) return [{ conversationId, recordingId: item.recordingId }];
    const conv = o.dataset.conversation(conversationId);
    if (!conv || now < conv.start) return [{ conversationId, errorMsg: BATCH_ERRORS.conversationNotFound }];
    const recs = conv.recordings.filter((r) => recordingStateAt(r, now) !== undefined);
    if (recs.length === 0) return [{ conversationId, errorMsg: BATCH_ERRORS.noRecordings }];
    return recs.map((r) => ({ conversationId: conv.plan.id, recordingId: r.id }));
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
    if (state === 'UPLOADING') return { ...base, errorMsg: BATCH_ERRORS.uploading };
    if (state === 'ARCHIVED') return { ...base, errorMsg: BATCH_ERRORS.archived };
    if (state === 'DELETED') return { ...base, errorMsg: BATCH_ERRORS.deleted };
    return {
      ...base,
      resultUrl: o.resultUrl(found.recording, at, baseUrl),
      contentType: mediaMeta(found.recording).contentType,
    };
  }

  return {
    submit(clientId, list, stuck) {
      const now = o.now();
      const items = list.map((item) => expand(item, now));
      const { min, max } = o.durationMs;
      const job: Job = {
        id: randomUUID(),
        clientId,
        createdAt: now,
        durationMs: min + Math.floor(rng.next() * (max - min + 1)),
        stuck,
        items,
        flat: items.flatMap((planned, item) => planned.map((p) => ({ item, planned: p }))),
        produced: [],
      };
      jobs.set(job.id, job);
      return job;
    },
    get: (id) => jobs.get(id),
    status(job, baseUrl) {
      const total = job.flat.length;
      const elapsed = o.now() - job.createdAt;
      let ready = job.durationMs <= 0 ? total : Math.floor((Math.max(0, elapsed) * total) / job.durationMs);
      ready = Math.min(total, ready);
      if (job.stuck) ready = Math.min(ready, Math.floor(total / 2));
      ready = Math.max(ready, job.produced.length); // results never disappear
      for (let j = job.produced.length; j < ready; j++) {
        const at = job.createdAt + Math.round((job.durationMs * (j + 1)) / total);
        job.produced.push(produce((job.flat[j] as { planned: PlannedResult }).planned, at, baseUrl));
      }
      // An item counts as one expected result until its first result is produced ("discovered").
      let expected = 0;
      let firstOfItem = 0;
      for (const planned of job.items) {
        expected += firstOfItem < ready ? planned.length : 1;
        firstOfItem += planned.length;
      }
      const completed = !job.stuck && ready === total;
      const results = job.produced.map((r) => ({ ...r }));
      return {
        id: job.id,
        jobId: job.id,
        expectedResultCount: expected,
        resultCount: ready,
        errorCount: job.produced.filter((r) => r.errorMsg !== undefined).length,
        status: completed ? 'Completed' : 'InProgress',
        ...(results.length > 0 ? { results } : {}),
        selfUri: `/api/v2/recording/batchrequests/${job.id}`,
      };
    },
  };
}

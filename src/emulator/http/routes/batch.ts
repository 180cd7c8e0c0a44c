// POST /api/v2/recording/batchrequests and GET …/:jobId (spec §7).
import type { FastifyInstance } from 'fastify';
import type { BatchDownloadJobSubmissionResult, BatchDownloadRequest } from '../../../contracts/genesys.js';
import { GENESYS_LIMITS } from '../../../contracts/genesys.js';
import { ApiError } from '../../errors.js';
import { RULES } from '../../permissions.js';
import { baseUrlOf, type RouteConfig, type ServerDeps, stateOf } from '../context.js';

function parseSubmission(body: unknown): BatchDownloadRequest[] {
  const list = (body as { batchDownloadRequestList?: unknown } | null)?.batchDownloadRequestList;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ApiError(400, 'batch.download.bad.request', 'Request list is required and must not be empty');
  }
  if (list.length > GENESYS_LIMITS.batchMaxItems) {
    throw new ApiError(
      400,
      'batch.download.too.many.items',
      `Too many items requested, max ${GENESYS_LIMITS.batchMaxItems} allowed`,
    );
  }
  return list.map((item, i) => {
    const it = item as Record<string, unknown> | null;
    if (typeof it?.conversationId !== 'string' || it.conversationId === '') {
      throw new ApiError(
        400,
        'batch.download.bad.request',
        `batchDownloadRequestList[${i}].conversationId is required`,
      );
    }
    if (it.recordingId !== undefined && it.recordingId !== null && typeof it.recordingId !== 'string') {
      throw new ApiError(400, 'bad.request', `batchDownloadRequestList[${i}].recordingId must be a string`);
    }
    return {
      conversationId: it.conversationId,
      ...(typeof it.recordingId === 'string' && it.recordingId !== '' ? { recordingId: it.recordingId } : {}),
    };
  });
}

export async function batchRoutes(app: FastifyInstance, deps: ServerDeps) {
  const config: RouteConfig = { permissions: RULES.recordings };
  app.post('/api/v2/recording/batchrequests', { config }, async (req) => {
    const list = parseSubmission(req.body);
    const clientId = stateOf(req).clientId as string;
    const held = deps.opts.clients.get(clientId)?.permissions;
    const job = deps.jobs.submit(clientId, list, {
      stuck: stateOf(req).fault?.stuckJob === true,
      excludeSensitive: !held?.has('recording:recording:viewSensitiveData'),
    });
    const body: BatchDownloadJobSubmissionResult = {
      id: job.id,
      selfUri: `/api/v2/recording/batchrequests/${job.id}`,
    };
    return body;
  });

  // "Requires no permissions" (spec §7.2): only the submitting client may read it.
  app.get<{ Params: { jobId: string } }>('/api/v2/recording/batchrequests/:jobId', async (req) => {
    const job = deps.jobs.get(req.params.jobId);
    if (!job) throw new ApiError(404, 'batch.download.job.not.found', 'The requested job is unknown');
    if (job.clientId !== stateOf(req).clientId) {
      throw new ApiError(
        403,
        'batch.download.permission.denied',
        'Only user that initiated the job can request results',
      );
    }
    return deps.jobs.status(job, baseUrlOf(req));
  });
}

// The asynchronous conversation-details jobs API (spec §4): submit, poll the state, page the results
// with the cursor, cancel, and the data lake's availability date.
import type { FastifyInstance } from 'fastify';
import type { AsyncQueryResponse, DataAvailabilityResponse } from '../../../contracts/genesys.js';
import { ApiError } from '../../errors.js';
import { iso } from '../../iso.js';
import { RULES } from '../../permissions.js';
import { RESULTS_DEFAULT_PAGE_SIZE, RESULTS_MAX_PAGE_SIZE } from '../../query/jobs.js';
import { parseFilters } from '../../query/validate.js';
import { type RouteConfig, type ServerDeps, stateOf } from '../context.js';

const BASE = '/api/v2/analytics/conversations/details/jobs';

export async function analyticsJobRoutes(app: FastifyInstance, deps: ServerDeps) {
  const config: RouteConfig = { permissions: RULES.detailsJobs };
  const jobOr404 = (id: string) => {
    const job = deps.detailsJobs.get(id);
    if (!job) throw new ApiError(404, 'not.found', `The requested job ${id} was not found.`);
    return job;
  };

  app.post(BASE, { config }, async (req, reply) => {
    const filters = parseFilters(req.body);
    const b = req.body as Record<string, unknown>;
    if (b.limit !== undefined && (typeof b.limit !== 'number' || !Number.isInteger(b.limit) || b.limit < 1)) {
      throw new ApiError(400, 'bad.request', 'limit must be a positive integer');
    }
    if (b.startOfDayIntervalMatching !== undefined && typeof b.startOfDayIntervalMatching !== 'boolean') {
      throw new ApiError(400, 'bad.request', 'startOfDayIntervalMatching must be a boolean');
    }
    const job = deps.detailsJobs.submit(stateOf(req).clientId as string, filters, {
      ...(typeof b.limit === 'number' ? { limit: b.limit } : {}),
      startOfDay: b.startOfDayIntervalMatching === true,
      failed: stateOf(req).fault?.failedJob === true,
    });
    const body: AsyncQueryResponse = { jobId: job.id };
    return reply.code(202).send(body);
  });

  app.get(`${BASE}/availability`, { config }, async () => {
    const body: DataAvailabilityResponse = { dataAvailabilityDate: iso(deps.detailsJobs.availability()) };
    return body;
  });

  app.get<{ Params: { jobId: string } }>(`${BASE}/:jobId`, { config }, async (req) =>
    deps.detailsJobs.status(jobOr404(req.params.jobId)),
  );

  app.delete<{ Params: { jobId: string } }>(`${BASE}/:jobId`, { config }, async (req, reply) => {
    deps.detailsJobs.cancel(jobOr404(req.params.jobId));
    return reply.code(204).send();
  });

  app.get<{ Params: { jobId: string }; Querystring: { cursor?: string; pageSize?: string } }>(
    `${BASE}/:jobId/results`,
    { config },
    async (req) => {
      const job = jobOr404(req.params.jobId);
      const raw = req.query.pageSize;
      const pageSize = raw === undefined ? RESULTS_DEFAULT_PAGE_SIZE : Number(raw);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > RESULTS_MAX_PAGE_SIZE) {
        throw new ApiError(
          400,
          'bad.request',
          `pageSize must be an integer from 1 to ${RESULTS_MAX_PAGE_SIZE}`,
        );
      }
      const page = deps.detailsJobs.results(job, req.query.cursor || undefined, pageSize);
      return {
        ...(page.conversations.length > 0 ? { conversations: page.conversations } : {}),
        ...(page.cursor ? { cursor: page.cursor } : {}),
        dataAvailabilityDate: iso(job.watermark),
      };
    },
  );
}

// POST /api/v2/analytics/conversations/details/query (spec §3).
import type { FastifyInstance } from 'fastify';
import { GENESYS_LIMITS } from '../../../contracts/genesys.js';
import { FOREIGN_QUEUES } from '../../data/catalog.js';
import { RULES } from '../../permissions.js';
import { firstQueueIdOf, runDetailsQuery } from '../../query/run.js';
import { checkLookBack, type ParsedQuery, parseQuery } from '../../query/validate.js';
import type { RouteConfig, ServerDeps } from '../context.js';

const INJECTED_DURATION_MS = 20 * 60_000;

/** control.injectConversationDuringPaging(): a new call at the start of the queried interval shifts every page. */
function injectInto(q: ParsedQuery, deps: ServerDeps, now: number): void {
  const queueId = firstQueueIdOf(q);
  const queue =
    [...deps.dataset.queues, ...FOREIGN_QUEUES].find((x) => x.id === queueId) ??
    (queueId ? { id: queueId, name: 'Queue' } : deps.dataset.queues[0]);
  if (!queue) return;
  const latest = Math.min(q.endMs, now) - INJECTED_DURATION_MS;
  const start = latest > q.startMs ? q.startMs + 1_000 : Math.max(q.startMs, now - INJECTED_DURATION_MS);
  deps.dataset.inject(start, queue);
}

export async function analyticsRoutes(app: FastifyInstance, deps: ServerDeps) {
  const limits = {
    maxPageSize: deps.opts.maxPageSize,
    maxResults: GENESYS_LIMITS.detailsPaginationMaxResults,
    defaultPageSize: GENESYS_LIMITS.detailsDefaultPageSize,
  };
  const config: RouteConfig = { permissions: RULES.detailsQuery };
  app.post('/api/v2/analytics/conversations/details/query', { config }, async (req) => {
    const q = parseQuery(req.body, limits);
    const now = deps.opts.now();
    checkLookBack(q.startMs, now, deps.opts.lookBackDays);
    if (deps.pendingInjections.count > 0) {
      deps.pendingInjections.count--;
      injectInto(q, deps, now);
    }
    return runDetailsQuery(q, {
      dataset: deps.dataset,
      timezone: deps.opts.timezone,
      activityClause: deps.opts.activityClause,
      now,
    });
  });
}

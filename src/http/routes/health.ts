// Liveness (the process answers) and readiness (the database answers), for load balancers and probes.
import type { FastifyPluginAsync } from 'fastify';
import { errorMessage } from '../../lib/errors.js';
import { redactText } from '../../lib/redact.js';
import type { RouteOptions } from '../app.js';
import { PUBLIC_ROUTE } from '../auth.js';
import { errorResponses, HttpError } from '../errors.js';

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' }, uptimeSeconds: { type: 'number' } },
} as const;

export const healthRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  const started = deps.clock.now();
  app.get(
    '/healthz',
    { ...PUBLIC_ROUTE, schema: { response: { 200: statusSchema, ...errorResponses } } },
    async () => ({
      status: 'ok',
      uptimeSeconds: Math.round((deps.clock.now() - started) / 1000),
    }),
  );
  app.get(
    '/readyz',
    { ...PUBLIC_ROUTE, schema: { response: { 200: statusSchema, ...errorResponses } } },
    async (request) => {
      try {
        await deps.ping();
      } catch (e) {
        // The driver's message names the database host and port: for the log, not for anonymous callers.
        request.log.warn({ err: redactText(errorMessage(e)) }, 'readiness check: database unreachable');
        throw new HttpError(503, 'DB_UNREACHABLE', 'database unreachable');
      }
      return { status: 'ready' };
    },
  );
};

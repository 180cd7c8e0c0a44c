// Prometheus text exposition of the app's own registry.
import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../app.js';
import { errorResponses } from '../errors.js';

export const metricsRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  const { registry } = deps.metrics;
  app.get(
    '/metrics',
    { schema: { response: { 200: { type: 'string' }, ...errorResponses } } },
    async (_req, reply) => {
      const body = await registry.metrics();
      reply.type(registry.contentType);
      return body;
    },
  );
};

// The emulator's own routes for tests and sandboxes (no auth, never faulted, not part of Genesys):
//   GET  /emulator/oracle?date=YYYY-MM-DD[&clientId=][&at=ISO]  what should happen to each conversation
//   GET  /emulator/rate-windows[?clientId=]                      the rate limiter's 60 s windows
//   POST /emulator/settle                                        control.settleAll()
import type { FastifyInstance } from 'fastify';
import { isIsoDate } from '../../data/calendar.js';
import { dayOracle } from '../../oracle.js';
import type { ServerDeps } from '../context.js';

export async function controlRoutes(app: FastifyInstance, deps: ServerDeps) {
  app.get<{ Querystring: { date?: string; clientId?: string; at?: string } }>(
    '/emulator/oracle',
    async (req, reply) => {
      const { date, clientId, at } = req.query;
      if (!date || !isIsoDate(date))
        return reply.code(400).send({ message: 'date=YYYY-MM-DD is required', status: 400 });
      const atMs = at === undefined ? undefined : Date.parse(at);
      if (atMs !== undefined && Number.isNaN(atMs))
        return reply.code(400).send({ message: `at=${at} is not an ISO instant`, status: 400 });
      if (clientId !== undefined && !deps.opts.clients.has(clientId)) {
        return reply.code(400).send({ message: `unknown clientId ${clientId}`, status: 400 });
      }
      return dayOracle(oracleDeps(deps), date, {
        ...(atMs !== undefined ? { at: atMs } : {}),
        ...(clientId ? { clientId } : {}),
      });
    },
  );

  app.get<{ Querystring: { clientId?: string } }>('/emulator/rate-windows', async (req) =>
    deps.limiter.windows(req.query.clientId),
  );

  app.post('/emulator/settle', async () => {
    deps.dataset.settle(deps.opts.now());
    return { settled: true };
  });
}

export function oracleDeps(deps: Pick<ServerDeps, 'dataset' | 'opts'>) {
  return {
    dataset: deps.dataset,
    now: deps.opts.now,
    mainClientId: deps.opts.mainClientId,
    clients: deps.opts.clients,
    media: deps.opts.media,
    metadataLagMs: deps.opts.metadataLagMs,
    emptyMediaUrisForMs: deps.opts.emptyMediaUrisForMs,
  };
}

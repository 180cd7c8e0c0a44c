// POST /notify captures what the product's e-mail notifier would send; GET /notify lists the captures.
// GET /emulator/health answers 200 for readiness probes.
import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../context.js';

export async function notifyRoutes(app: FastifyInstance, deps: ServerDeps) {
  // Any content type is accepted here (JSON is parsed, anything else kept as text).
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/notify', async (req) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = String(v);
    deps.notifications.push({ at: deps.opts.now(), body: req.body, headers });
    return { ok: true };
  });

  app.get('/notify', async () => deps.notifications);

  app.get('/emulator/health', async () => ({
    status: 'ok',
    seed: deps.opts.seed,
    queueIds: deps.dataset.queues.map((q) => q.id),
  }));
}

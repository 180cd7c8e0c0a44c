// The Fastify app of the emulator: request journal, correlation ids, the gate (faults, auth, rate
// limit), route plugins, Genesys-shaped errors, truncation fault, and a loud 501 for unknown routes.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { ApiError, envelope, envelopeForStatus } from '../errors.js';
import type { JournalEntry } from '../types.js';
import { isApiPath, isDownloadPath, maybeStateOf, type ServerDeps, setState } from './context.js';
import { createGate, setRateHeaders } from './gate.js';
import { analyticsRoutes } from './routes/analytics.js';
import { analyticsJobRoutes } from './routes/analytics-jobs.js';
import { batchRoutes } from './routes/batch.js';
import { controlRoutes } from './routes/control.js';
import { directoryRoutes } from './routes/directory.js';
import { downloadRoutes, redirectRoutes, s3Error } from './routes/downloads.js';
import { notifyRoutes } from './routes/notify.js';
import { oauthError, oauthRoutes } from './routes/oauth.js';
import { recordingRoutes } from './routes/recordings.js';
import { parseAuthorization } from './tokens.js';

function flatQuery(q: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (q && typeof q === 'object') {
    for (const [k, v] of Object.entries(q)) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return out;
}

/** Sends the head and half of the body, then drops the connection (Content-Length announces it all). */
function truncated(payload: Buffer): Readable {
  const half = payload.subarray(0, Math.floor(payload.length / 2));
  let sent = false;
  return new Readable({
    read() {
      if (sent) return;
      sent = true;
      this.push(half);
      setTimeout(() => this.destroy(new Error('emulator fault: truncated body')), 50);
    },
  });
}

/**
 * The API host (login, platform API, control routes, and downloads unless they have their own host) or
 * the download host (pre-signed object-store URLs only). `https` carries the TLS key and certificate.
 */
export function buildServer(
  deps: ServerDeps,
  role: 'api' | 'downloads' = 'api',
  https?: { key: string; cert: string },
): FastifyInstance {
  const options: FastifyServerOptions = { logger: deps.opts.logger, bodyLimit: 512_000 };
  // Fastify types an https server as a different instance type; the routes do not care which.
  const app = (
    https ? Fastify({ ...options, https } as FastifyServerOptions) : Fastify(options)
  ) as FastifyInstance;

  // The official SDK sends Content-Type: application/json on a DELETE with no body; Genesys accepts it.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      done(
        Object.assign(new Error(`Body is not valid JSON: ${(e as Error).message}`), { statusCode: 400 }),
        undefined,
      );
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? req.url;
    const auth = parseAuthorization(req.headers.authorization);
    const entry: JournalEntry = {
      at: deps.opts.now(),
      method: req.method,
      path,
      query: flatQuery(req.query),
      status: 0,
      durationMs: 0,
      authorization: auth.kind,
      ...(role === 'downloads' ? { host: 'downloads' as const } : {}),
    };
    if (auth.basic) entry.clientId = auth.basic.clientId;
    if (auth.token) {
      const clientId = deps.tokens.clientOf(auth.token);
      if (clientId) entry.clientId = clientId;
    }
    const state = setState(req, { entry, startedAt: performance.now(), path });
    if (isApiPath(path)) {
      const id = randomUUID();
      state.correlationId = id;
      entry.correlationId = id;
      reply.header('ININ-Correlation-Id', id);
    }
    deps.journal.push(entry);
  });

  app.addHook('preHandler', createGate(deps));

  app.addHook('onSend', async (req, reply, payload) => {
    const state = maybeStateOf(req);
    if (!state) return payload;
    if (isApiPath(state.path) && !reply.hasHeader('inin-ratelimit-allowed')) {
      setRateHeaders(
        reply,
        state.token && state.clientId
          ? deps.limiter.peek({ clientId: state.clientId, token: state.token })
          : { limit: deps.opts.ratePerMinute, count: 0, resetSeconds: 60 },
      );
    }
    state.entry.status = reply.statusCode;
    state.entry.durationMs = Math.round(performance.now() - state.startedAt);
    if (
      state.fault?.truncate &&
      payload !== null &&
      payload !== undefined &&
      !(payload instanceof Readable)
    ) {
      const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload));
      if (buf.length > 1) {
        reply.header('content-length', String(buf.length));
        return truncated(buf);
      }
    }
    return payload;
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    const state = maybeStateOf(req);
    const path = state?.path ?? req.url;
    const contextId = state?.correlationId;
    const status = err instanceof ApiError ? err.status : (err.statusCode ?? 500);
    if (status >= 500)
      process.stderr.write(`[emulator] ${req.method} ${path} failed: ${err.stack ?? err.message}\n`);
    if (path === '/oauth/token')
      return oauthError(reply, status >= 500 ? status : 400, 'invalid_request', err.message);
    if (isDownloadPath(path))
      return s3Error(reply, status, status >= 500 ? 'InternalError' : 'InvalidRequest', err.message);
    if (err instanceof ApiError)
      return reply.code(err.status).send(envelope(err.status, err.code, err.message, contextId));
    if (status === 400) return reply.code(400).send(envelope(400, 'bad.request', err.message, contextId));
    return reply.code(status).send(envelopeForStatus(status, contextId));
  });

  app.setNotFoundHandler((req, reply) => {
    const state = maybeStateOf(req);
    const path = state?.path ?? req.url;
    const message = `emulator: no route for ${req.method} ${path}`;
    process.stderr.write(`[emulator] 501 ${message}\n`);
    if (state) state.entry.fault = 'no-route';
    return reply.code(501).send({ message, code: 'not.implemented', status: 501 });
  });

  if (role === 'downloads') {
    app.register(async (scope) => downloadRoutes(scope, deps));
    return app;
  }
  app.register(async (scope) => oauthRoutes(scope, deps));
  app.register(async (scope) => analyticsRoutes(scope, deps));
  app.register(async (scope) => analyticsJobRoutes(scope, deps));
  app.register(async (scope) => recordingRoutes(scope, deps));
  app.register(async (scope) => batchRoutes(scope, deps));
  app.register(async (scope) => directoryRoutes(scope, deps));
  app.register(async (scope) => redirectRoutes(scope, deps));
  if (!deps.downloads.base) app.register(async (scope) => downloadRoutes(scope, deps));
  app.register(async (scope) => notifyRoutes(scope, deps));
  app.register(async (scope) => controlRoutes(scope, deps));
  return app;
}

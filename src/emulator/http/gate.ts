// The checks every request passes before its route: fault rules, added latency, and for /api/v2 the
// bearer token, the rate limit (per client or token; it also sets the inin-ratelimit-* headers) and
// the route's permission rule (a 403 still counts against the budget, as any answered request).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { envelope, envelopeForStatus, rateLimitEnvelope, S3_STATUS_CODES } from '../errors.js';
import { permissionDenial } from '../permissions.js';
import type { FaultRule } from '../types.js';
import { isApiPath, isDownloadPath, type RouteConfig, type ServerDeps, sleep, stateOf } from './context.js';
import { faultLabel } from './faults.js';
import { expiredError, s3Error } from './routes/downloads.js';
import { parseAuthorization } from './tokens.js';

const MALFORMED_JSON = '{"totalHits": 3, "conversations": [{"conversationId": "c0ffee00-';

export function setRateHeaders(
  reply: FastifyReply,
  d: { limit: number; count: number; resetSeconds: number },
) {
  reply.header('inin-ratelimit-allowed', String(d.limit));
  reply.header('inin-ratelimit-count', String(d.count));
  reply.header('inin-ratelimit-reset', String(d.resetSeconds));
}

/** Answers the request per the fault rule; returns true when the route must not run. */
async function applyFault(
  req: FastifyRequest,
  reply: FastifyReply,
  rule: FaultRule,
  now: () => number,
): Promise<boolean> {
  const state = stateOf(req);
  if (rule.delayMs) await sleep(rule.delayMs);
  if (rule.reset) {
    state.entry.status = 0;
    state.entry.durationMs = Math.round(performance.now() - state.startedAt);
    reply.hijack();
    req.raw.socket.destroy();
    return true;
  }
  if (rule.status) {
    if (rule.retryAfter !== undefined || rule.status === 429) {
      reply.header('retry-after', String(rule.retryAfter ?? 1));
    }
    if (isDownloadPath(state.path)) {
      const [code, message] = S3_STATUS_CODES[rule.status] ?? ['InternalError', `HTTP ${rule.status}`];
      await s3Error(reply, rule.status, code, message);
      return true;
    }
    const body =
      rule.status === 429
        ? rateLimitEnvelope(rule.retryAfter ?? 1, state.correlationId)
        : envelopeForStatus(rule.status, state.correlationId);
    await reply.code(rule.status).send(body);
    return true;
  }
  if (rule.invalidJson) {
    await reply.code(200).type('application/json').send(MALFORMED_JSON);
    return true;
  }
  if (rule.expireUrl && isDownloadPath(state.path)) {
    await expiredError(reply, req.query as Record<string, string>, now());
    return true;
  }
  return false; // truncate and stuckJob act later (onSend / the batch route)
}

export function createGate(deps: ServerDeps) {
  return async function gate(req: FastifyRequest, reply: FastifyReply) {
    const state = stateOf(req);
    if (req.body !== undefined) state.entry.body = req.body;
    if (req.is404) return; // unknown routes answer 501 whatever the credentials (server.ts)
    if (!state.path.startsWith('/emulator/')) {
      const rule = deps.faults.take(req.method, state.path);
      if (rule) {
        state.fault = rule;
        state.entry.fault = faultLabel(rule);
        if (await applyFault(req, reply, rule, deps.opts.now)) return reply;
      }
    }
    if (!isApiPath(state.path)) return;

    const { mean, jitter } = deps.opts.latencyMs;
    if (mean > 0 || jitter > 0) await sleep(mean + (deps.latencyRng.next() * 2 - 1) * jitter);

    const auth = parseAuthorization(req.headers.authorization);
    if (auth.kind !== 'bearer' || !auth.token) {
      return reply
        .code(401)
        .send(
          envelope(
            401,
            'authentication.required',
            'No authentication bearer token specified in authorization header.',
            state.correlationId,
          ),
        );
    }
    const check = deps.tokens.check(auth.token);
    if (!check.ok) {
      return reply
        .code(401)
        .send(envelope(401, 'bad.credentials', 'Invalid login credentials.', state.correlationId));
    }
    state.clientId = check.clientId;
    state.token = auth.token;
    state.entry.clientId = check.clientId;
    const rate = deps.limiter.take({ clientId: check.clientId, token: auth.token });
    setRateHeaders(reply, rate);
    if (!rate.allowed) {
      reply.header('retry-after', String(rate.resetSeconds));
      return reply.code(429).send(rateLimitEnvelope(rate.resetSeconds, state.correlationId));
    }
    const rule = (req.routeOptions.config as RouteConfig | undefined)?.permissions;
    const held = deps.opts.clients.get(check.clientId)?.permissions;
    const denial = rule && held ? permissionDenial(rule, held) : undefined;
    if (denial) {
      return reply.code(403).send(envelope(403, denial.code, denial.message, state.correlationId));
    }
  };
}

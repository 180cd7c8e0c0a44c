// POST /oauth/token — client-credentials grant (spec §2). Errors use the OAuth body, not the envelope.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { OAuthErrorBody, TokenResponse } from '../../../contracts/genesys.js';
import { type ServerDeps, stateOf } from '../context.js';
import { parseAuthorization } from '../tokens.js';

export function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  const body: OAuthErrorBody = { error, description, error_description: description };
  return reply.code(status).send(body);
}

export async function oauthRoutes(app: FastifyInstance, deps: ServerDeps) {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post('/oauth/token', async (req, reply) => {
    const form = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
      string,
      unknown
    >;
    const auth = parseAuthorization(req.headers.authorization);
    const creds =
      auth.basic ??
      (typeof form.client_id === 'string' && typeof form.client_secret === 'string'
        ? { clientId: form.client_id, secret: form.client_secret }
        : undefined);
    if (!creds) return oauthError(reply, 401, 'invalid_client', 'authentication failed');
    const client = deps.opts.clients.get(creds.clientId);
    if (client === undefined) return oauthError(reply, 401, 'invalid_client', 'client not found');
    if (client.secret !== creds.secret)
      return oauthError(reply, 401, 'invalid_client', 'authentication failed');
    const state = stateOf(req);
    state.clientId = creds.clientId;
    state.entry.clientId = creds.clientId;

    const contentType = String(req.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      return oauthError(
        reply,
        400,
        'invalid_request',
        'the token request must be sent as application/x-www-form-urlencoded',
      );
    }
    const grant = form.grant_type;
    if (grant === undefined || grant === '')
      return oauthError(reply, 400, 'invalid_request', 'missing grant_type');
    if (grant !== 'client_credentials') {
      return oauthError(reply, 400, 'unsupported_grant_type', `grant type ${String(grant)} is not supported`);
    }
    const { token, expiresIn } = deps.tokens.issue(creds.clientId);
    const body: TokenResponse = { access_token: token, token_type: 'bearer', expires_in: expiresIn };
    return reply.code(200).send(body);
  });
}

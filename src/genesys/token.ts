// Client-credentials token for one OAuth client. The SDK does not renew client-credentials tokens
// (spec §2.3: its 401 path needs a refresh token), so we keep the token here: fetched on first use,
// renewed ahead of expiry (60 s, or 10% of a short TTL), invalidated on a 401, and concurrent callers
// share one in-flight POST /oauth/token.
import { GENESYS_PATHS } from '../contracts/genesys.js';
import type { Clock } from '../lib/clock.js';
import { redactText } from '../lib/redact.js';
import {
  GenesysAuthError,
  type GenesysCallRef,
  GenesysError,
  GenesysHttpError,
  GenesysNetworkError,
  GenesysProtocolError,
} from './errors.js';
import type { Executor, TokenSource } from './executor.js';

export interface TokenManagerOptions {
  executor: Executor;
  clock: Clock;
  loginBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** For messages only, e.g. "mypurecloud.com" (GENESYS_CLOUD_REGION). */
  region?: string;
}

export interface TokenManager extends TokenSource {
  /** Always asks /oauth/token (used by checkCredentials). */
  fetchNew(signal?: AbortSignal): Promise<string>;
}

export function createTokenManager(opts: TokenManagerOptions): TokenManager {
  const base = new URL(opts.loginBaseUrl);
  // Keep a gateway path prefix (https://gw.example.com/genesys → …/genesys/oauth/token).
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${GENESYS_PATHS.token}`, base);
  const call: GenesysCallRef = { method: 'POST', path: url.pathname };
  let current: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function request(signal?: AbortSignal): Promise<string> {
    const basic = Buffer.from(`${opts.clientId}:${opts.clientSecret}`).toString('base64');
    try {
      const body = await opts.executor.execute({
        endpoint: 'token',
        call,
        url,
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
        bearer: false,
        limited: false,
        signal,
        parse: (res) => {
          const data = parseJson(res.body, { ...call, status: res.status });
          if (typeof data.access_token !== 'string' || data.access_token === '') {
            throw new GenesysProtocolError(
              { ...call, status: res.status },
              'no access_token in token response',
            );
          }
          const ttl = typeof data.expires_in === 'number' && data.expires_in > 0 ? data.expires_in : 3600;
          return { token: data.access_token, ttlMs: ttl * 1000 };
        },
      });
      const margin = Math.min(60_000, body.ttlMs * 0.1);
      current = { token: body.token, renewAt: opts.clock.now() + body.ttlMs - margin };
      return body.token;
    } catch (e) {
      if (signal?.aborted) throw e;
      throw toAuthError(e, opts, url);
    }
  }

  function fetchNew(signal?: AbortSignal): Promise<string> {
    // The shared request is not tied to one caller's signal: another caller may still want the token.
    inFlight ??= request().finally(() => {
      inFlight = undefined;
    });
    const shared = inFlight;
    if (!signal) return shared;
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  return {
    async get(signal) {
      if (current && opts.clock.now() < current.renewAt) return current.token;
      return fetchNew(signal);
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
    fetchNew,
  };
}

function parseJson(
  body: Buffer | undefined,
  call: GenesysCallRef & { status: number },
): Record<string, unknown> {
  try {
    const data: unknown = JSON.parse(body?.toString('utf8') ?? '');
    if (typeof data === 'object' && data !== null && !Array.isArray(data))
      return data as Record<string, unknown>;
  } catch (e) {
    throw new GenesysProtocolError(call, 'token response is not JSON', { cause: e });
  }
  throw new GenesysProtocolError(call, 'token response is not a JSON object');
}

/** Names the likely cause; never includes the secret or a token. */
function toAuthError(e: unknown, opts: TokenManagerOptions, url: URL): GenesysError | unknown {
  if (e instanceof GenesysAuthError) return e;
  if (!(e instanceof GenesysError)) return e;
  const region = `the region (GENESYS_CLOUD_REGION=${opts.region ?? '?'}, login host ${url.host}) is not the org's region`;
  let why: string;
  if (e instanceof GenesysNetworkError && ['ENOTFOUND', 'ECONNREFUSED', 'EAI_AGAIN'].includes(e.syscode)) {
    why = `cannot reach ${url.host} (${e.syscode}): check GENESYS_CLOUD_REGION / GENESYS_CLOUD_BASE_URL and the network`;
  } else if (e instanceof GenesysHttpError) {
    // The OAuth body's `error` became genesysCode and its description the message (errors.ts).
    const text = `${e.genesysCode ?? ''} ${e.message}`.toLowerCase();
    if (text.includes('not found')) {
      why = `client not found: wrong client id (GENESYS_CLOUD_CLIENT_ID=${opts.clientId}), or ${region}`;
    } else if (text.includes('invalid_client') || text.includes('authentication failed')) {
      why = `authentication failed: wrong client secret (GENESYS_CLOUD_CLIENT_SECRET), or ${region}`;
    } else if (text.includes('unauthorized_client') || text.includes('not authorized')) {
      why = `OAuth client ${opts.clientId} is not configured for the Client Credentials grant (Admin → OAuth → Grant Types)`;
    } else {
      why = `token request refused with HTTP ${e.status}${e.genesysCode ? ` ${e.genesysCode}` : ''}`;
    }
  } else {
    why = `token request failed: ${e.message}`;
  }
  const message = redactText(`Genesys login failed: ${why}`, [opts.clientSecret]);
  return new GenesysAuthError(
    message,
    { method: 'POST', path: url.pathname, status: e.status },
    { cause: e },
  );
}

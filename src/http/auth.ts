// Who may call what. The service binds 127.0.0.1 by default; binding anywhere else exposes it, and then
// API_TOKEN is mandatory (checked at start-up) and required on everything but the public routes: health
// checks and the dashboard's static files. Write actions (POST) need the token whenever one is
// configured, on any bind address. Tokens are compared in constant time (on SHA-256 digests, so lengths
// never leak).
//
// The decision is made on the route the router matched (`request.routeOptions`), never on the URL text:
// the router decodes `%61pi` into `api` before matching, so any check on the raw text can be walked
// around by spelling the path differently. A request that matches no route is not public.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopbackHost } from '../lib/addresses.js';
import { ConfigError } from '../lib/errors.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Anyone may call this route, token or not (health checks, the dashboard's files). */
    public?: boolean;
  }
}

/** Route options that make a route public; spread into a route's options where it is declared. */
export const PUBLIC_ROUTE = { config: { public: true } } as const;

/** Marks every route registered from now on in `app`'s context (and its children) as public. */
export function makeRoutesPublic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });
}

export interface AuthOptions {
  /** API_TOKEN, if configured */
  token?: string;
  /** the address the server binds (HOST) */
  host: string;
}

/** Refuses an exposed bind address without a token: the API can trigger runs and lists agents' calls. */
export function checkBindSecurity(opts: AuthOptions): void {
  if (!isLoopbackHost(opts.host) && !opts.token) {
    throw new ConfigError(
      `HOST is "${opts.host}", which is reachable from other machines, but API_TOKEN is not set: ` +
        'set API_TOKEN to a random string of 32+ characters (for example `openssl rand -hex 32`) ' +
        'or bind HOST=127.0.0.1',
    );
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  checkBindSecurity(opts);
  const exposed = !isLoopbackHost(opts.host);
  app.addHook('onRequest', async (request) => {
    if (!exposed) {
      // A loopback service is still reachable from a browser on this machine: refuse other host names
      // (DNS rebinding) so a web page cannot read or drive it through a name it controls.
      const hostname = (request.headers.host ?? '').replace(/:\d+$/, '');
      if (hostname && !isLoopbackHost(hostname)) {
        throw new HttpError(
          421,
          'MISDIRECTED_REQUEST',
          `this service answers only to localhost, not "${hostname}"`,
        );
      }
    }
    const isWrite = request.method !== 'GET' && request.method !== 'HEAD';
    if (isWrite && !request.headers['content-type']?.startsWith('application/json')) {
      // Forms and text/plain bodies are what a cross-site page can send without a preflight.
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json');
    }
    // `config` is the matched route's; a request that matched nothing gets the 404 route's, never public.
    if (request.routeOptions.config?.public === true && request.routeOptions.url !== undefined) return;
    const needsToken = isWrite ? Boolean(opts.token) : exposed;
    if (!needsToken) return;
    const given = bearer(request);
    if (!given || !opts.token || !tokenMatches(given, opts.token)) {
      // Who knocked and where, never what they sent: the header may hold a real token one character off.
      request.log.warn(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          ip: request.ip,
          reason: given ? 'invalid token' : 'no token',
        },
        'API request refused: 401',
      );
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        given
          ? 'the bearer token is not valid'
          : 'this action needs API_TOKEN, sent as a Bearer token in the Authorization header',
      );
    }
  });
}

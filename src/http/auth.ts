// Who may call what. The service binds 127.0.0.1 by default; binding anywhere else exposes it, and then
// API_TOKEN is mandatory (checked at start-up) and required on everything but health checks and the
// dashboard's static files. Write actions (POST) need the token whenever one is configured, on any
// bind address. Tokens are compared in constant time (on SHA-256 digests, so lengths never leak).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError } from '../lib/errors.js';
import { HttpError } from './errors.js';

export interface AuthOptions {
  /** API_TOKEN, if configured */
  token?: string;
  /** the address the server binds (HOST) */
  host: string;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Refuses an exposed bind address without a token: the API can trigger runs and lists agents' calls. */
export function checkBindSecurity(opts: AuthOptions): void {
  if (!isLoopback(opts.host) && !opts.token) {
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

const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
const isApiPath = (path: string) => path === '/metrics' || path === '/api' || path.startsWith('/api/');

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  checkBindSecurity(opts);
  const exposed = !isLoopback(opts.host);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '/';
    if (!exposed) {
      // A loopback service is still reachable from a browser on this machine: refuse other host names
      // (DNS rebinding) so a web page cannot read or drive it through a name it controls.
      const hostname = (request.headers.host ?? '').replace(/:\d+$/, '');
      if (hostname && !isLoopback(hostname)) {
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
    if (PUBLIC_PATHS.has(path)) return;
    const needsToken = isWrite ? Boolean(opts.token) : exposed && isApiPath(path);
    if (!needsToken) return;
    const given = bearer(request);
    if (!given || !opts.token || !tokenMatches(given, opts.token)) {
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

// OAuth client-credentials tokens: random opaque strings bound to a client, expiring after the TTL.
import { randomBytes } from 'node:crypto';

export type TokenCheck = { ok: true; clientId: string } | { ok: false; reason: 'unknown' | 'expired' };

export interface TokenStore {
  issue(clientId: string): { token: string; expiresIn: number };
  check(token: string): TokenCheck;
  clientOf(token: string): string | undefined;
}

export function createTokenStore(ttlSeconds: number, now: () => number): TokenStore {
  const tokens = new Map<string, { clientId: string; expiresAt: number }>();
  return {
    issue(clientId) {
      const token = randomBytes(48).toString('base64url');
      tokens.set(token, { clientId, expiresAt: now() + ttlSeconds * 1000 });
      return { token, expiresIn: ttlSeconds };
    },
    check(token) {
      const t = tokens.get(token);
      if (!t) return { ok: false, reason: 'unknown' };
      if (now() >= t.expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, clientId: t.clientId };
    },
    clientOf: (token) => tokens.get(token)?.clientId,
  };
}

export type AuthorizationKind = 'none' | 'basic' | 'bearer' | 'other';

export function parseAuthorization(header: string | undefined): {
  kind: AuthorizationKind;
  token?: string;
  basic?: { clientId: string; secret: string };
} {
  if (!header) return { kind: 'none' };
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (/^bearer$/i.test(scheme)) return { kind: 'bearer', token: value };
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return { kind: 'basic' };
    return { kind: 'basic', basic: { clientId: decoded.slice(0, i), secret: decoded.slice(i + 1) } };
  }
  return { kind: 'other' };
}

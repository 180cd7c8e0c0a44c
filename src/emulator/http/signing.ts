// Pre-signed object-store URLs (S3 query-string auth look-alike): the signature covers the path, the
// issue instant and the lifetime, with a key that lives as long as the emulator process.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface UrlSigner {
  /** query string for `path`, valid ttlSeconds after issuedAt */
  sign(path: string, issuedAt: number, ttlSeconds: number): string;
  verify(path: string, query: Record<string, string>, now: number): 'ok' | 'invalid' | 'expired';
}

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

export function createUrlSigner(): UrlSigner {
  const key = randomBytes(32);
  const signature = (path: string, date: string, expires: string) =>
    createHmac('sha256', key).update(`${path}\n${date}\n${expires}`).digest('hex');
  return {
    sign(path, issuedAt, ttlSeconds) {
      const date = amzDate(issuedAt);
      const expires = String(ttlSeconds);
      const q = new URLSearchParams({
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': `EMULATORKEY/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
        'X-Amz-Date': date,
        'X-Amz-Expires': expires,
        'X-Amz-SignedHeaders': 'host',
        'X-Amz-Signature': signature(path, date, expires),
      });
      return q.toString();
    },
    verify(path, query, now) {
      const date = query['X-Amz-Date'];
      const expires = query['X-Amz-Expires'];
      const given = query['X-Amz-Signature'];
      if (!date || !expires || !given) return 'invalid';
      const expected = Buffer.from(signature(path, date, expires), 'hex');
      const actual = Buffer.from(given, 'hex');
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'invalid';
      const issued = parseAmzDate(date);
      if (Number.isNaN(issued)) return 'invalid';
      return now >= issued + Number(expires) * 1000 ? 'expired' : 'ok';
    },
  };
}

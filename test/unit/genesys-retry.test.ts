import { describe, expect, it } from 'vitest';
import {
  GenesysAuthError,
  GenesysHttpError,
  GenesysNetworkError,
  GenesysProtocolError,
  GenesysRateLimitedError,
  GenesysTimeoutError,
} from '../../src/genesys/errors.js';
import { decideRetry, type RetryDecision, type RetryPolicy } from '../../src/genesys/retry.js';

const call = { method: 'GET', path: '/api/v2/recording/batchrequests/j1' };
const http = (status: number, retryAfterMs?: number) =>
  status === 429
    ? new GenesysRateLimitedError({ ...call, retryAfterMs })
    : new GenesysHttpError({ ...call, status, retryAfterMs });
const net = (syscode: string, o: { connectFailed?: boolean; hostEverReached?: boolean } = {}) =>
  new GenesysNetworkError(call, {
    syscode,
    connectFailed: o.connectFailed ?? false,
    hostEverReached: o.hostEverReached ?? true,
    host: '127.0.0.1:1',
    detail: syscode,
  });

const malformed = (occurrence: number) =>
  Object.assign(new GenesysProtocolError(call, 'bad json'), { occurrence });

// random() = 1 - ε makes full jitter hit the ceiling, so delays are predictable in the table.
const maxJitter: Partial<RetryPolicy> = { random: () => 0.999999 };
const post: Partial<RetryPolicy> = { ...maxJitter, idempotent: false };

type Row = [
  name: string,
  error: unknown,
  attempt: number,
  elapsedMs: number,
  policy: Partial<RetryPolicy>,
  want: Partial<RetryDecision>,
];

const table: Row[] = [
  [
    '429 honours Retry-After exactly, no jitter',
    http(429, 42_000),
    0,
    0,
    { random: () => 0 },
    { retry: true, delayMs: 42_000, reason: 'rate-limited' },
  ],
  ['429 does not count as an attempt', http(429, 1_000), 0, 0, {}, { retry: true, countsAsAttempt: false }],
  [
    '429 is retried even after many counted attempts',
    http(429, 1_000),
    50,
    0,
    {},
    { retry: true, delayMs: 1_000 },
  ],
  ['429 without Retry-After waits 3 s', http(429), 0, 0, {}, { retry: true, delayMs: 3_000 }],
  ['429 with Retry-After 180 s still waits', http(429, 180_000), 0, 0, {}, { retry: true, delayMs: 180_000 }],
  ['429 with Retry-After > 180 s gives up', http(429, 181_000), 0, 0, {}, { retry: false }],
  ['429 beyond the time budget gives up', http(429, 60_000), 0, 590_000, {}, { retry: false }],
  [
    '503 backs off 500 ms on the first attempt',
    http(503),
    1,
    0,
    maxJitter,
    { retry: true, delayMs: 499, reason: 'server-error' },
  ],
  ['502 doubles on the second attempt', http(502), 2, 0, maxJitter, { retry: true, delayMs: 999 }],
  ['504 doubles again on the third', http(504), 3, 0, maxJitter, { retry: true, delayMs: 1_999 }],
  ['backoff is capped at 30 s', http(503), 7, 0, maxJitter, { retry: true, delayMs: 29_999 }],
  ['full jitter can be 0', http(503), 3, 0, { random: () => 0 }, { retry: true, delayMs: 0 }],
  ['503 with Retry-After honours it', http(503, 7_000), 1, 0, {}, { retry: true, delayMs: 7_000 }],
  ['5xx stops after 8 attempts', http(503), 8, 0, {}, { retry: false }],
  ['5xx stops when the budget is spent', http(503), 2, 599_900, maxJitter, { retry: false }],
  ['500 is terminal', http(500), 1, 0, {}, { retry: false }],
  [
    'an untrusted TLS certificate is not asked again',
    net('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
    1,
    0,
    {},
    { retry: false, reason: expect.stringContaining('NODE_EXTRA_CA_CERTS') as unknown as string },
  ],
  ['a self-signed certificate neither', net('DEPTH_ZERO_SELF_SIGNED_CERT'), 1, 0, {}, { retry: false }],
  [
    'a name the certificate does not cover neither',
    net('ERR_TLS_CERT_ALTNAME_INVALID'),
    1,
    0,
    {},
    { retry: false },
  ],
  ['400 is never retried', http(400), 1, 0, {}, { retry: false }],
  ['403 is never retried', http(403), 1, 0, {}, { retry: false }],
  ['404 is never retried', http(404), 1, 0, {}, { retry: false }],
  ['409 is never retried', http(409), 1, 0, {}, { retry: false }],
  ['auth errors are never retried', new GenesysAuthError('x', call), 1, 0, {}, { retry: false }],
  [
    'timeout is retried with backoff',
    new GenesysTimeoutError(call, 100),
    1,
    0,
    maxJitter,
    { retry: true, delayMs: 499, reason: 'timeout' },
  ],
  ['ECONNRESET is retried', net('ECONNRESET'), 1, 0, {}, { retry: true, reason: 'network' }],
  ['truncated body is retried', net('TRUNCATED'), 1, 0, {}, { retry: true, reason: 'network' }],
  [
    'ECONNREFUSED mid-run is retried',
    net('ECONNREFUSED', { connectFailed: true }),
    1,
    0,
    {},
    { retry: true },
  ],
  [
    'ECONNREFUSED before any answer is not',
    net('ECONNREFUSED', { connectFailed: true, hostEverReached: false }),
    1,
    0,
    {},
    { retry: false },
  ],
  [
    'ENOTFOUND before any answer is not',
    net('ENOTFOUND', { connectFailed: true, hostEverReached: false }),
    1,
    0,
    {},
    { retry: false },
  ],
  [
    'malformed answer is retried',
    new GenesysProtocolError(call, 'bad json'),
    1,
    0,
    {},
    { retry: true, reason: 'protocol' },
  ],
  ['malformed answer becomes terminal at the 3rd', malformed(3), 3, 0, {}, { retry: false }],
  ['a 2nd malformed answer after other failures is retried', malformed(2), 6, 0, {}, { retry: true }],
  ['unknown errors are not retried', new Error('boom'), 1, 0, {}, { retry: false }],
  ['non-errors are not retried', 'boom', 1, 0, {}, { retry: false }],
  [
    'POST: connect failure is retried',
    net('ECONNREFUSED', { connectFailed: true }),
    1,
    0,
    post,
    { retry: true },
  ],
  ['POST: reset after sending is not', net('ECONNRESET'), 1, 0, post, { retry: false }],
  ['POST: timeout is not (job may exist)', new GenesysTimeoutError(call, 100), 1, 0, post, { retry: false }],
  ['POST: 502 is not', http(502), 1, 0, post, { retry: false }],
  ['POST: 503 is', http(503), 1, 0, post, { retry: true }],
  ['POST: 429 is', http(429, 2_000), 0, 0, post, { retry: true, delayMs: 2_000 }],
];

describe('decideRetry', () => {
  it.each(table)('%s', (_name, error, attempt, elapsedMs, policy, want) => {
    expect(decideRetry(error, attempt, elapsedMs, policy)).toMatchObject(want);
  });

  it('says why it gave up on a Retry-After over 180 s', () => {
    const d = decideRetry(http(429, 3_600_000), 0, 0);
    expect(d).toEqual({
      retry: false,
      reason: expect.stringMatching(/Retry-After 3600 s exceeds the 180 s limit/),
    });
  });
});

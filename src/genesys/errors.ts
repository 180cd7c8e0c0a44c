// Typed, coded errors for every way a Genesys call can fail (STYLE §8). The `kind` tells the caller what
// to do; the `code` is stable for logs, the database and docs:
//
//   GENESYS_HTTP           non-2xx answer from /api/v2 (terminal 4xx, or transient 502/503/504)
//   GENESYS_RATE_LIMITED   429 (kind 'rate-limited', retryAfterMs set)
//   GENESYS_TIMEOUT        no complete answer within timeoutMs (socket aborted; transient)
//   GENESYS_NETWORK        connect error, reset, truncated body (transient, except an unreachable host)
//   GENESYS_PROTOCOL       malformed JSON or an unexpected shape (transient a couple of times, then terminal)
//   GENESYS_AUTH           /oauth/token refused the credentials, or the API refused a fresh token
//   GENESYS_PERMISSION     403 missing.any.permissions / missing.permissions: the OAuth client's role
//                          lacks a permission (kind 'auth': every such call would fail, so the day stops)
//   GENESYS_INVALID_INPUT  rejected locally before sending (e.g. a batch of 0 or > 100 items)
//   GENESYS_TOO_MANY_RESULTS  > 10,000 conversations in an interval too short to split (terminal)
//   GENESYS_URL_REFUSED    a download URL (or a redirect) the URL policy refuses: not https, a private
//                          address, credentials in it, too many redirects (terminal; url-policy.ts)
//
// Messages name the call (method, path without query string, status, Genesys code and contextId) and
// never carry tokens, client secrets or pre-signed URL query strings.
import { AppError } from '../lib/errors.js';

export type GenesysErrorKind = 'transient' | 'terminal' | 'rate-limited' | 'auth';

export interface GenesysCallRef {
  method: string;
  /** Path only (no host, no query string); for pre-signed URLs the redactUrl() form. */
  path: string;
}

export interface GenesysErrorFields extends GenesysCallRef {
  status?: number;
  genesysCode?: string;
  contextId?: string;
  retryAfterMs?: number;
}

export class GenesysError extends AppError {
  readonly kind: GenesysErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly genesysCode: string | undefined;
  readonly contextId: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** Set when the retry policy stopped retrying this error (budget, Retry-After too long, …). */
  giveUpReason: string | undefined;

  constructor(
    code: string,
    kind: GenesysErrorKind,
    message: string,
    fields: GenesysErrorFields,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.kind = kind;
    this.method = fields.method;
    this.path = fields.path;
    this.status = fields.status;
    this.genesysCode = fields.genesysCode;
    this.contextId = fields.contextId;
    this.retryAfterMs = fields.retryAfterMs;
  }

  /** Records why retrying stopped and says so in the message (e.g. "Retry-After 600 s exceeds 180 s"). */
  gaveUp(reason: string): this {
    this.giveUpReason = reason;
    this.message = `${this.message}; gave up: ${reason}`;
    return this;
  }
}

/** Any non-2xx answer of /api/v2 that is not a 429. */
export class GenesysHttpError extends GenesysError {
  constructor(
    fields: GenesysErrorFields & { status: number; message?: string },
    options?: { cause?: unknown },
  ) {
    const kind: GenesysErrorKind = fields.status >= 500 ? 'transient' : 'terminal';
    super('GENESYS_HTTP', kind, formatCallMessage(fields, fields.message), fields, options);
  }
}

export class GenesysRateLimitedError extends GenesysError {
  constructor(fields: GenesysErrorFields & { message?: string }) {
    super(
      'GENESYS_RATE_LIMITED',
      'rate-limited',
      formatCallMessage({ ...fields, status: 429 }, fields.message),
      {
        ...fields,
        status: 429,
      },
    );
  }
}

export class GenesysTimeoutError extends GenesysError {
  readonly timeoutMs: number;
  constructor(call: GenesysCallRef, timeoutMs: number) {
    super(
      'GENESYS_TIMEOUT',
      'transient',
      `${call.method} ${call.path} → no answer within ${timeoutMs} ms`,
      call,
    );
    this.timeoutMs = timeoutMs;
  }
}

export class GenesysNetworkError extends GenesysError {
  /** Node's error code: ECONNRESET, ECONNREFUSED, ENOTFOUND, EPIPE, … or TRUNCATED for a short body. */
  readonly syscode: string;
  /** The TCP connection was never established: the request certainly did not reach the server. */
  readonly connectFailed: boolean;
  /** This client already had an answer from that host before (so a refused connect is mid-run). */
  readonly hostEverReached: boolean;
  readonly host: string;
  constructor(
    call: GenesysCallRef,
    info: { syscode: string; connectFailed: boolean; hostEverReached: boolean; host: string; detail: string },
    options?: { cause?: unknown },
  ) {
    super(
      'GENESYS_NETWORK',
      'transient',
      `${call.method} ${call.path} → network error ${info.syscode} (${info.host}): ${info.detail}`,
      call,
      options,
    );
    this.syscode = info.syscode;
    this.connectFailed = info.connectFailed;
    this.hostEverReached = info.hostEverReached;
    this.host = info.host;
  }
}

/** Genesys answered, but not with what the contract says (bad JSON, missing id, wrong type). */
export class GenesysProtocolError extends GenesysError {
  /** How many malformed answers this call has had so far, this one included (set by the executor). */
  occurrence = 1;
  constructor(call: GenesysCallRef & { status?: number }, detail: string, options?: { cause?: unknown }) {
    super(
      'GENESYS_PROTOCOL',
      'transient',
      `${call.method} ${call.path} → ${call.status ?? '?'} unexpected response: ${detail}`,
      call,
      options,
    );
  }
}

export class GenesysAuthError extends GenesysError {
  constructor(message: string, fields: GenesysErrorFields, options?: { cause?: unknown }) {
    super('GENESYS_AUTH', 'auth', message, fields, options);
  }
}

/** Genesys' codes for a role without the permission a call needs (spec §15). */
const PERMISSION_CODES = new Set(['missing.any.permissions', 'missing.permissions']);

/**
 * 403 `missing.any.permissions` / `missing.permissions`: the OAuth client's role lacks a permission.
 * Every call of that kind would fail the same way, so it stops the day at once with one message that
 * names the permission, rather than failing each recording.
 */
export class GenesysPermissionError extends GenesysError {
  /** the permissions Genesys names (any one of them is enough when `anyOf`) */
  readonly permissions: string[];
  readonly anyOf: boolean;
  constructor(fields: GenesysErrorFields & { status: number; message?: string }) {
    const permissions = permissionsIn(fields.message);
    const anyOf = fields.genesysCode === 'missing.any.permissions';
    const needed =
      permissions.length === 0
        ? 'a permission this call needs'
        : anyOf && permissions.length > 1
          ? `${permissions[0]} (or one of ${permissions.slice(1).join(', ')})`
          : permissions.join(', ');
    super(
      'GENESYS_PERMISSION',
      'auth',
      `the OAuth client's role lacks ${needed}: add it to the role in Genesys Cloud (Admin > Roles / Permissions), then run again (${formatCallMessage(fields, fields.message)})`,
      fields,
    );
    this.permissions = permissions;
    this.anyOf = anyOf;
  }
}

/** `…permissions assigned: [a:b:c, d:e:f]` → ['a:b:c', 'd:e:f']. */
export function permissionsIn(message: string | undefined): string[] {
  const list = /\[([^\]]*)\]/.exec(message ?? '')?.[1] ?? '';
  return list
    .split(',')
    .map((p) => p.trim())
    .filter((p) => /^[\w-]+(:[\w*-]+){2}$/.test(p));
}

function isPermissionCode(code: string | undefined): boolean {
  return code !== undefined && PERMISSION_CODES.has(code);
}

export class GenesysInvalidInputError extends GenesysError {
  constructor(call: GenesysCallRef, detail: string) {
    super('GENESYS_INVALID_INPUT', 'terminal', `${call.method} ${call.path} not sent: ${detail}`, call);
  }
}

/** A download URL the URL policy refuses (url-policy.ts); nothing was sent to it. */
export class GenesysUrlRefusedError extends GenesysError {
  constructor(call: GenesysCallRef, reason: string) {
    super('GENESYS_URL_REFUSED', 'terminal', reason, call);
  }
}

/** `POST /api/v2/recording/batchrequests → 400 batch.download.too.many.items: Too many … (contextId …)` */
export function formatCallMessage(fields: GenesysErrorFields, message?: string): string {
  let out = `${fields.method} ${fields.path} → ${fields.status ?? '?'}`;
  if (fields.genesysCode) out += ` ${fields.genesysCode}`;
  if (message) out += `: ${message}`;
  if (fields.contextId) out += ` (contextId ${fields.contextId})`;
  return out;
}

/** Seconds (or an HTTP date) → ms; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Builds the typed error for a non-2xx /api/v2 answer from its ErrorBody envelope (§10). */
export function errorFromResponse(
  call: GenesysCallRef,
  res: { status: number; headers: Record<string, string | string[] | undefined>; body: unknown },
  nowMs: number,
): GenesysError {
  const env = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const correlation = res.headers['inin-correlation-id'];
  const fields: GenesysErrorFields & { message?: string } = {
    ...call,
    status: res.status,
    // /oauth/token answers OAuth-style {error, error_description} instead of the platform envelope.
    genesysCode: str(env.code) ?? str(env.error),
    contextId: str(env.contextId) ?? (Array.isArray(correlation) ? correlation[0] : correlation),
    retryAfterMs: parseRetryAfter(res.headers['retry-after'], nowMs),
    message:
      str(env.message) ??
      str(env.error_description) ??
      str(env.description) ??
      (typeof res.body === 'string' ? res.body.slice(0, 200) : undefined),
  };
  if (res.status === 429) return new GenesysRateLimitedError(fields);
  if (res.status === 403 && isPermissionCode(fields.genesysCode))
    return new GenesysPermissionError({ ...fields, status: 403 });
  return new GenesysHttpError({ ...fields, status: res.status });
}

/** Path for messages and logs: the pathname only, never the query string. */
export function callPath(url: URL): string {
  return url.pathname;
}

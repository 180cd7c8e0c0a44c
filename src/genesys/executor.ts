// The single path every Genesys request takes — SDK-built API calls, the token request and resultUrl
// downloads alike: limiter → bearer token → transport → 401 renew-once → error typing → decideRetry →
// wait → again. Stats and the debug log line are written here, so they cover every request.
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import {
  errorFromResponse,
  GenesysAuthError,
  type GenesysCallRef,
  GenesysError,
  GenesysProtocolError,
  GenesysRateLimitedError,
} from './errors.js';
import { decideRetry, type RetryPolicy } from './retry.js';
import type { Transport, WireRequest, WireResponse } from './transport.js';
import type { ApiCallStats, RateLimiter } from './types.js';
import { currentScope, emptyStats } from './usage-scope.js';

export type EndpointName =
  | 'token'
  | 'detailsQuery'
  | 'detailsJobs'
  | 'recordingMetadata'
  | 'recordings'
  | 'batchSubmit'
  | 'batchStatus'
  | 'download'
  | 'users'
  | 'queues'
  | 'wrapUpCodes';

export interface CallSpec<T> {
  endpoint: EndpointName;
  call: GenesysCallRef;
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  /** Add `Authorization: Bearer …` from the token source (and renew once on a 401). */
  bearer: boolean;
  /** Count against the Genesys rate limiter (false for /oauth/token and object-store downloads). */
  limited: boolean;
  stream?: boolean;
  /** Name resolution for new connections (downloads). */
  lookup?: WireRequest['lookup'];
  /** Return non-2xx responses to `parse` instead of throwing, once retrying is over (downloads). */
  resolveAnyStatus?: boolean;
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Turns a 2xx response into the result; throw GenesysProtocolError for a bad shape (it is retried). */
  parse: (res: WireResponse) => T;
}

export interface TokenSource {
  get(signal?: AbortSignal): Promise<string>;
  invalidate(token: string): void;
}

export interface ExecutorDeps {
  transport: Transport;
  limiter: RateLimiter;
  clock: Clock;
  timeoutMs: number;
  logger?: Logger;
  retryPolicy?: Partial<RetryPolicy>;
  tokens?: () => TokenSource;
}

export interface Executor {
  execute<T>(spec: CallSpec<T>): Promise<T>;
  stats(): ApiCallStats;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export function createExecutor(deps: ExecutorDeps): Executor {
  const totals = emptyStats();
  /** Counts go to the client's totals and to the scope of the work that sent the request (if any). */
  function tally(add: (s: ApiCallStats) => void): void {
    add(totals);
    const scope = currentScope();
    if (scope) add(scope);
  }

  function count(endpoint: string, status: number | string): void {
    tally((s) => {
      const byStatus = s.statuses[endpoint] ?? {};
      s.statuses[endpoint] = byStatus;
      byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
    });
  }

  function observeRateHeaders(res: WireResponse): void {
    const num = (name: string) => {
      const v = res.headers[name];
      const n = Number(Array.isArray(v) ? v[0] : v);
      return v === undefined || !Number.isFinite(n) ? undefined : n;
    };
    deps.limiter.observe({
      allowed: num('inin-ratelimit-allowed'),
      count: num('inin-ratelimit-count'),
      resetSeconds: num('inin-ratelimit-reset'),
    });
  }

  async function execute<T>(spec: CallSpec<T>): Promise<T> {
    const { clock } = deps;
    const started = clock.now();
    const policy = { ...deps.retryPolicy, ...spec.policy };
    let attempt = 0;
    let renewedAfter401 = false;
    let malformed = 0;

    for (let sent = 1; ; sent++) {
      spec.signal?.throwIfAborted();
      if (spec.limited) await deps.limiter.acquire(spec.signal);
      const headers: Record<string, string> = { ...spec.headers };
      let token: string | undefined;
      let t0 = clock.now();
      let error: unknown;
      let res: WireResponse | undefined;
      try {
        if (spec.bearer) {
          if (!deps.tokens) throw new Error('no token source configured');
          token = await deps.tokens().get(spec.signal);
          headers.authorization = `Bearer ${token}`;
        }
        t0 = clock.now();
        tally((s) => {
          s.calls[spec.endpoint] = (s.calls[spec.endpoint] ?? 0) + 1;
        });
        res = await deps.transport.send({
          call: spec.call,
          method: spec.call.method,
          url: spec.url,
          headers,
          body: spec.body,
          timeoutMs: deps.timeoutMs,
          signal: spec.signal,
          stream: spec.stream,
          freshConnection: policy.idempotent === false,
          lookup: spec.lookup,
        });
      } catch (e) {
        if (spec.signal?.aborted) throw spec.signal.reason;
        // The token request failed: nothing was sent here, and its own error is the answer.
        if (token === undefined && spec.bearer) throw e;
        error = e;
      } finally {
        // The answer's count includes this request: it leaves the in-flight tally as its headers arrive.
        if (spec.limited) {
          if (res) observeRateHeaders(res);
          deps.limiter.release();
        }
      }
      const line = { endpoint: spec.endpoint, method: spec.call.method, path: spec.call.path, attempt: sent };
      if (res) {
        count(spec.endpoint, res.status);
        deps.logger?.debug({ ...line, status: res.status, ms: clock.now() - t0 }, 'genesys request');

        if (res.status === 401 && token !== undefined && !renewedAfter401) {
          // Expired or revoked bearer: fetch a new token once and replay; not a counted attempt.
          renewedAfter401 = true;
          res.stream?.resume();
          deps.tokens?.().invalidate(token);
          continue;
        }
        if (res.status >= 200 && res.status < 300) {
          try {
            return spec.parse(res);
          } catch (e) {
            error = e;
          }
        } else if (spec.resolveAnyStatus && !RETRYABLE_STATUS.has(res.status)) {
          return spec.parse(res);
        } else {
          error = responseError(spec, res, token !== undefined);
        }
      } else {
        count(spec.endpoint, error instanceof GenesysError ? error.code : 'error');
        deps.logger?.debug(
          { ...line, error: errorMessage(error), ms: clock.now() - t0 },
          'genesys request failed',
        );
      }

      if (error instanceof GenesysProtocolError) error.occurrence = ++malformed;
      const counted = !(error instanceof GenesysRateLimitedError);
      const decision = decideRetry(error, counted ? attempt + 1 : attempt, clock.now() - started, policy);
      if (counted) attempt++;
      if (!decision.retry) {
        if (res && spec.resolveAnyStatus) return spec.parse(res);
        if (error instanceof GenesysError && decision.reason && error.kind !== 'terminal') {
          error.gaveUp(decision.reason);
        }
        throw error;
      }
      res?.stream?.resume();
      tally((s) => {
        s.retries++;
      });
      deps.logger?.warn(
        { ...line, reason: decision.reason, delayMs: decision.delayMs, error: errorMessage(error) },
        'genesys request will be retried',
      );
      if (decision.reason === 'rate-limited') {
        tally((s) => {
          s.rateLimited++;
        });
        // Everybody on this credential waits, not just this call (STYLE §10).
        if (spec.limited) deps.limiter.pause(decision.delayMs);
        else await clock.sleep(decision.delayMs, spec.signal);
      } else {
        await clock.sleep(decision.delayMs, spec.signal);
      }
    }
  }

  function responseError(spec: CallSpec<unknown>, res: WireResponse, hadBearer: boolean): GenesysError {
    let body: unknown = res.body?.toString('utf8');
    try {
      if (typeof body === 'string' && body !== '') body = JSON.parse(body);
    } catch {
      // Non-JSON error bodies (proxies, load balancers) keep their text.
    }
    const err = errorFromResponse(
      spec.call,
      { status: res.status, headers: res.headers, body },
      deps.clock.now(),
    );
    if (res.status === 401 && hadBearer) {
      return new GenesysAuthError(
        `${err.message}; a freshly issued token was refused too — check the OAuth client's roles and the region`,
        err,
        { cause: err },
      );
    }
    return err;
  }

  return {
    execute,
    stats: () => ({ ...structuredClone(totals), limiterWaitMs: deps.limiter.waitedMs() }),
  };
}

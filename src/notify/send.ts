// POSTs the notification to NOTIFY_URL. The e-mail is the only signal operators get each night, so a
// blip in the notification service (5xx, reset, timeout) is retried a few times; a 4xx means the request
// itself is wrong (bad NOTIFY_URL or EMAILS) and is reported at once. NOTIFY_URL may carry an API key in
// its query string, so only redactUrl(url) ever appears in an error.
//
// Redirects are not followed: a 307 or 308 would make the client send the same body (the day's
// failures) again to wherever the Location says, maybe another host. A 3xx is a failed send that
// names where it pointed, so the operator can set NOTIFY_URL to the final address.
import { type Clock, systemClock } from '../lib/clock.js';
import { AppError, errorMessage } from '../lib/errors.js';
import { redactText, redactUrl } from '../lib/redact.js';
import type { NotificationPayload } from './payload.js';

export interface SendNotificationOptions {
  /** NOTIFY_URL, e.g. 'https://notify.example.com/api/email'. */
  url: string;
  payload: NotificationPayload;
  /** Per attempt, including reading the response. Default 30000. */
  timeoutMs?: number;
  /** Extra attempts after the first on 5xx, 408, 429, network errors and timeouts. Default 3. */
  retries?: number;
  /** First backoff delay; doubles each retry up to maxDelayMs. Default 1000. */
  baseDelayMs?: number;
  /** Cap for one backoff delay, also for Retry-After. Default 30000. */
  maxDelayMs?: number;
  clock?: Pick<Clock, 'sleep'>;
  signal?: AbortSignal;
}

export interface SendResult {
  status: number;
  attempts: number;
}

/** The notification could not be delivered. `status` is the last HTTP status, if any. */
export class NotifyError extends AppError {
  readonly status: number | undefined;
  readonly attempts: number;
  constructor(message: string, opts: { status?: number; attempts: number; cause?: unknown }) {
    super('NOTIFY_FAILED', message, { cause: opts.cause });
    this.status = opts.status;
    this.attempts = opts.attempts;
  }
}

export type AttemptFailure =
  | { kind: 'status'; status: number; retryAfterMs?: number }
  | { kind: 'network' }
  | { kind: 'timeout' };

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

/**
 * Pure retry policy. `attempt` is the 1-based number of the attempt that just failed.
 * Exponential without jitter: there is a single sender per night, so there is no herd to spread.
 * 408 and 429 are the two 4xx that mean "try later", so they are retried like 5xx.
 */
export function decideNotifyRetry(
  failure: AttemptFailure,
  attempt: number,
  policy: { retries: number; baseDelayMs: number; maxDelayMs: number },
): RetryDecision {
  if (attempt > policy.retries) return { retry: false };
  if (failure.kind === 'status') {
    const s = failure.status;
    if (!(s >= 500 || s === 408 || s === 429)) return { retry: false };
    if (failure.retryAfterMs !== undefined) {
      return { retry: true, delayMs: Math.min(failure.retryAfterMs, policy.maxDelayMs) };
    }
  }
  const delayMs = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return { retry: true, delayMs };
}

export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function describe(failure: AttemptFailure, detail: string): string {
  if (failure.kind === 'status') return `HTTP ${failure.status}${detail ? `: ${detail}` : ''}`;
  if (failure.kind === 'timeout') return `no response within the timeout${detail ? ` (${detail})` : ''}`;
  return `network error (${detail})`;
}

/** A 3xx is never retried (decideNotifyRetry) and never followed; say where it pointed, without secrets. */
function redirectDetail(location: string | null, base: string): string {
  let target = '';
  try {
    if (location) target = ` to ${redactUrl(new URL(location, base).href)}`;
  } catch {
    target = ' to an invalid Location';
  }
  return (
    `a redirect${target}, not followed (the body would be sent on to another address): ` +
    'set NOTIFY_URL to the final address'
  );
}

function networkDetail(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : errorMessage(cause ?? e);
}

/** Sends the payload as JSON; resolves on 2xx with the status and the number of attempts made. */
export async function sendNotification(opts: SendNotificationOptions): Promise<SendResult> {
  const policy = {
    retries: opts.retries ?? 3,
    baseDelayMs: opts.baseDelayMs ?? 1000,
    maxDelayMs: opts.maxDelayMs ?? 30_000,
  };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const clock = opts.clock ?? systemClock;
  const where = `NOTIFY_URL ${redactUrl(opts.url)}`;
  const body = JSON.stringify(opts.payload);

  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let failure: AttemptFailure;
    let detail = '';
    let cause: unknown;
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/plain, */*' },
        body,
        signal,
        redirect: 'manual',
      });
      // Always read the body: it frees the connection and, on errors, says what the service disliked.
      const text = await res.text();
      if (res.ok) return { status: res.status, attempts: attempt };
      failure = {
        kind: 'status',
        status: res.status,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      };
      detail =
        res.status >= 300 && res.status < 400
          ? redirectDetail(res.headers.get('location'), opts.url)
          : redactText(text.replace(/\s+/g, ' ').trim().slice(0, 200));
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      cause = e;
      if (timeout.aborted) {
        failure = { kind: 'timeout' };
        detail = `${timeoutMs} ms`;
      } else {
        failure = { kind: 'network' };
        detail = redactText(networkDetail(e));
      }
    }
    const decision = decideNotifyRetry(failure, attempt, policy);
    if (!decision.retry) {
      const status = failure.kind === 'status' ? failure.status : undefined;
      const hint =
        status !== undefined && status >= 400 && status < 500
          ? '; the service rejected the request: check NOTIFY_URL and EMAILS'
          : '';
      throw new NotifyError(
        `notification POST to ${where} failed after ${attempt} attempt(s): ${describe(failure, detail)}${hint}`,
        { status, attempts: attempt, cause },
      );
    }
    await clock.sleep(decision.delayMs, opts.signal);
  }
}

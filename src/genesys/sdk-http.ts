// Bridges the official SDK to our executor. The SDK builds the request (path, path/query params, JSON
// body) and we send it: `request()` runs through executor.execute(), so SDK calls get the same limiter,
// retry policy, timeout, token, stats and logging as everything else. What the SDK cannot tell us — the
// HTTP status of a success (it resolves a 202 as an empty success, spec §6) and the per-call AbortSignal
// — travels in an AsyncLocalStorage context set around each SDK call.
import { AsyncLocalStorage } from 'node:async_hooks';
import platformClient from 'purecloud-platform-client-v2';
import { GenesysProtocolError } from './errors.js';
import type { EndpointName, Executor } from './executor.js';
import type { RetryPolicy } from './retry.js';
import type { WireResponse } from './transport.js';

export interface SdkCallContext {
  endpoint: EndpointName;
  signal?: AbortSignal;
  policy?: Partial<RetryPolicy>;
  /** Throws GenesysProtocolError when a 2xx body has the wrong shape (retried as transient). */
  validate?: (status: number, data: unknown) => void;
  /** Filled in by the HTTP client: the status of the successful response. */
  status?: number;
}

const context = new AsyncLocalStorage<SdkCallContext>();

/** Runs one SDK call with `ctx`; returns its value and the HTTP status the SDK hides. */
export async function withSdkContext<T>(
  ctx: Omit<SdkCallContext, 'status'>,
  fn: () => Promise<T>,
): Promise<{ value: T; status: number }> {
  const store: SdkCallContext = { ...ctx };
  const value = await context.run(store, fn);
  return { value, status: store.status ?? 0 };
}

export class GenesysSdkHttpClient extends platformClient.AbstractHttpClient {
  constructor(private readonly executor: Executor) {
    super();
  }

  // Hooks are an axios feature of DefaultHttpClient; our logging/stats live in the executor instead.
  enableHooks(): void {}

  async request(options: platformClient.HttpRequestOptions): Promise<unknown> {
    const ctx = context.getStore();
    if (!ctx) throw new Error('SDK call made outside withSdkContext()');
    const url = new URL(options.url);
    for (const [k, v] of Object.entries(options.params ?? {})) {
      // A list (the SDK's "multi" collection format, e.g. users by id) is the parameter repeated.
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      // The SDK serialises unset optional params as '' — drop them rather than send `mediaFormats=`.
      else if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      // The bearer is added by the executor (and renewed on 401); the SDK never holds our token.
      if (v !== undefined && v !== null && k.toLowerCase() !== 'authorization')
        headers[k.toLowerCase()] = String(v);
    }
    const body =
      options.data === undefined
        ? undefined
        : typeof options.data === 'string'
          ? options.data
          : JSON.stringify(options.data);
    if (body === undefined) delete headers['content-type'];

    const call = { method: options.method, path: url.pathname };
    return this.executor.execute({
      endpoint: ctx.endpoint,
      call,
      url,
      headers,
      body,
      bearer: true,
      limited: true,
      policy: ctx.policy,
      signal: ctx.signal,
      parse: (res: WireResponse) => {
        const text = res.body?.toString('utf8') ?? '';
        let data: unknown;
        if (text !== '') {
          try {
            data = JSON.parse(text);
          } catch (e) {
            throw new GenesysProtocolError({ ...call, status: res.status }, 'body is not valid JSON', {
              cause: e,
            });
          }
        }
        ctx.validate?.(res.status, data);
        ctx.status = res.status;
        return { status: res.status, statusText: res.statusText, headers: res.headers, data, text };
      },
    });
  }
}

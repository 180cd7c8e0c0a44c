// Shared plumbing of the conformance suite: the official SDK (purecloud-platform-client-v2 262.0.0)
// pointed at an emulator, a clock tests can move forward, and helpers that read status codes and
// headers the SDK only shows with extended responses. Each test file builds its own emulator and its
// own ApiClient instances (the SDK's default client is a process-wide singleton).
import platformClient from 'purecloud-platform-client-v2';
import { expect } from 'vitest';
import type { Emulator } from '../../src/emulator/types.js';

export type ApiClient = typeof platformClient.ApiClient;

// ApiClientClass exists at runtime (index.js) but is missing from the typings.
const ApiClientClass = (platformClient as unknown as { ApiClientClass: new () => ApiClient }).ApiClientClass;

export const EMULATOR_CLIENT = { clientId: 'emulator', clientSecret: 'emulator' } as const;

/**
 * A clock for `buildEmulator({ now })` that starts at `startIso` and then runs in real time (batch jobs
 * and transcodes progress), with `advance(ms)` to jump ahead (token and URL expiry).
 */
export function testClock(startIso: string): { now: () => number; advance(ms: number): void } {
  const base = Date.parse(startIso);
  const t0 = Date.now();
  let skew = 0;
  return {
    now: () => base + (Date.now() - t0) + skew,
    advance(ms: number) {
      skew += ms;
    },
  };
}

export interface Sdk {
  client: ApiClient;
  analytics: platformClient.AnalyticsApi;
  recording: platformClient.RecordingApi;
  users: platformClient.UsersApi;
  routing: platformClient.RoutingApi;
}

/** A new, not yet logged-in SDK client whose login and API hosts are the emulator. */
export function sdkClient(emu: Emulator, opts: { extended?: boolean } = {}): ApiClient {
  const client = new ApiClientClass();
  const u = new URL(emu.url);
  client.setGateway({
    host: u.hostname,
    protocol: u.protocol.replace(':', ''),
    port: Number(u.port),
    path_params_login: '',
    path_params_api: '',
  });
  client.setReturnExtendedResponses(opts.extended ?? false);
  return client;
}

/** An SDK client logged in with the client-credentials grant. */
export async function connectSdk(
  emu: Emulator,
  opts: { extended?: boolean; clientId?: string; clientSecret?: string } = {},
): Promise<Sdk> {
  const client = sdkClient(emu, opts);
  await client.loginClientCredentialsGrant(
    opts.clientId ?? EMULATOR_CLIENT.clientId,
    opts.clientSecret ?? EMULATOR_CLIENT.clientSecret,
  );
  return {
    client,
    analytics: new platformClient.AnalyticsApi(client),
    recording: new platformClient.RecordingApi(client),
    users: new platformClient.UsersApi(client),
    routing: new platformClient.RoutingApi(client),
  };
}

/** What an SDK client with setReturnExtendedResponses(true) resolves or rejects with. */
export interface Extended<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

function isExtended(x: unknown): x is Extended {
  return typeof x === 'object' && x !== null && typeof (x as { status?: unknown }).status === 'number';
}

/** Awaits an extended-response SDK call and returns its status, headers and body, success or not. */
export async function settle<T = unknown>(call: Promise<unknown>): Promise<Extended<T>> {
  try {
    const r = await call;
    if (!isExtended(r)) throw new Error('settle() needs a client with setReturnExtendedResponses(true)');
    return r as Extended<T>;
  } catch (e) {
    if (isExtended(e)) return e as Extended<T>;
    throw e;
  }
}

/** A plain HTTP call, for what the SDK cannot send (no bearer, a bad token, a malformed login). */
export async function raw(
  emu: Emulator,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const res = await fetch(new URL(path, emu.url), init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}

/** Header lookup that works for axios' plain object and fetch's Headers alike. */
export function header(headers: Record<string, string> | Headers, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : (headers as Record<string, unknown>)[key];
  return v === undefined || v === null ? undefined : String(v);
}

/** §9.2: correlation id and rate-limit headers on every /api/v2 response. */
export function expectPlatformHeaders(headers: Record<string, string> | Headers, what: string): void {
  const correlationId = header(headers, 'ININ-Correlation-Id');
  expect(correlationId, `${what}: ININ-Correlation-Id`).toMatch(/\S/);
  for (const name of ['inin-ratelimit-allowed', 'inin-ratelimit-count', 'inin-ratelimit-reset']) {
    expect(header(headers, name), `${what}: ${name}`).toMatch(/^\d+$/);
  }
}

/** §10: the platform error envelope, with contextId = ININ-Correlation-Id. */
export function expectErrorEnvelope(
  res: { status: number; headers: Record<string, string> | Headers; body: unknown },
  status: number,
  code?: string | RegExp,
): { message: string; code: string; status: number; contextId: string } {
  expect(res.status).toBe(status);
  const body = res.body as Record<string, unknown>;
  expect(body, 'error body').toBeTypeOf('object');
  expect(body.status).toBe(status);
  expect(body.message).toBeTypeOf('string');
  expect(body.code).toBeTypeOf('string');
  if (typeof code === 'string') expect(body.code).toBe(code);
  else if (code) expect(body.code).toMatch(code);
  expect(body.contextId, 'contextId').toBe(header(res.headers, 'ININ-Correlation-Id'));
  return body as { message: string; code: string; status: number; contextId: string };
}

/** Every key path whose value is null, e.g. ['conversations[3].participants[0].userId']. */
export function nullPaths(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullPaths(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== undefined) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nullPaths(v, `${path}.${k}`));
  }
  return [];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A plain GET of an absolute URL (downloads: no bearer), without following redirects. */
export async function fetchUrl(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Polls a batch job through the SDK until it says Completed (the emulator clock runs in real time). */
export async function completedBatch(
  sdk: Sdk,
  jobId: string,
  timeoutMs = 10_000,
): Promise<platformClient.Models.BatchDownloadJobStatusResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await sdk.recording.getRecordingBatchrequest(jobId)) as unknown;
    const status = (isExtended(r) ? r.body : r) as platformClient.Models.BatchDownloadJobStatusResult;
    if (status.status === 'Completed') return status;
    if (Date.now() > deadline) throw new Error(`batch ${jobId} did not complete in ${timeoutMs} ms`);
    await sleep(100);
  }
}

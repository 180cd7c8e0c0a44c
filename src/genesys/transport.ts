// One HTTP exchange over node:http(s) with keep-alive agents. No retries, limits or auth here (executor.ts
// owns those); this file only turns sockets into either a response or a typed network/timeout error, and
// remembers which hosts ever answered so a refused connection can be told apart at start vs mid-run.
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { type GenesysCallRef, GenesysError, GenesysNetworkError, GenesysTimeoutError } from './errors.js';

export interface WireRequest {
  call: GenesysCallRef;
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Resolve as soon as headers arrive and hand over the body stream (downloads). */
  stream?: boolean;
  /** Do not reuse a pooled keep-alive socket (non-idempotent requests). */
  freshConnection?: boolean;
  /** Name resolution for a new connection (downloads: refuses forbidden addresses, download-lookup.ts). */
  lookup?: LookupFunction;
}

export interface WireResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** Buffered body (when not streaming). */
  body?: Buffer;
  /** Live body (when streaming); idle longer than timeoutMs → destroyed with a GenesysTimeoutError. */
  stream?: Readable;
}

export interface Transport {
  send(req: WireRequest): Promise<WireResponse>;
  close(): void;
}

export function createTransport(opts: { maxSockets?: number } = {}): Transport {
  // `timeout` drops idle pooled sockets before common server/LB idle limits (Node's global agent: 5 s).
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 8, timeout: 4_000 };
  const httpAgent = new http.Agent(agentOpts);
  const httpsAgent = new https.Agent(agentOpts);
  const reached = new Set<string>();

  function send(req: WireRequest): Promise<WireResponse> {
    return new Promise<WireResponse>((resolve, reject) => {
      if (req.signal?.aborted) return reject(req.signal.reason);
      const isHttps = req.url.protocol === 'https:';
      const host = req.url.host;
      let connected = false;
      let settled = false;

      const netError = (e: NodeJS.ErrnoException, syscode = e.code ?? 'ECONNRESET') =>
        new GenesysNetworkError(
          req.call,
          { syscode, connectFailed: !connected, hostEverReached: reached.has(host), host, detail: e.message },
          { cause: e },
        );
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        if (!req.stream) req.signal?.removeEventListener('abort', onAbort);
        if (!settled) {
          settled = true;
          fn();
        }
      };
      const fail = (e: unknown) => {
        req.signal?.removeEventListener('abort', onAbort);
        settle(() => reject(e));
      };

      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      // A non-idempotent request gets a new connection: a pooled socket the server is closing at that
      // moment fails with ECONNRESET after the request may have been read, and such a POST is not retried.
      const agent = req.freshConnection ? false : isHttps ? httpsAgent : httpAgent;
      const cr = (isHttps ? https : http).request(req.url, {
        method: req.method,
        headers,
        agent,
        ...(req.lookup ? { lookup: req.lookup } : {}),
      });

      // Settle first, then tear the socket down: whatever error the teardown emits is then ignored.
      const timer = setTimeout(() => {
        fail(new GenesysTimeoutError(req.call, req.timeoutMs));
        cr.destroy();
      }, req.timeoutMs);
      const onAbort = () => {
        const reason = req.signal?.reason ?? new Error('aborted');
        const streaming = settled;
        fail(reason);
        cr.destroy(streaming ? reason : undefined); // a body being streamed errors with the reason
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });

      cr.on('socket', (socket) => {
        // A reused keep-alive socket is already connected; a new one connects later.
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      // A GenesysError here was raised by our own lookup (a refused address): it is already typed.
      cr.on('error', (e: NodeJS.ErrnoException) => fail(e instanceof GenesysError ? e : netError(e)));
      cr.on('response', (res) => {
        reached.add(host);
        const base = {
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: res.headers,
        };
        if (req.stream) {
          res.once('close', () => req.signal?.removeEventListener('abort', onAbort));
          // Headers are in; from here the socket may idle at most timeoutMs between chunks.
          res.setTimeout(req.timeoutMs, () => res.destroy(new GenesysTimeoutError(req.call, req.timeoutMs)));
          return settle(() => resolve({ ...base, stream: res }));
        }
        const chunks: Buffer[] = [];
        let complete = false;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          complete = true;
          const body = Buffer.concat(chunks);
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && body.length < declared) {
            return fail(
              netError(new Error(`body ended after ${body.length} of ${declared} bytes`), 'TRUNCATED'),
            );
          }
          settle(() => resolve({ ...base, body }));
        });
        res.on('error', (e: NodeJS.ErrnoException) => fail(netError(e, 'TRUNCATED')));
        res.on('close', () => {
          if (!complete) fail(netError(new Error('connection closed before the body ended'), 'TRUNCATED'));
        });
      });
      cr.end(req.body);
    });
  }

  return {
    send,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

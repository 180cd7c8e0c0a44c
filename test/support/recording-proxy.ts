// A small HTTP proxy the tests put between audio-extract and the emulator: it records every answer (to
// collect the access tokens and pre-signed URLs the run was given) and can rewrite JSON bodies both ways
// (to make "Genesys" answer values the emulator never would: unexpected enums, hostile ids). Upstream
// resets and truncated bodies reach the client as a broken connection, as they would without it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedExchange {
  method: string;
  path: string;
  status: number;
  requestHeaders: http.IncomingHttpHeaders;
  /** response body as text (JSON answers; audio is kept as latin1 too, unused) */
  body: string;
}

export interface ProxyOptions {
  /** rewrites a parsed JSON request body before it goes upstream */
  request?: (path: string, body: unknown) => unknown;
  /** rewrites a parsed JSON response body before it goes to the client */
  response?: (path: string, body: unknown) => unknown;
  /** holds a request until the promise settles (to keep a run at a known point) */
  hold?: (path: string) => Promise<unknown> | undefined;
}

export interface RecordingProxy {
  url: string;
  exchanges: ProxiedExchange[];
  close(): Promise<void>;
}

function rewriteJson(buf: Buffer, fn: ((path: string, body: unknown) => unknown) | undefined, path: string) {
  if (!fn || buf.length === 0) return buf;
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    return buf;
  }
  return Buffer.from(JSON.stringify(fn(path, parsed)));
}

export async function startProxy(upstream: string, opts: ProxyOptions = {}): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const exchanges: ProxiedExchange[] = [];
  const agent = new http.Agent({ keepAlive: false });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      await opts.hold?.(path)?.catch(() => {});
      const isJson = String(req.headers['content-type'] ?? '').includes('json');
      const body = isJson ? rewriteJson(Buffer.concat(chunks), opts.request, path) : Buffer.concat(chunks);
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (upRes) => {
          const parts: Buffer[] = [];
          upRes.on('data', (c: Buffer) => parts.push(c));
          upRes.on('error', () => res.destroy());
          upRes.on('close', () => {
            if (!upRes.complete) res.destroy();
          });
          upRes.on('end', () => {
            if (!upRes.complete) return void res.destroy();
            const json = String(upRes.headers['content-type'] ?? '').includes('json');
            const out = json ? rewriteJson(Buffer.concat(parts), opts.response, path) : Buffer.concat(parts);
            exchanges.push({
              method: req.method ?? 'GET',
              path: req.url ?? '/',
              status: upRes.statusCode ?? 0,
              requestHeaders: req.headers,
              body: out.toString(json ? 'utf8' : 'latin1'),
            });
            const h = { ...upRes.headers, 'content-length': String(out.length) };
            delete h['transfer-encoding'];
            res.writeHead(upRes.statusCode ?? 502, h);
            res.end(out);
          });
        },
      );
      // The emulator dropped the connection (reset fault): so does the proxy.
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}

// HTTP/1.1 over a bare TCP socket, for tests that must send a request line exactly as written: an HTTP
// client library may normalise the path (dot segments, case of escapes) and hide what a server does
// with the bytes an attacker actually sends.
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `<method> <target> HTTP/1.1` with `headers` (Host defaults to 127.0.0.1) and reads to close. */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body = '',
  opts: { localAddress?: string } = {},
): Promise<RawResponse> {
  const all: Record<string, string> = { host: '127.0.0.1', connection: 'close', ...headers };
  if (body) all['content-length'] = String(Buffer.byteLength(body));
  const head = Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return rawExchange(port, `${method} ${target} HTTP/1.1\r\n${head}\r\n${body}`, 10_000, opts);
}

/** Writes `bytes` as they are and parses whatever comes back before the server closes. */
export function rawExchange(
  port: number,
  bytes: string,
  timeoutMs = 10_000,
  opts: { localAddress?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: opts.localAddress });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve(parseResponse(text));
    });
    socket.write(bytes);
  });
}

export function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const head = end >= 0 ? text.slice(0, end) : text;
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = end >= 0 ? text.slice(end + 4) : '';
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body };
}

function unchunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    if (nl < 0) return out;
    const size = Number.parseInt(rest.slice(0, nl), 16);
    if (!size) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}

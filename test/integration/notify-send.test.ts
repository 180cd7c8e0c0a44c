import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildNotification, NotifyError, sendNotification } from '../../src/notify/index.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Received, res: ServerResponse, n: number) => void;

let server: Server | undefined;

/** A real notification service on 127.0.0.1; `handler` decides each response. */
async function startService(handler: Handler): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(r);
      handler(r, res, received.length);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/email?apikey=SECRET-KEY-123`, received };
}

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

const sleeps: number[] = [];
const fakeClock = {
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
};

function payload() {
  return buildNotification({
    date: '2024-01-31',
    outcome: 'success',
    subjectTemplate: 'Transcripcion y Analisis de AUDIOS-SAC {date}',
    message: 'Audios extraidos para la fecha ',
    emails: ['ops@example.com', 'data@example.com'],
    summary: {
      queues: ['q<1>'],
      conversations: 2,
      recordings: 3,
      byStatus: { downloaded: 3 },
      totalDurationMs: 61_000,
      failures: [],
    },
  });
}

function reply(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
}

describe('sendNotification against a real HTTP service', () => {
  it('POSTs the JSON payload field by field with Content-Type application/json', async () => {
    const svc = await startService((_r, res) => reply(res, 200, '{"ok":true}'));
    const result = await sendNotification({ url: svc.url, payload: payload() });
    expect(result).toEqual({ status: 200, attempts: 1 });
    expect(svc.received).toHaveLength(1);
    const req = svc.received[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/email?apikey=SECRET-KEY-123');
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    expect(Object.keys(body)).toEqual(['title', 'subject', 'priority', 'htmlContent', 'to']);
    expect(body.title).toBe('Transcripcion y Analisis de AUDIOS-SAC 2024-01-31');
    expect(body.subject).toBe('Transcripcion y Analisis de AUDIOS-SAC 2024-01-31');
    expect(body.priority).toBe('sendinblue');
    expect(body.htmlContent.startsWith('Audios extraidos para la fecha 2024-01-31')).toBe(true);
    expect(body.htmlContent).toContain('Colas: q&lt;1&gt;');
    expect(body.htmlContent).toContain('Duración total: 0:01:01');
    expect(body.to).toEqual([
      { name: '', email: 'ops@example.com' },
      { name: '', email: 'data@example.com' },
    ]);
  });

  it('retries a 500 and succeeds on the next attempt, with backoff', async () => {
    sleeps.length = 0;
    const svc = await startService((_r, res, n) => (n === 1 ? reply(res, 500, 'boom') : reply(res, 202)));
    const result = await sendNotification({ url: svc.url, payload: payload(), clock: fakeClock });
    expect(result).toEqual({ status: 202, attempts: 2 });
    expect(svc.received).toHaveLength(2);
    expect(svc.received[1]!.body).toBe(svc.received[0]!.body);
    expect(sleeps).toEqual([1000]);
  });

  it('gives up after the configured retries and names NOTIFY_URL without its query string', async () => {
    sleeps.length = 0;
    const svc = await startService((_r, res) => reply(res, 503, 'unavailable'));
    const err = await sendNotification({
      url: svc.url,
      payload: payload(),
      retries: 2,
      clock: fakeClock,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect(err).toMatchObject({ code: 'NOTIFY_FAILED', status: 503, attempts: 3 });
    expect(svc.received).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
    const msg = (err as Error).message;
    expect(msg).toContain('NOTIFY_URL');
    expect(msg).toContain('HTTP 503: unavailable');
    expect(msg).not.toContain('SECRET-KEY-123');
    expect(msg).not.toContain('apikey');
  });

  it('does not retry a 400 and says what to check', async () => {
    const svc = await startService((_r, res) => reply(res, 400, 'invalid "to"'));
    const err = await sendNotification({ url: svc.url, payload: payload(), clock: fakeClock }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'NOTIFY_FAILED', status: 400, attempts: 1 });
    expect(svc.received).toHaveLength(1);
    expect((err as Error).message).toMatch(/HTTP 400: invalid "to".*check NOTIFY_URL and EMAILS/);
    expect((err as Error).message).not.toContain('SECRET-KEY-123');
  });

  it('times out a hung service, retries, and succeeds when it answers', async () => {
    const svc = await startService((_r, res, n) => {
      if (n > 1) reply(res, 200);
      // first request: never answer
    });
    const started = Date.now();
    const result = await sendNotification({
      url: svc.url,
      payload: payload(),
      timeoutMs: 200,
      clock: fakeClock,
    });
    expect(result).toEqual({ status: 200, attempts: 2 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a timeout when the service never answers', async () => {
    const svc = await startService(() => {});
    const err = await sendNotification({
      url: svc.url,
      payload: payload(),
      timeoutMs: 150,
      retries: 1,
      clock: fakeClock,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOTIFY_FAILED', attempts: 2, status: undefined });
    expect((err as Error).message).toMatch(/no response within the timeout \(150 ms\)/);
    expect((err as Error).message).not.toContain('SECRET-KEY-123');
  });

  it('retries a refused connection as a network error', async () => {
    const svc = await startService((_r, res) => reply(res, 200));
    const url = svc.url;
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    sleeps.length = 0;
    const err = await sendNotification({ url, payload: payload(), retries: 1, clock: fakeClock }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'NOTIFY_FAILED', attempts: 2 });
    expect((err as Error).message).toMatch(/network error \(ECONNREFUSED\)/);
    expect((err as Error).message).not.toContain('SECRET-KEY-123');
    expect(sleeps).toEqual([1000]);
  });
});

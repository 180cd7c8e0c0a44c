import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withContext } from '../../src/lib/logger.js';

const SECRET = 'sUp3r-s3cret-Client-Value';
const PRESIGNED =
  'https://bucket.s3.amazonaws.com/rec/abc.ogg?X-Amz-Credential=AKIAEXAMPLE%2F20240131&X-Amz-Signature=deadbeefcafe0123';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function logger(out: ReturnType<typeof capture>, level: 'info' | 'debug' = 'info') {
  return createLogger({ level, pretty: false, destination: out.stream, secrets: [SECRET] });
}

describe('createLogger', () => {
  it('writes one JSON object per line with level label, time and message', () => {
    const out = capture();
    logger(out).info({ stage: 'discover', count: 3 }, 'found conversations');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', stage: 'discover', count: 3, msg: 'found conversations' });
    expect(typeof line!.time).toBe('string');
  });

  it('never prints a configured secret or a pre-signed URL signature from an error', () => {
    const out = capture();
    const cause = new Error(`token refresh failed with client_secret ${SECRET}`);
    const err = new Error(`download failed: GET ${PRESIGNED} (secret was ${SECRET})`, { cause });
    Object.assign(err, { url: PRESIGNED });
    const log = logger(out);
    log.error(err);
    log.error({ err }, 'download failed');
    log.warn({ url: PRESIGNED, nested: { deep: [`x ${SECRET} y`] } }, `retrying ${PRESIGNED}`);
    log.info('printf %s and %j', SECRET, { s: SECRET });

    const text = out.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('deadbeefcafe0123');
    expect(text).not.toContain('AKIAEXAMPLE');
    expect(text).toContain('[redacted]');
    // The useful parts survive redaction.
    const [first, second] = out.lines();
    expect(first!.msg).toMatch(/^download failed: GET https:\/\/bucket\.s3\.amazonaws\.com\/rec\/abc\.ogg\?/);
    expect((second!.err as { type: string }).type).toBe('Error');
    expect((second!.err as { stack: string }).stack).toContain('download failed');
  });

  it('catches a secret that JSON escaping would otherwise disguise', () => {
    const out = capture();
    const odd = 'pa"ss\\word-42';
    createLogger({ level: 'info', pretty: false, destination: out.stream, secrets: [odd] }).info(
      { note: `value ${odd}` },
      `msg ${odd}`,
    );
    expect(out.text()).not.toContain(JSON.stringify(odd).slice(1, -1));
    expect(out.lines()[0]!.msg).toBe('msg [redacted]');
  });

  it('censors authorization headers and token/secret/password fields whatever their value', () => {
    const out = capture();
    logger(out).info(
      {
        req: { headers: { authorization: 'Bearer runtime-token-xyz', accept: 'json' } },
        token: 'tok-1',
        auth: { password: 'pw-1', clientSecret: 'cs-1', accessToken: 'at-1' },
      },
      'request',
    );
    const text = out.text();
    for (const v of ['runtime-token-xyz', 'tok-1', 'pw-1', 'cs-1', 'at-1']) expect(text).not.toContain(v);
    expect(out.lines()[0]).toMatchObject({ req: { headers: { accept: 'json' } } });
  });

  it('child loggers carry runId, queueId and batchId on every line', () => {
    const out = capture();
    const run = withContext(logger(out), { runId: 'run-7' });
    const batch = withContext(run, { queueId: 'q-1', batchId: 'b-9', conversationId: undefined });
    batch.info('batch submitted');
    run.info('run step');
    const [a, b] = out.lines();
    expect(a).toMatchObject({ runId: 'run-7', queueId: 'q-1', batchId: 'b-9', msg: 'batch submitted' });
    expect(a).not.toHaveProperty('conversationId');
    expect(b).toMatchObject({ runId: 'run-7' });
    expect(b).not.toHaveProperty('batchId');
  });

  it('respects the level', () => {
    const out = capture();
    const log = logger(out, 'info');
    log.debug('hidden');
    log.info('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  it('pretty output is redacted too', () => {
    const out = capture();
    createLogger({ level: 'info', pretty: true, destination: out.stream, secrets: [SECRET] }).error(
      new Error(`boom ${SECRET} ${PRESIGNED}`),
    );
    const text = out.text();
    expect(text).toContain('boom');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('deadbeefcafe0123');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
  });

  it('writes to a file path, creating its directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-log-'));
    try {
      const file = path.join(dir, 'logs', 'run.log');
      createLogger({ level: 'info', pretty: false, destination: file, secrets: [SECRET] }).info(
        `hello ${SECRET}`,
      );
      const line = JSON.parse((await readFile(file, 'utf8')).trim());
      expect(line.msg).toBe('hello [redacted]');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

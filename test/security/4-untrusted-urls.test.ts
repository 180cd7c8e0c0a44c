// Security item 4 (issue 14): URLs that come from the network, through the product's own interfaces.
// Download links (batch resultUrl, converted mediaUris, redirect Locations) are fetched only over https,
// never from this machine, its LAN or a metadata service unless that is the configured
// GENESYS_CLOUD_BASE_URL host; a refused link fails that one recording with the reason, not the day.
// The notification never follows a redirect. The policy itself is tested as a table in 4-url-policy.

import { lookup } from 'node:dns/promises';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import { GenesysUrlRefusedError } from '../../src/genesys/errors.js';
import type { GenesysClient } from '../../src/genesys/types.js';
import { buildNotification, NotifyError, sendNotification } from '../../src/notify/index.js';
import { type CliExit, cliEnv, runCli } from '../support/cli.js';
import { dataDirTemplate, freshDataDir, snapshotOutput } from '../support/data-dirs.js';
import { expectedRecordings, pastWeekday } from '../support/expected.js';
import { startProxy } from '../support/recording-proxy.js';

// A small HTTP server playing the object store: it records the headers of every hop and answers by path.
interface Hop {
  path: string;
  headers: IncomingHttpHeaders;
}
let store: Server;
let storeBase: string;
const hops: Hop[] = [];
let client: GenesysClient;
// A listener nobody should ever connect to: where the refused redirects point.
let bait: ReturnType<typeof createTcpServer>;
let baitPort = 0;
let baitConnections = 0;
let privateName: string | undefined;

beforeAll(async () => {
  store = createServer((req, res) => {
    const path = req.url ?? '/';
    hops.push({ path, headers: req.headers });
    const redirect = (status: number, location: string) => {
      res.writeHead(status, { location });
      res.end();
    };
    const chain = /^\/chain\/(\d+)/.exec(path);
    if (chain) {
      const n = Number(chain[1]);
      return redirect(302, n === 0 ? '/audio?sig=s3cret' : `/chain/${n - 1}`);
    }
    switch (path.split('?')[0]) {
      case '/audio':
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': '4' });
        return res.end('RIFF');
      case '/307':
        return redirect(307, '/audio?sig=s3cret');
      case '/308-relative':
        return redirect(308, 'audio?sig=s3cret');
      case '/to-file':
        return redirect(302, 'file:///etc/passwd');
      case '/to-metadata':
        return redirect(302, 'https://169.254.169.254/latest/meta-data/iam');
      case '/to-metadata-http':
        return redirect(301, `http://169.254.169.254:${baitPort}/latest/meta-data/iam`);
      case '/to-localhost':
        return redirect(302, `http://localhost:${baitPort}/x`);
      case '/to-private-name':
        return redirect(302, `https://${privateName}:${baitPort}/x`);
      case '/to-garbage':
        return redirect(302, 'http://[::1');
      case '/no-location':
        res.writeHead(302);
        return res.end();
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise<void>((r) => store.listen(0, '127.0.0.1', r));
  storeBase = `http://127.0.0.1:${(store.address() as AddressInfo).port}`;
  bait = createTcpServer((s) => {
    baitConnections++;
    s.destroy();
  });
  await new Promise<void>((r) => bait.listen(0, '127.0.0.1', r));
  baitPort = (bait.address() as AddressInfo).port;
  // This machine's own name usually resolves to a loopback address (/etc/hosts): a DNS name that leads
  // to a private address, the case a check on the URL text alone would miss.
  const name = hostname();
  const resolved = await lookup(name).catch(() => undefined);
  if (resolved && /^(127\.|10\.|192\.168\.|::1$)/.test(resolved.address) && name !== 'localhost') {
    privateName = name;
  }
  // The emulator's situation: GENESYS_CLOUD_BASE_URL is http://127.0.0.1:<port>, so 127.0.0.1 is trusted.
  client = createGenesysClient({
    clientId: 'unused',
    clientSecret: 'unused',
    loginBaseUrl: storeBase,
    apiBaseUrl: storeBase,
    timeoutMs: 5_000,
    ratePerMinute: 6000,
    retry: { maxAttempts: 1 },
  });
});
afterAll(async () => {
  await client?.close();
  store?.closeAllConnections();
  await new Promise((r) => store?.close(r));
  await new Promise((r) => bait?.close(r));
});

async function refusal(path: string): Promise<GenesysUrlRefusedError> {
  const err = await client.download(`${storeBase}${path}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GenesysUrlRefusedError);
  return err as GenesysUrlRefusedError;
}

describe('item 4: download() follows redirects by hand, each hop checked by the policy', () => {
  it('follows up to 5 redirects (302, 307, relative 308) and sends no Authorization on any hop', async () => {
    hops.length = 0;
    for (const path of ['/chain/4', '/307', '/308-relative']) {
      const res = await client.download(`${storeBase}${path}`);
      expect(res.status, path).toBe(200);
      let body = '';
      for await (const c of res.body) body += String(c);
      expect(body).toBe('RIFF');
    }
    expect(hops.map((h) => h.path)).toContain('/chain/0');
    for (const hop of hops) expect(hop.headers.authorization, hop.path).toBeUndefined();
  });

  it('refuses a sixth redirect', async () => {
    expect((await refusal('/chain/5')).message).toMatch(/redirected more than 5 times/);
  });

  it.each([
    ['/to-file', /scheme file: is not allowed/],
    ['/to-metadata', /a link-local address \(169\.254\.169\.254\)/],
    ['/to-metadata-http', /plain http/],
    ['/to-localhost', /a loopback address|plain http/],
    ['/to-garbage', /not a valid/],
  ])('refuses a redirect %s before sending anything there', async (path, reason) => {
    const before = baitConnections;
    const err = await refusal(path);
    expect(err.message).toMatch(reason);
    expect(err.code).toBe('GENESYS_URL_REFUSED');
    expect(err.kind).toBe('terminal');
    expect(baitConnections).toBe(before);
  });

  it('refuses a redirect to a DNS name that resolves to a private address, without connecting', async (ctx) => {
    if (!privateName) ctx.skip(); // this machine's name resolves to a public address: nothing to test
    const before = baitConnections;
    const err = await refusal('/to-private-name');
    expect(err.message).toMatch(new RegExp(`download host ${privateName} resolves to a loopback|private`));
    expect(baitConnections).toBe(before);
  });

  it('hands a 3xx without Location back as an answer (the item fails with its status)', async () => {
    expect((await client.download(`${storeBase}/no-location`)).status).toBe(302);
  });

  it('refuses the first URL itself the same way', async () => {
    const err = await client.download('file:///etc/passwd').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysUrlRefusedError);
    const bad = await client.download('::not a url::').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(GenesysUrlRefusedError);
  });
});

describe('item 4: the notification does not follow redirects', () => {
  it('a 307 from NOTIFY_URL is a failed send that says where it pointed, and the body goes nowhere else', async () => {
    const elsewhere: string[] = [];
    const other = createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/collect?key=other-secret`;
    const notify = createServer((_req, res) => {
      res.writeHead(307, { location: otherUrl });
      res.end();
    });
    await new Promise<void>((r) => notify.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(notify.address() as AddressInfo).port}/send?apikey=SECRET-KEY`;
    try {
      const err = await sendNotification({
        url,
        payload: buildNotification({
          date: '2026-11-20',
          outcome: 'success',
          subjectTemplate: 'S {date}',
          message: 'M ',
          emails: ['ops@example.com'],
          summary: {
            queues: ['q'],
            conversations: 1,
            recordings: 1,
            byStatus: { downloaded: 1 },
            totalDurationMs: 1000,
            failures: [],
          },
        }),
        retries: 3,
        clock: { sleep: async () => {} },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotifyError);
      const e = err as NotifyError;
      expect(e.status).toBe(307);
      expect(e.attempts).toBe(1);
      expect(e.message).toMatch(
        /HTTP 307: a redirect to http:\/\/127\.0\.0\.1:\d+\/collect\?\[redacted\], not followed/,
      );
      expect(e.message).not.toMatch(/SECRET-KEY|other-secret/);
      expect(elsewhere).toEqual([]);
    } finally {
      await new Promise((r) => notify.close(r));
      await new Promise((r) => other.close(r));
    }
  });
});

// The whole run, CLI against the emulator through a proxy that plays a hostile "Genesys": some links
// are a local file, the metadata service, or not a URL at all.
describe('item 4: a refused link fails that one recording, with the reason, not the day', () => {
  const ZONE = 'America/Lima';
  const DATE = pastWeekday(3, ZONE);
  const HOSTILE = ['file:///etc/passwd', 'https://169.254.169.254/latest/meta-data/', 'not a url'];
  let emu: Emulator;
  let template: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    emu = await buildEmulator({
      seed: 14,
      conversationsPerDay: 24,
      ratePerMinute: 100_000,
      batchJobDurationMs: { min: 100, max: 300 },
    });
    template = await dataDirTemplate();
  }, 5 * 60_000);
  afterAll(async () => {
    await emu?.close();
    await Promise.all(
      [template, ...dirs].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })),
    );
  });

  async function runThroughHostileProxy(
    rewrite: (path: string, body: unknown) => unknown,
    extra: Record<string, string> = {},
  ): Promise<{ res: CliExit; dataDir: string }> {
    const dataDir = await freshDataDir('ae-sec-urls-', template);
    dirs.push(dataDir);
    const proxy = await startProxy(emu.url, { response: rewrite });
    try {
      const env = cliEnv(emu, dataDir, {
        GENESYS_CLOUD_BASE_URL: proxy.url,
        NOTIFY_URL: `${proxy.url}/notify`,
        LOG_LEVEL: 'warn',
        ...extra,
      });
      return { res: await runCli(['run', '--date', DATE], env), dataDir };
    } finally {
      await proxy.close();
    }
  }

  const victims = new Map<string, string>(); // recordingId → hostile URL

  it('batch resultUrls (the default mode)', async () => {
    const { res, dataDir } = await runThroughHostileProxy((path, body) => {
      const b = body as { results?: { recordingId?: string; resultUrl?: string }[] };
      if (!path.includes('/recording/batchrequests/') || !Array.isArray(b?.results)) return body;
      for (const r of b.results) {
        if (!r.resultUrl || !r.recordingId) continue;
        if (!victims.has(r.recordingId) && victims.size < HOSTILE.length) {
          victims.set(r.recordingId, HOSTILE[victims.size]!);
        }
        const hostile = victims.get(r.recordingId);
        if (hostile) r.resultUrl = hostile;
      }
      return body;
    });
    const expected = expectedRecordings(emu, DATE, emu.queueIds.slice(0, 2));
    expect(victims.size).toBe(HOSTILE.length);
    expect(res.code, res.stderrText).toBe(1); // failed recordings, the day itself completed
    const out = await snapshotOutput(dataDir, DATE);
    for (const [recordingId, url] of victims) {
      const line = out.lines.find((l) => l.recordingId === recordingId);
      expect(line, url).toMatchObject({ status: 'failed' });
      expect(String(line?.reason)).toMatch(/download URL/);
    }
    expect(out.files.size).toBe(expected.downloadable.size - HOSTILE.length);
  }, 300_000);

  it('converted mediaUris (AUDIO_FORMAT other than original)', async () => {
    const seen = new Set<string>();
    const { res, dataDir } = await runThroughHostileProxy(
      (path, body) => {
        if (!/\/conversations\/[^/]+\/recordings$/.test(path) || !Array.isArray(body)) return body;
        for (const r of body as { id?: string; mediaUris?: Record<string, { mediaUri?: string }> }[]) {
          const first = r.mediaUris && Object.values(r.mediaUris)[0];
          if (!first?.mediaUri || !r.id) continue;
          if (!seen.has(r.id) && seen.size >= HOSTILE.length) continue;
          seen.add(r.id);
          first.mediaUri = HOSTILE[[...seen].indexOf(r.id)]!;
        }
        return body;
      },
      { AUDIO_FORMAT: 'wav' },
    );
    expect(seen.size).toBe(HOSTILE.length);
    expect(res.code, res.stderrText).toBe(1);
    const out = await snapshotOutput(dataDir, DATE);
    for (const id of seen) {
      const line = out.lines.find((l) => l.recordingId === id);
      expect(line).toMatchObject({ status: 'failed' });
      expect(String(line?.reason)).toMatch(/download URL/);
    }
    expect(out.lines.filter((l) => l.status === 'downloaded').length).toBeGreaterThan(0);
  }, 300_000);
});

// Issue 16 item 10: the emulator as an https sandbox. A separate Node process (NODE_EXTRA_CA_CERTS is
// read at start-up) runs the official SDK against it — login, details query, batch — and downloads the
// https resultUrl with a bare https.get, as the official "Download Recordings" tutorial does. Without
// the CA the same process fails on the certificate.
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator, OracleConversation } from '../../src/emulator/types.js';
import { testClock } from './harness.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const clock = testClock('2026-03-11T11:00:00.000Z');

// The child: plain ESM, resolved from the project so it imports the same SDK.
const CHILD = `
import platformClient from 'purecloud-platform-client-v2';
import https from 'node:https';
import { createHash } from 'node:crypto';
const u = new URL(process.env.EMU_URL);
const client = new platformClient.ApiClientClass();
client.setGateway({ host: u.hostname, protocol: 'https', port: Number(u.port), path_params_login: '', path_params_api: '' });
try {
  await client.loginClientCredentialsGrant('emulator', 'emulator');
  const analytics = new platformClient.AnalyticsApi(client);
  const recording = new platformClient.RecordingApi(client);
  const page = await analytics.postAnalyticsConversationsDetailsQuery({ interval: process.env.INTERVAL, paging: { pageSize: 5, pageNumber: 1 } });
  const { id } = await recording.postRecordingBatchrequests({ batchDownloadRequestList: [{ conversationId: process.env.CONV, recordingId: process.env.REC }] });
  let job;
  for (let i = 0; i < 100; i++) {
    job = await recording.getRecordingBatchrequest(id);
    if (job.status === 'Completed') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = job.results[0].resultUrl;
  const body = await new Promise((resolve, reject) => {
    https.get(url, (res) => { const parts = []; res.on('data', (d) => parts.push(d)); res.on('end', () => resolve({ status: res.statusCode, bytes: Buffer.concat(parts) })); }).on('error', reject);
  });
  console.log(JSON.stringify({ ok: true, hits: page.totalHits, url, status: body.status, sha256: createHash('sha256').update(body.bytes).digest('hex') }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e?.code ?? e?.message ?? e) }));
}
`;

let emu: Emulator;
let target: { conversationId: string; recordingId: string };

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'conformance-tls',
    conversationsPerDay: 60,
    tls: true,
    separateDownloadHost: true,
    batchJobDurationMs: { min: 0, max: 0 },
    now: clock.now,
  });
  const c = emu
    .oracle('2026-03-10')
    .conversations.find((x) => x.recordings.some((r) => r.outcome === 'downloadable')) as OracleConversation;
  target = { conversationId: c.conversationId, recordingId: c.recordings[0]?.recordingId as string };
});
afterAll(async () => {
  const caFile = emu?.tls?.caFile;
  await emu?.close();
  // The temporary CA file goes with the emulator.
  if (caFile) expect(existsSync(caFile)).toBe(false);
});

async function child(extraEnv: Record<string, string>): Promise<Record<string, unknown>> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    EMU_URL: emu.url,
    INTERVAL: '2026-03-10T05:00:00.000Z/2026-03-11T05:00:00.000Z',
    CONV: target.conversationId,
    REC: target.recordingId,
    ...extraEnv,
  };
  delete env.NODE_EXTRA_CA_CERTS;
  Object.assign(env, extraEnv);
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
}

describe('TLS mode', () => {
  it('serves https on both hosts with a certificate signed by a CA written to a file', () => {
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.downloadUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caFile = emu.tls?.caFile as string;
    expect(readFileSync(caFile, 'utf8')).toBe(emu.tls?.caPem);
    const ca = new X509Certificate(emu.tls?.caPem as string);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('audio-extract emulator CA');
  });

  it('the official SDK and a bare https.get work in a process started with NODE_EXTRA_CA_CERTS', async () => {
    const out = await child({ NODE_EXTRA_CA_CERTS: emu.tls?.caFile as string });
    expect(out.ok, String(out.error)).toBe(true);
    expect(out.hits).toBeGreaterThan(10);
    expect(String(out.url)).toMatch(/^https:\/\//);
    expect(out.status).toBe(200);
    const expected = createHash('sha256').update(emu.dataset.audioOf(target.recordingId).bytes).digest('hex');
    expect(out.sha256).toBe(expected);
  });

  it('without the CA the same process fails on the certificate', async () => {
    const out = await child({});
    expect(out.ok).toBe(false);
    expect(String(out.error)).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
  });
});

// The daily run end to end: the CLI as a subprocess, against the emulator over a real socket, on the
// embedded database. What a user would notice if these failed is in each test name.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation } from '../../src/contracts/genesys.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { type CliExit, runCli as cli, sha256 } from '../support/cli.js';
import { readManifestCsv } from '../support/manifest-csv.js';

const DATE = '2026-11-24'; // a Tuesday
const BATCH_SIZE = 7;

/** What the run must download, computed from the emulator's data without the product's own code. */
function expectedRecordings(emu: Emulator, date: string, queues: readonly string[]) {
  const expected = new Map<string, { conversation: AnalyticsConversation; recordingId: string }>();
  const unavailable = new Set<string>();
  for (const c of emu.dataset.conversationsOnLocalDay(date)) {
    const parts = c.participants ?? [];
    const touchesQueue = parts.some((p) =>
      (p.sessions ?? []).some((s) => (s.segments ?? []).some((g) => g.queueId && queues.includes(g.queueId))),
    );
    const hasAgent = parts.some((p) => p.purpose === 'agent');
    const recorded = parts.some((p) => (p.sessions ?? []).some((s) => s.recording === true));
    if (!touchesQueue || !hasAgent || !recorded || !c.conversationEnd) continue;
    for (const r of emu.dataset.recordingsOf(c.conversationId)) {
      if (r.media !== 'audio') continue;
      const key = `${c.conversationId}/${r.id}`;
      if (r.fileState === 'AVAILABLE') expected.set(key, { conversation: c, recordingId: r.id });
      else unavailable.add(key);
    }
  }
  return { expected, unavailable };
}

describe('audio-extract run against the emulator', () => {
  let emu: Emulator;
  let dataDir: string;
  let env: Record<string, string>;
  let queues: string[];
  let first: CliExit;

  beforeAll(async () => {
    emu = await buildEmulator({ seed: 7, conversationsPerDay: 120, ratePerMinute: 6000 });
    dataDir = await mkdtemp(join(tmpdir(), 'ae-e2e-'));
    queues = emu.queueIds.slice(0, 2);
    env = {
      GENESYS_CLOUD_BASE_URL: emu.url,
      GENESYS_CLOUD_CLIENT_ID: 'emulator',
      GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
      GENESYS_QUEUE_IDS: queues.join(','),
      GENESYS_RATE_LIMIT_PER_MINUTE: '6000',
      BATCH_SIZE: String(BATCH_SIZE),
      NOTIFY_URL: `${emu.url}/notify`,
      EMAILS: 'ops@example.com,data@example.com',
      EMAIL_MESSAGE: 'Audios del dia ',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    first = await cli(['run', '--date', DATE], env);
  }, 180_000);

  afterAll(async () => {
    await emu?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes with exit 0 and a summary', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${DATE}  SUCCESS`));
  });

  it('queries the local day in America/Lima as a UTC interval, queue OR-filter, voice only, asc by conversationStart', () => {
    const queries = emu.journal
      .entries()
      .filter((e) => e.path === '/api/v2/analytics/conversations/details/query');
    expect(queries.length).toBeGreaterThan(0);
    const body = queries[0]!.body as Record<string, unknown>;
    expect(body.interval).toBe('2026-11-24T05:00:00.000Z/2026-11-25T05:00:00.000Z');
    expect(body).toMatchObject({
      order: 'asc',
      orderBy: 'conversationStart',
      paging: { pageSize: 100, pageNumber: 1 },
    });
    expect(body.segmentFilters).toEqual([
      {
        type: 'or',
        predicates: queues.map((q) => ({
          type: 'dimension',
          dimension: 'queueId',
          operator: 'matches',
          value: q,
        })),
      },
      // voice interactions only: no chat, e-mail or message is ever looked up (spec §15)
      {
        type: 'or',
        predicates: [{ type: 'dimension', dimension: 'mediaType', operator: 'matches', value: 'voice' }],
      },
    ]);
  });

  it('requests exactly the agent-handled, recorded, available audio of the configured queues, in batches ≤ BATCH_SIZE', () => {
    const { expected } = expectedRecordings(emu, DATE, queues);
    const submissions = emu.journal
      .entries()
      .filter((e) => e.method === 'POST' && e.path === '/api/v2/recording/batchrequests');
    const items = submissions.flatMap(
      (s) =>
        (s.body as { batchDownloadRequestList: { conversationId: string; recordingId: string }[] })
          .batchDownloadRequestList,
    );
    for (const s of submissions) {
      const n = (s.body as { batchDownloadRequestList: unknown[] }).batchDownloadRequestList.length;
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(BATCH_SIZE);
    }
    const requested = items.map((i) => `${i.conversationId}/${i.recordingId}`).sort();
    expect(new Set(requested).size).toBe(requested.length);
    expect(requested).toEqual([...expected.keys()].sort());
    expect(expected.size).toBeGreaterThan(BATCH_SIZE); // several batches were needed
  });

  it('puts every downloadable recording on disk with the emulator bytes, and no *.part', async () => {
    const { expected } = expectedRecordings(emu, DATE, queues);
    const dir = join(dataDir, 'audio', DATE);
    const files = await readdir(dir);
    expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
    for (const [, { conversation, recordingId }] of expected) {
      const name = `${conversation.conversationId}_${recordingId}.wav`;
      const onDisk = await readFile(join(dir, name));
      expect(sha256(onDisk)).toBe(sha256(emu.dataset.audioOf(recordingId).bytes));
    }
    expect(files.filter((f) => f.endsWith('.wav')).length).toBe(expected.size);
  });

  it('writes manifest.csv, which reads back to the manifest, and then _SUCCESS naming both files', async () => {
    const dir = join(dataDir, 'audio', DATE);
    const [jsonl, csv, marker] = await Promise.all(
      ['manifest.jsonl', 'manifest.csv', '_SUCCESS'].map((f) => readFile(join(dir, f))),
    );
    const lines = jsonl!
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(readManifestCsv(csv!).lines).toEqual(lines);
    expect(JSON.parse(marker!.toString('utf8'))).toMatchObject({
      processDate: DATE,
      lines: lines.length,
      files: {
        'manifest.jsonl': { bytes: jsonl!.length, sha256: sha256(jsonl!) },
        'manifest.csv': { bytes: csv!.length, sha256: sha256(csv!) },
      },
    });
    // Written last: no file of the day changed after it.
    const markerTime = (await stat(join(dir, '_SUCCESS'))).mtimeMs;
    for (const f of await readdir(dir))
      expect((await stat(join(dir, f))).mtimeMs).toBeLessThanOrEqual(markerTime);
  });

  it('writes a manifest line per recording with metadata, hash and the reason for the missing ones', async () => {
    const { expected, unavailable } = expectedRecordings(emu, DATE, queues);
    const text = await readFile(join(dataDir, 'audio', DATE, 'manifest.jsonl'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const downloaded = lines.filter((l) => l.status === 'downloaded');
    expect(downloaded.length).toBe(expected.size);
    for (const l of downloaded) {
      const e = expected.get(`${l.conversationId}/${l.recordingId}`)!;
      expect(l).toMatchObject({
        conversationStart: e.conversation.conversationStart,
        conversationEnd: e.conversation.conversationEnd,
        direction: e.conversation.originatingDirection,
        contentType: 'audio/wav',
        file: `${l.conversationId}_${l.recordingId}.wav`,
        sha256: sha256(emu.dataset.audioOf(l.recordingId).bytes),
        bytes: emu.dataset.audioOf(l.recordingId).bytes.length,
      });
      expect(queues).toContain(l.queueId);
      expect(l.agentUserIds.length).toBeGreaterThan(0);
      expect(l.durationMs).toBeGreaterThan(0);
    }
    for (const key of unavailable) {
      const [conversationId, recordingId] = key.split('/');
      const line = lines.find((l) => l.conversationId === conversationId && l.recordingId === recordingId);
      expect(line, key).toBeDefined();
      expect(['unavailable', 'pending']).toContain(line.status);
      expect(line.reason).toMatch(/ARCHIVED|DELETED|UPLOADING|archived|deleted|uploading/);
    }
  });

  it("names each line's queues, agents, their team leaders and wrap-ups as the emulator's data has them", async () => {
    const text = await readFile(join(dataDir, 'audio', DATE, 'manifest.jsonl'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const oracle = new Map(emu.oracle(DATE).conversations.map((c) => [c.conversationId, c]));
    let withManager = 0;
    let withNote = 0;
    for (const l of lines) {
      const c = oracle.get(l.conversationId)!;
      expect(c, l.conversationId).toBeDefined();
      const queueName = new Map(c.queues.map((q) => [q.id, q.name]));
      expect(l.queueName).toBe(queueName.get(l.queueId));
      expect(l.queueNames).toEqual(l.queueIds.map((id: string) => queueName.get(id)));
      const agents = c.agents.filter((a) => a.purpose === 'agent');
      expect(l.agentUserIds).toEqual(agents.map((a) => a.userId));
      expect(l.agentNames).toEqual(agents.map((a) => a.name));
      expect(l.agentManagerIds).toEqual(agents.map((a) => a.managerId ?? null));
      expect(l.agentManagerNames).toEqual(agents.map((a) => a.managerName ?? null));
      expect(l.wrapUpCodes).toEqual(c.wrapUps.map((w) => w.code));
      expect(l.wrapUpNames).toEqual(c.wrapUps.map((w) => w.name ?? null));
      expect(l.wrapUpNotes).toEqual(c.wrapUps.map((w) => w.note ?? null));
      expect([l.ani, l.dnis]).toEqual([null, null]); // MANIFEST_ANI_DNIS is off
      if (l.recordingId) {
        const meta = emu.dataset.recordingsOf(l.conversationId).find((r) => r.id === l.recordingId)!;
        expect([l.recordingStart, l.recordingEnd]).toEqual([meta.startTime ?? null, meta.endTime ?? null]);
      }
      if (l.agentManagerNames.some(Boolean)) withManager++;
      if (l.wrapUpNotes.some(Boolean)) withNote++;
    }
    // The day has what the checks above are about: team leaders and wrap-up notes.
    expect(withManager).toBeGreaterThan(0);
    expect(withNote).toBeGreaterThan(0);
  });

  it('looks the names up with a handful of bulk requests, not one per line', () => {
    const count = (path: string) => emu.journal.entries().filter((e) => e.path === path).length;
    expect(count('/api/v2/routing/queues')).toBe(1);
    expect(count('/api/v2/users')).toBeLessThanOrEqual(2); // the agents, then their team leaders
    expect(count('/api/v2/routing/wrapupcodes')).toBe(1);
    const users = emu.journal.entries().filter((e) => e.path === '/api/v2/users');
    expect(users[0]!.query).toMatchObject({ state: 'any', pageSize: '100' });
  });

  it('e-mails the seed payload field by field', () => {
    const mails = emu.notifications();
    expect(mails).toHaveLength(1);
    const body = mails[0]!.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['htmlContent', 'priority', 'subject', 'title', 'to']);
    expect(body.title).toBe(`Transcripcion y Analisis de AUDIOS-SAC ${DATE}`);
    expect(body.subject).toBe(body.title);
    expect(body.priority).toBe('sendinblue');
    expect(body.to).toEqual([
      { name: '', email: 'ops@example.com' },
      { name: '', email: 'data@example.com' },
    ]);
    expect(String(body.htmlContent).startsWith(`Audios del dia ${DATE}`)).toBe(true);
    // Queues by name, the id on hover.
    const names = new Map(emu.oracle(DATE).conversations.flatMap((c) => c.queues.map((q) => [q.id, q.name])));
    expect(String(body.htmlContent)).toContain(
      `<li>Colas: ${queues.map((q) => `<span title="${q}">${names.get(q)}</span>`).join(', ')}</li>`,
    );
  });

  it('status names the queues; --json keeps the ids and adds the names', async () => {
    const names = new Map(emu.oracle(DATE).conversations.flatMap((c) => c.queues.map((q) => [q.id, q.name])));
    const text = await cli(['status', '--date', DATE], env);
    for (const q of queues) expect(text.stdout).toContain(`${DATE}  ${names.get(q)}  SUCCESS`);
    const json = JSON.parse((await cli(['status', '--date', DATE, '--json'], env)).stdout) as {
      runs: { queueId: string; queueName: string }[];
    };
    expect(json.runs.map((r) => [r.queueId, r.queueName])).toEqual(queues.map((q) => [q, names.get(q)]));
  });

  it('status --json lists the batches with the Genesys job ids the emulator issued', async () => {
    const res = await cli(['status', '--date', DATE, '--json'], env);
    expect(res.code).toBe(0);
    const status = JSON.parse(res.stdout) as { runs: { status: string }[]; batches: { jobId: string }[] };
    expect(status.runs.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS']);
    const submitted = emu.journal
      .entries()
      .filter((e) => e.method === 'POST' && e.path === '/api/v2/recording/batchrequests' && e.status === 200);
    const polledJobIds = new Set(
      emu.journal
        .entries()
        .filter((e) => e.method === 'GET' && e.path.startsWith('/api/v2/recording/batchrequests/'))
        .map((e) => e.path.split('/').pop()),
    );
    expect(status.batches.length).toBe(submitted.length);
    for (const b of status.batches) expect(polledJobIds.has(b.jobId)).toBe(true);
  });

  it('records the Genesys API calls of the run with its runs, for the dashboard chart (not only under serve)', async () => {
    const res = await cli(['status', '--date', DATE, '--json'], env);
    const status = JSON.parse(res.stdout) as { runs: { counts: Record<string, number> }[] };
    // What Genesys' rate limit counts: /api/v2 requests (not the token, not the downloads).
    const apiCalls = emu.journal.entries().filter((e) => e.path.startsWith('/api/v2/')).length;
    expect(apiCalls).toBeGreaterThan(0);
    for (const r of status.runs) {
      expect(r.counts).toMatchObject({ apiCalls, apiRateLimited: 0 });
    }
  });

  it('running the same date again submits nothing, changes no file and sends no second e-mail', async () => {
    const dir = join(dataDir, 'audio', DATE);
    const before = new Map<string, number>();
    for (const f of await readdir(dir)) before.set(f, (await stat(join(dir, f))).mtimeMs);
    emu.journal.clear();
    const again = await cli(['run', '--date', DATE], env);
    expect(again.code).toBe(0);
    const posts = emu.journal
      .entries()
      .filter((e) => e.method === 'POST' && e.path.includes('batchrequests'));
    expect(posts).toEqual([]);
    const metadataCalls = emu.journal.entries().filter((e) => e.path.endsWith('/recordingmetadata'));
    expect(metadataCalls).toEqual([]);
    // The manifest, its CSV and the marker included: the day did not change, so nothing is rewritten.
    for (const f of await readdir(dir)) expect((await stat(join(dir, f))).mtimeMs).toBe(before.get(f));
    expect(emu.notifications()).toHaveLength(1);
  });

  it('an unknown queue is an empty day: success, a warning naming the queue, and an e-mail', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await cli(['run', '--date', '2026-11-20', '--queue', unknown], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`warning: queue ${unknown} had no agent-handled conversation`);
    const last = emu.notifications().at(-1)!.body as { subject: string };
    expect(last.subject).toBe('Transcripcion y Analisis de AUDIOS-SAC 2026-11-20');
  });

  it('--as-of a Monday extracts the Saturday before (yesterday was Sunday)', async () => {
    emu.journal.clear();
    const res = await cli(['run', '--as-of', '2026-11-23', '--queue', queues[0]!], {
      ...env,
      RECONCILE_DAYS: '0',
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^2026-11-21 {2}SUCCESS/);
    const q = emu.journal.entries().find((e) => e.path === '/api/v2/analytics/conversations/details/query');
    expect((q!.body as { interval: string }).interval).toBe(
      '2026-11-21T05:00:00.000Z/2026-11-22T05:00:00.000Z',
    );
  });

  it('bad configuration exits 2 with one message naming the variable', async () => {
    const res = await cli(['run', '--date', DATE], { ...env, BATCH_SIZE: '500' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/BATCH_SIZE is "500": must be at most 100/);
  });

  it('writes the caller and dialled numbers only with MANIFEST_ANI_DNIS=true', async () => {
    const date = '2026-11-23';
    const res = await cli(['run', '--date', date, '--queue', queues[0]!], {
      ...env,
      MANIFEST_ANI_DNIS: 'true',
    });
    expect(res.code, res.stderr).toBe(0);
    const lines = (await readFile(join(dataDir, 'audio', date, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    const byId = new Map(emu.dataset.conversationsOnLocalDay(date).map((c) => [c.conversationId, c]));
    for (const l of lines) {
      const customer = byId
        .get(l.conversationId)!
        .participants!.find((p) => p.purpose === 'customer')!
        .sessions!.find((s) => s.mediaType === 'voice')!;
      expect([l.ani, l.dnis]).toEqual([customer.ani, customer.dnis]);
      expect(l.ani).toMatch(/^tel:\+/);
    }
    // Turned off again: the numbers stored meanwhile are not written.
    const off = await cli(['run', '--date', date, '--queue', queues[0]!], env);
    expect(off.code, off.stderr).toBe(0);
    const again = (await readFile(join(dataDir, 'audio', date, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(again.length).toBe(lines.length);
    expect(again.every((l) => l.ani === null && l.dnis === null)).toBe(true);
  });
});

// The seed job's flow (../shared/spec/seed-integraciones.md), written again in TypeScript with plain
// fetch so it can be timed against the same emulator as audio-extract. It is the baseline of the
// benchmark, so it is deliberately as the Python job did it:
//   token → page the details query (pageSize 100) → keep conversations with an agent participant →
//   sequentially, for every one of them: recording metadata AND the full recordings endpoint
//   (no formatId, no maxWaitMs: the Python SDK sends no optional parameter, so the API defaults apply,
//   WEBM and a 5 s hold while the server transcodes) → every recording of the metadata in batches of
//   BATCH_SIZE = 100, submitted one after the other.
// 429 (and 413/503) with Retry-After are retried after Retry-After, up to 10 times, as urllib3's
// default Retry() in the Python SDK's rest.py does (spec §9.5). The seed stops after submitting; for a
// comparable end point we add what the official "Download Recordings" tutorial does: poll each batch
// every 5 s until resultCount = expectedResultCount, then download its results one by one.
//
// Run on its own (prints the result as JSON):
//   npx tsx bench/seed-flow.ts --url http://127.0.0.1:8787 --queues q1,q2 --date 2026-11-23
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';

export interface SeedFlowOptions {
  baseUrl: string;
  clientId?: string;
  clientSecret?: string;
  queueIds: readonly string[];
  /** local process date YYYY-MM-DD */
  date: string;
  timezone?: string;
  batchSize?: number;
  pollMs?: number;
  /** where downloads go; a temp dir (removed afterwards) by default */
  downloadDir?: string;
}

export interface SeedFlowResult {
  wallMs: number;
  phasesMs: { query: number; lookups: number; submit: number; awaitAndDownload: number };
  queryPages: number;
  agentConversations: number;
  recordingsRequested: number;
  batches: number;
  downloaded: number;
  /** batch results with an errorMsg (archived, deleted, …) */
  unavailable: number;
  bytes: number;
  retriedAfter429: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Conversation {
  conversationId: string;
  participants?: { purpose?: string; sessions?: { metrics?: { name: string; value: number }[] }[] }[];
}
interface BatchStatus {
  expectedResultCount?: number;
  resultCount?: number;
  results?: { conversationId?: string; recordingId?: string; resultUrl?: string; errorMsg?: string }[];
}

export async function runSeedFlow(o: SeedFlowOptions): Promise<SeedFlowResult> {
  const started = performance.now();
  const base = o.baseUrl.replace(/\/+$/, '');
  const batchSize = o.batchSize ?? 100;
  const pollMs = o.pollMs ?? 5000;
  const zone = o.timezone ?? 'America/Lima';
  const dir = o.downloadDir ?? (await mkdtemp(path.join(tmpdir(), 'bench-seed-')));
  const result: SeedFlowResult = {
    wallMs: 0,
    phasesMs: { query: 0, lookups: 0, submit: 0, awaitAndDownload: 0 },
    queryPages: 0,
    agentConversations: 0,
    recordingsRequested: 0,
    batches: 0,
    downloaded: 0,
    unavailable: 0,
    bytes: 0,
    retriedAfter429: 0,
  };

  const basic = Buffer.from(`${o.clientId ?? 'emulator'}:${o.clientSecret ?? 'emulator'}`).toString('base64');
  const tokenRes = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  if (!tokenRes.ok) throw new Error(`token: ${tokenRes.status} ${await tokenRes.text()}`);
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;

  async function api<T>(method: string, p: string, body?: unknown): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${base}${p}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const retryAfter = res.headers.get('retry-after');
      if ([413, 429, 503].includes(res.status) && retryAfter !== null && attempt < 10) {
        await res.arrayBuffer();
        if (res.status === 429) result.retriedAfter429++;
        await sleep(Number(retryAfter) * 1000);
        continue;
      }
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      const text = await res.text();
      return text ? (JSON.parse(text) as T) : undefined;
    }
  }

  // 1-3. The details query, paged until a page comes back without conversations.
  const day = DateTime.fromISO(o.date, { zone });
  const interval = `${day.toUTC().toISO()}/${day.plus({ days: 1 }).toUTC().toISO()}`;
  const agentConversations: Conversation[] = [];
  for (let page = 1; ; page++) {
    const res = await api<{ conversations?: Conversation[] }>(
      'POST',
      '/api/v2/analytics/conversations/details/query',
      {
        interval,
        paging: { pageSize: 100, pageNumber: page },
        order: 'asc',
        orderBy: 'conversationStart',
        segmentFilters: [
          {
            type: 'or',
            predicates: o.queueIds.map((q) => ({
              type: 'dimension',
              dimension: 'queueId',
              operator: 'matches',
              value: q,
            })),
          },
        ],
      },
    );
    result.queryPages++;
    const list = res?.conversations ?? [];
    if (list.length === 0) break;
    for (const c of list)
      if ((c.participants ?? []).some((p) => p.purpose === 'agent')) agentConversations.push(c);
  }
  result.agentConversations = agentConversations.length;
  const queryDone = performance.now();
  result.phasesMs.query = queryDone - started;

  // 5. For every agent conversation, one after the other: metadata, then the full recordings call.
  const items: { conversationId: string; recordingId: string }[] = [];
  for (const c of agentConversations) {
    const id = encodeURIComponent(c.conversationId);
    const metadata =
      (await api<{ id: string }[]>('GET', `/api/v2/conversations/${id}/recordingmetadata`)) ?? [];
    await api('GET', `/api/v2/conversations/${id}/recordings`);
    for (const r of metadata) items.push({ conversationId: c.conversationId, recordingId: r.id });
  }
  result.recordingsRequested = items.length;
  const lookupsDone = performance.now();
  result.phasesMs.lookups = lookupsDone - queryDone;

  // 6-7. Batches of BATCH_SIZE, submitted sequentially.
  const jobIds: string[] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    const job = await api<{ id: string }>('POST', '/api/v2/recording/batchrequests', {
      batchDownloadRequestList: items.slice(i, i + batchSize),
    });
    if (!job?.id) throw new Error('batch submission returned no id');
    jobIds.push(job.id);
  }
  result.batches = jobIds.length;
  const submitDone = performance.now();
  result.phasesMs.submit = submitDone - lookupsDone;

  // Extension: poll every 5 s like the tutorial, then download each result sequentially.
  for (const jobId of jobIds) {
    let status: BatchStatus | undefined;
    for (;;) {
      status = await api<BatchStatus>('GET', `/api/v2/recording/batchrequests/${encodeURIComponent(jobId)}`);
      if (status && status.expectedResultCount === status.resultCount) break;
      await sleep(pollMs);
    }
    for (const r of status?.results ?? []) {
      if (!r.resultUrl) {
        result.unavailable++;
        continue;
      }
      const res = await fetch(r.resultUrl);
      if (!res.ok || !res.body) throw new Error(`download ${r.recordingId}: ${res.status}`);
      const file = path.join(dir, `${r.conversationId}_${r.recordingId}.wav`);
      let n = 0;
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      body.on('data', (chunk: Buffer) => {
        n += chunk.length;
      });
      await pipeline(body, createWriteStream(file));
      result.bytes += n;
      result.downloaded++;
    }
  }
  result.phasesMs.awaitAndDownload = performance.now() - submitDone;
  result.wallMs = performance.now() - started;
  if (!o.downloadDir) await rm(dir, { recursive: true, force: true });
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      queues: { type: 'string' },
      date: { type: 'string' },
      'poll-ms': { type: 'string' },
    },
  });
  if (!values.url || !values.queues || !values.date) {
    process.stderr.write('usage: tsx bench/seed-flow.ts --url URL --queues q1,q2 --date YYYY-MM-DD\n');
    process.exit(2);
  }
  const out = await runSeedFlow({
    baseUrl: values.url,
    queueIds: values.queues.split(','),
    date: values.date,
    pollMs: values['poll-ms'] ? Number(values['poll-ms']) : undefined,
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

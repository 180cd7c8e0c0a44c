// Spec §12.9-11 (§7): recording batch requests and their pre-signed resultUrls, through the official
// SDK (extended responses for status codes); the downloads use fetch, as a client must (no bearer).
import { randomUUID } from 'node:crypto';
import type platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation, RecordingMetadata } from '../../src/contracts/genesys.js';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import {
  connectSdk,
  type Extended,
  expectErrorEnvelope,
  expectPlatformHeaders,
  nullPaths,
  type Sdk,
  settle,
  sleep,
  testClock,
} from './harness.js';

const URL_TTL_SECONDS = 120;
const OTHER = { clientId: 'other-client', clientSecret: 'other-secret' };

interface Item {
  conversationId: string;
  recordingId?: string;
}
interface JobResult {
  conversationId: string;
  recordingId?: string;
  resultUrl?: string;
  contentType?: string;
  errorMsg?: string;
}
interface JobStatus {
  id: string;
  jobId: string;
  expectedResultCount: number;
  resultCount: number;
  errorCount: number;
  status: 'InProgress' | 'Completed';
  results?: JobResult[];
  selfUri: string;
}

let emu: Emulator;
let sdk: Sdk;
let recordings: RecordingMetadata[];
let conversations: AnalyticsConversation[];
const clock = testClock('2026-03-11T11:00:00.000Z');

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 'conformance-batch',
    conversationsPerDay: 150,
    batchJobDurationMs: { min: 4000, max: 4000 },
    resultUrlTtlSeconds: URL_TTL_SECONDS,
    extraClients: [OTHER],
    now: clock.now,
  });
  sdk = await connectSdk(emu, { extended: true });
  conversations = ['2026-03-09', '2026-03-10'].flatMap((d) => emu.dataset.conversationsOnLocalDay(d));
  recordings = conversations
    .filter((c) => c.conversationEnd)
    .flatMap((c) => emu.dataset.recordingsOf(c.conversationId));
});
afterAll(async () => {
  await emu?.close();
});

function submit(items: Item[], client: Sdk = sdk): Promise<Extended<{ id: string; selfUri: string }>> {
  return settle(
    client.recording.postRecordingBatchrequests({
      batchDownloadRequestList: items,
    } as platformClient.Models.BatchDownloadJobSubmission),
  );
}

function status(jobId: string, client: Sdk = sdk): Promise<Extended<JobStatus>> {
  return settle<JobStatus>(client.recording.getRecordingBatchrequest(jobId));
}

async function pollUntilCompleted(jobId: string): Promise<JobStatus[]> {
  const polls: JobStatus[] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const res = await status(jobId);
    expect(res.status).toBe(200);
    polls.push(res.body);
    if (res.body.status === 'Completed') return polls;
    await sleep(100);
  }
  throw new Error(`job ${jobId} did not complete in 20 s`);
}

const available = () => recordings.filter((r) => r.fileState === 'AVAILABLE' && r.media === 'audio');
const inState = (s: string) => recordings.find((r) => r.fileState === s) as RecordingMetadata;
const item = (r: RecordingMetadata): Item => ({ conversationId: r.conversationId, recordingId: r.id });

describe('POST /api/v2/recording/batchrequests', () => {
  it('refuses more than 100 items with 400 batch.download.too.many.items', async () => {
    const items = Array.from({ length: 101 }, (_, i) =>
      item(available()[i % available().length] as RecordingMetadata),
    );
    const res = await submit(items);
    const body = expectErrorEnvelope(res, 400, 'batch.download.too.many.items');
    expect(body.message).toMatch(/100/);
    expectPlatformHeaders(res.headers, '400 too many items');
  });

  it('refuses an empty list with 400 batch.download.bad.request', async () => {
    expectErrorEnvelope(await submit([]), 400, 'batch.download.bad.request');
  });

  it('accepts exactly 100 items and answers 200 {id, selfUri}', async () => {
    const items = Array.from({ length: 100 }, (_, i) =>
      item(available()[i % available().length] as RecordingMetadata),
    );
    const res = await submit(items);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'selfUri']);
    expect(res.body.selfUri).toBe(`/api/v2/recording/batchrequests/${res.body.id}`);
  });
});

describe('GET /api/v2/recording/batchrequests/{jobId}', () => {
  let polls: JobStatus[];
  let final: JobStatus;
  let items: Item[];
  let wholeConversation: AnalyticsConversation;

  beforeAll(async () => {
    // A conversation with two or more recordings, requested without recordingId.
    wholeConversation = conversations.find(
      (c) => c.conversationEnd && emu.dataset.recordingsOf(c.conversationId).length >= 2,
    ) as AnalyticsConversation;
    expect(wholeConversation, 'the data set has a conversation with several recordings').toBeDefined();
    items = [
      { conversationId: wholeConversation.conversationId },
      ...available()
        .filter((r) => r.conversationId !== wholeConversation.conversationId)
        .slice(0, 6)
        .map(item),
      item(inState('ARCHIVED')),
      item(inState('DELETED')),
    ];
    const submitted = await submit(items);
    expect(submitted.status).toBe(200);
    polls = await pollUntilCompleted(submitted.body.id);
    final = polls.at(-1) as JobStatus;
  });

  it('goes InProgress → Completed, with results growing over several polls', () => {
    expect(polls[0]?.status).toBe('InProgress');
    expect(final.status).toBe('Completed');
    const counts = polls.map((p) => p.resultCount);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1] as number);
    const partial = polls.filter((p) => p.status === 'InProgress' && p.resultCount > 0);
    expect(partial.length, 'some poll shows part of the results').toBeGreaterThan(0);
    expect(new Set(counts).size).toBeGreaterThanOrEqual(3);
    for (const p of polls) {
      expect(p.results?.length ?? 0).toBe(p.resultCount);
      expect(p.expectedResultCount).toBeGreaterThanOrEqual(p.resultCount);
      expect(p.id).toBe(p.jobId);
      expect(p.selfUri).toBe(`/api/v2/recording/batchrequests/${p.id}`);
      expect(nullPaths(p)).toEqual([]);
    }
  });

  it('when Completed, resultCount = expectedResultCount = results, errorCount = error items', () => {
    const results = final.results ?? [];
    expect(final.resultCount).toBe(final.expectedResultCount);
    expect(results).toHaveLength(final.resultCount);
    expect(final.errorCount).toBe(results.filter((r) => r.errorMsg !== undefined).length);
  });

  it('expands a conversation-only item to one result per recording of the conversation', () => {
    const expected = emu.dataset.recordingsOf(wholeConversation.conversationId).map((r) => r.id);
    const got = (final.results ?? [])
      .filter((r) => r.conversationId === wholeConversation.conversationId)
      .map((r) => r.recordingId);
    expect(got.sort()).toEqual([...expected].sort());
    expect(final.expectedResultCount).toBe(items.length - 1 + expected.length);
    // "This number could change as recordings are being discovered": it grows, never above the final count.
    for (const p of polls) expect(p.expectedResultCount).toBeLessThanOrEqual(final.expectedResultCount);
    expect(polls[0]?.expectedResultCount).toBeLessThan(final.expectedResultCount);
  });

  it('archived and deleted recordings come back as errorMsg items without resultUrl', () => {
    for (const r of [inState('ARCHIVED'), inState('DELETED')]) {
      const result = (final.results ?? []).find((x) => x.recordingId === r.id) as JobResult;
      expect(result.errorMsg).toMatch(/\S/);
      expect(result).not.toHaveProperty('resultUrl');
    }
    expect(final.errorCount).toBeGreaterThanOrEqual(2);
  });

  it('successful items carry an absolute resultUrl and a contentType, no errorMsg', () => {
    const ok = (final.results ?? []).filter((r) => r.errorMsg === undefined);
    expect(ok.length).toBeGreaterThanOrEqual(6);
    for (const r of ok) {
      const url = new URL(r.resultUrl as string); // throws if not absolute
      expect(url.origin).toBe(new URL(emu.url).origin);
      expect(r.contentType).toMatch(/^[a-z]+\/[\w.+-]+/);
      expect(r).not.toHaveProperty('errorMsg');
    }
  });

  it('another OAuth client may not read the job (403 batch.download.permission.denied)', async () => {
    const other = await connectSdk(emu, { extended: true, ...OTHER });
    expectErrorEnvelope(await status(final.id, other), 403, 'batch.download.permission.denied');
  });

  it('an unknown job id is a 404 batch.download.job.not.found', async () => {
    expectErrorEnvelope(await status(randomUUID()), 404, 'batch.download.job.not.found');
  });

  describe('resultUrl downloads', () => {
    const okResults = () => (final.results ?? []).filter((r) => r.resultUrl);

    it('need no Authorization and return exactly the recording bytes with the result contentType', async () => {
      for (const r of okResults().slice(0, 3)) {
        const res = await fetch(r.resultUrl as string);
        expect(res.status).toBe(200);
        const bytes = Buffer.from(await res.arrayBuffer());
        const truth = emu.dataset.audioOf(r.recordingId as string);
        expect(bytes.equals(truth.bytes)).toBe(true);
        expect(res.headers.get('content-type')).toBe(r.contentType);
        expect(truth.contentType).toBe(r.contentType);
      }
    });

    it('refuse a request that carries an Authorization header', async () => {
      const r = okResults()[0] as JobResult;
      const res = await fetch(r.resultUrl as string, { headers: { authorization: 'Bearer some-token' } });
      expect([400, 401, 403]).toContain(res.status);
      await res.arrayBuffer();
    });

    it('refuse a tampered signature (403)', async () => {
      const r = okResults()[0] as JobResult;
      const u = new URL(r.resultUrl as string);
      const sig = [...u.searchParams.keys()].find((k) => /signature/i.test(k));
      expect(sig, 'the URL carries a signature parameter').toBeDefined();
      u.searchParams.set(sig as string, '0'.repeat(64));
      const res = await fetch(u);
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    });

    // Moves the emulator clock past the TTL: keep last in this file.
    it('expire after the configured TTL (403); a new job for the same recording gives a URL that works', async () => {
      const r = okResults()[0] as JobResult;
      clock.advance((URL_TTL_SECONDS + 1) * 1000);
      const expired = await fetch(r.resultUrl as string);
      expect(expired.status).toBe(403);
      await expired.arrayBuffer();

      // A new job for the same recording issues a new, valid URL.
      const again = await submit([{ conversationId: r.conversationId, recordingId: r.recordingId }]);
      const polls2 = await pollUntilCompleted(again.body.id);
      const fresh = polls2.at(-1)?.results?.[0] as JobResult;
      const ok = await fetch(fresh.resultUrl as string);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
    });
  });
});

describe('resultUrl default lifetime', () => {
  it('is 60 minutes when not configured', async () => {
    const own = testClock('2026-03-11T11:00:00.000Z');
    const e = await buildEmulator({
      seed: 'conformance-batch-ttl',
      conversationsPerDay: 40,
      batchJobDurationMs: { min: 0, max: 0 },
      now: own.now,
    });
    try {
      const client = await connectSdk(e, { extended: true });
      const rec = e.dataset
        .conversationsOnLocalDay('2026-03-10')
        .filter((c) => c.conversationEnd)
        .flatMap((c) => e.dataset.recordingsOf(c.conversationId))
        .find((r) => r.fileState === 'AVAILABLE' && r.media === 'audio') as RecordingMetadata;
      const job = await submit([item(rec)], client);
      const done = await status(job.body.id, client);
      expect(done.body.status).toBe('Completed');
      const url = done.body.results?.[0]?.resultUrl as string;
      own.advance(59 * 60_000);
      const stillOk = await fetch(url);
      expect(stillOk.status).toBe(200);
      await stillOk.arrayBuffer();
      own.advance(2 * 60_000);
      const expired = await fetch(url);
      expect(expired.status).toBe(403);
      await expired.arrayBuffer();
    } finally {
      await e.close();
    }
  });
});

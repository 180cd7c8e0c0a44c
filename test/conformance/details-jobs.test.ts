// Spec §4, §12.13, §15 (issue 16 item 9): the synchronous details query's look-back, and the
// asynchronous conversation-details jobs through the official SDK: QUEUED → PENDING → FULFILLED,
// cursor paging, limit, DELETE, FAILED, the data lake's availability date lagging the clock (recent
// data missing from jobs, present in the query), and days older than the look-back served by jobs.
import type platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation } from '../../src/contracts/genesys.js';
import { buildEmulator } from '../../src/emulator/index.js';
import type { Emulator } from '../../src/emulator/types.js';
import {
  connectSdk,
  expectErrorEnvelope,
  expectPlatformHeaders,
  type Sdk,
  settle,
  sleep,
  testClock,
} from './harness.js';

const clock = testClock('2026-03-11T11:00:00.000Z');
const JOB_MS = 400;
const SEED = 'conformance-jobs';
// 60 days before the clock: beyond the 35-day look-back of the synchronous query.
const OLD_DAY = { date: '2026-01-10', interval: '2026-01-10T05:00:00.000Z/2026-01-11T05:00:00.000Z' };
const YESTERDAY = '2026-03-10T05:00:00.000Z/2026-03-11T05:00:00.000Z';

let emu: Emulator;
let sdk: Sdk;

beforeAll(async () => {
  emu = await buildEmulator({
    seed: SEED,
    conversationsPerDay: 120,
    lookBackDays: 35,
    detailsJobDurationMs: { min: JOB_MS, max: JOB_MS },
    now: clock.now,
    extraClients: [
      {
        clientId: 'no-analytics',
        clientSecret: 's',
        missingPermissions: ['analytics:conversationDetail:view'],
      },
    ],
  });
  sdk = await connectSdk(emu, { extended: true });
});
afterAll(async () => {
  await emu?.close();
});

type Status = platformClient.Models.AsyncQueryStatus;
type Results = platformClient.Models.AnalyticsConversationAsyncQueryResponse;

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await settle<platformClient.Models.AsyncQueryResponse>(
    sdk.analytics.postAnalyticsConversationsDetailsJobs(
      body as unknown as platformClient.Models.AsyncConversationQuery,
    ),
  );
  expect(res.status).toBe(202);
  expectPlatformHeaders(res.headers, 'job submit');
  return res.body.jobId as string;
}

const status = (jobId: string) => settle<Status>(sdk.analytics.getAnalyticsConversationsDetailsJob(jobId));

async function fulfilled(jobId: string): Promise<Status> {
  for (let i = 0; i < 100; i++) {
    const s = (await status(jobId)).body;
    if (s.state !== 'QUEUED' && s.state !== 'PENDING') return s;
    await sleep(50);
  }
  throw new Error(`job ${jobId} never left PENDING`);
}

/** Every page of a job's results, following the cursor until it is absent. */
async function allResults(
  jobId: string,
  pageSize: number,
): Promise<{ conversations: AnalyticsConversation[]; pages: Results[] }> {
  const pages: Results[] = [];
  let cursor: string | undefined;
  do {
    const res = await settle<Results>(
      sdk.analytics.getAnalyticsConversationsDetailsJobResults(jobId, {
        pageSize,
        ...(cursor ? { cursor } : {}),
      }),
    );
    expect(res.status).toBe(200);
    pages.push(res.body);
    cursor = res.body.cursor;
  } while (cursor);
  return {
    conversations: pages.flatMap((p) => (p.conversations ?? []) as unknown as AnalyticsConversation[]),
    pages,
  };
}

describe('the synchronous query look-back', () => {
  it('refuses an interval that starts more than 35 days back, relative to the emulator clock', async () => {
    const res = await settle(
      sdk.analytics.postAnalyticsConversationsDetailsQuery({
        interval: OLD_DAY.interval,
      } as platformClient.Models.ConversationQuery),
    );
    const body = expectErrorEnvelope(res, 400, 'bad.request');
    expect(body.message).toMatch(/older than the 35 days .* asynchronous conversation details jobs/);
    // 34 days back is still served.
    const recent = await settle(
      sdk.analytics.postAnalyticsConversationsDetailsQuery({
        interval: '2026-02-05T05:00:00.000Z/2026-02-06T05:00:00.000Z',
      } as platformClient.Models.ConversationQuery),
    );
    expect(recent.status).toBe(200);
  });
});

describe('POST /api/v2/analytics/conversations/details/jobs', () => {
  it('goes QUEUED → PENDING → FULFILLED, with submission, completion and expiration dates', async () => {
    const jobId = await submit({ interval: OLD_DAY.interval });
    const seen = new Set<string>();
    let last: Status | undefined;
    for (let i = 0; i < 100 && last?.state !== 'FULFILLED'; i++) {
      last = (await status(jobId)).body;
      seen.add(last.state as string);
      await sleep(20);
    }
    expect([...seen]).toEqual(['QUEUED', 'PENDING', 'FULFILLED']);
    expect(last?.submissionDate).toMatch(/Z$/);
    expect(Date.parse(last?.completionDate as string) - Date.parse(last?.submissionDate as string)).toBe(
      JOB_MS,
    );
    expect(Date.parse(last?.expirationDate as string)).toBeGreaterThan(
      Date.parse(last?.completionDate as string),
    );
  });

  it('serves a day older than the look-back, paged with a cursor, the same as the query would', async () => {
    const jobId = await submit({ interval: OLD_DAY.interval, startOfDayIntervalMatching: true });
    expect((await fulfilled(jobId)).state).toBe('FULFILLED');
    const { conversations, pages } = await allResults(jobId, 40);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.at(-1)?.cursor).toBeUndefined();
    for (const p of pages.slice(0, -1)) expect(p.cursor).toMatch(/\S/);
    for (const p of pages) expect(p.dataAvailabilityDate).toMatch(/Z$/);
    // A twin emulator without the look-back answers the synchronous query for the same day.
    const twin = await buildEmulator({ seed: SEED, conversationsPerDay: 120, now: clock.now });
    try {
      const twinSdk = await connectSdk(twin);
      const ids: string[] = [];
      for (let n = 1; ; n++) {
        const page = await twinSdk.analytics.postAnalyticsConversationsDetailsQuery({
          interval: OLD_DAY.interval,
          paging: { pageSize: 100, pageNumber: n },
        } as platformClient.Models.ConversationQuery);
        if (!page.conversations) break;
        ids.push(...page.conversations.map((c) => c.conversationId as string));
      }
      expect(ids.length).toBeGreaterThan(100);
      expect(conversations.map((c) => c.conversationId)).toEqual(ids);
    } finally {
      await twin.close();
    }
  });

  it('takes every conversation whose lifetime overlaps the interval by default, and honours limit', async () => {
    const hour = '2026-01-10T18:00:00.000Z/2026-01-10T19:00:00.000Z';
    const jobId = await submit({ interval: hour });
    await fulfilled(jobId);
    const { conversations } = await allResults(jobId, 1000);
    const [from, to] = hour.split('/').map(Date.parse) as [number, number];
    const expected = emu.dataset
      .conversationsOnLocalDay(OLD_DAY.date)
      .filter((c) => Date.parse(c.conversationStart) < to && Date.parse(c.conversationEnd as string) >= from);
    expect(conversations.map((c) => c.conversationId)).toEqual(expected.map((c) => c.conversationId));
    expect(expected.some((c) => Date.parse(c.conversationStart) < from)).toBe(true); // started before, still talking

    const limited = await submit({ interval: OLD_DAY.interval, limit: 7 });
    await fulfilled(limited);
    expect((await allResults(limited, 5)).conversations).toHaveLength(7);
  });

  it('misses the recent data the data lake does not hold yet, which the synchronous query has', async () => {
    const availability = await settle<platformClient.Models.DataAvailabilityResponse>(
      sdk.analytics.getAnalyticsConversationsDetailsJobsAvailability(),
    );
    expect(availability.status).toBe(200);
    const watermark = Date.parse(availability.body.dataAvailabilityDate as string);
    const lag = clock.now() - watermark;
    expect(lag).toBeGreaterThanOrEqual(3 * 3_600_000);
    expect(lag).toBeLessThan(3 * 3_600_000 + 61_000);

    // A data lake 12 hours behind holds yesterday only up to 18:00 in Lima.
    const lagging = await buildEmulator({
      seed: SEED,
      conversationsPerDay: 120,
      dataLakeLagMs: 12 * 3_600_000,
      detailsJobDurationMs: { min: 0, max: 0 },
      now: clock.now,
    });
    try {
      const own = await connectSdk(lagging);
      const mark = Date.parse(
        (await own.analytics.getAnalyticsConversationsDetailsJobsAvailability())
          .dataAvailabilityDate as string,
      );
      const { jobId } = await own.analytics.postAnalyticsConversationsDetailsJobs({
        interval: YESTERDAY,
      } as platformClient.Models.AsyncConversationQuery);
      const fromJob = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await own.analytics.getAnalyticsConversationsDetailsJobResults(jobId as string, {
          pageSize: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const c of page.conversations ?? []) fromJob.add(c.conversationId as string);
        cursor = page.cursor;
      } while (cursor);
      const day = lagging.dataset.conversationsOnLocalDay('2026-03-10');
      const after = day.filter((c) => !c.conversationEnd || Date.parse(c.conversationEnd) > mark);
      const before = day.filter((c) => c.conversationEnd && Date.parse(c.conversationEnd) <= mark);
      expect(after.length).toBeGreaterThan(5);
      expect(before.length).toBeGreaterThan(50);
      for (const c of after) expect(fromJob.has(c.conversationId)).toBe(false);
      for (const c of before) expect(fromJob.has(c.conversationId)).toBe(true);
      // … while the synchronous query has the late ones.
      const late = after.find((c) => c.conversationEnd) as AnalyticsConversation;
      const sync = await own.analytics.postAnalyticsConversationsDetailsQuery({
        interval: `${late.conversationStart}/${late.conversationEnd}`,
      } as platformClient.Models.ConversationQuery);
      expect(sync.conversations?.map((c) => c.conversationId)).toContain(late.conversationId);
    } finally {
      await lagging.close();
    }
  });

  it('answers an empty FULFILLED job for days the org no longer holds (older than retention)', async () => {
    const jobId = await submit({ interval: '2023-01-10T05:00:00.000Z/2023-01-11T05:00:00.000Z' });
    expect((await fulfilled(jobId)).state).toBe('FULFILLED');
    const { conversations, pages } = await allResults(jobId, 100);
    expect(conversations).toEqual([]);
    expect(pages[0]).not.toHaveProperty('conversations');
  });
});

describe('job errors and cancellation', () => {
  it('results before FULFILLED are a 400; an unknown job is a 404; a bad cursor or pageSize is a 400', async () => {
    const jobId = await submit({ interval: OLD_DAY.interval });
    expectErrorEnvelope(await settle(sdk.analytics.getAnalyticsConversationsDetailsJobResults(jobId)), 400);
    expectErrorEnvelope(
      await settle(sdk.analytics.getAnalyticsConversationsDetailsJob('3b1c4c9e-0000-4000-8000-000000000000')),
      404,
      'not.found',
    );
    await fulfilled(jobId);
    expectErrorEnvelope(
      await settle(sdk.analytics.getAnalyticsConversationsDetailsJobResults(jobId, { cursor: 'bogus' })),
      400,
    );
    expectErrorEnvelope(
      await settle(sdk.analytics.getAnalyticsConversationsDetailsJobResults(jobId, { pageSize: 1001 })),
      400,
    );
  });

  it('DELETE cancels a job: state CANCELLED, no results', async () => {
    const jobId = await submit({ interval: OLD_DAY.interval });
    const del = await settle(sdk.analytics.deleteAnalyticsConversationsDetailsJob(jobId));
    expect(del.status).toBe(204);
    expect((await status(jobId)).body.state).toBe('CANCELLED');
    expectErrorEnvelope(await settle(sdk.analytics.getAnalyticsConversationsDetailsJobResults(jobId)), 400);
  });

  it('a failedJob fault ends the job FAILED with an errorMessage', async () => {
    emu.faults.add({
      match: { method: 'POST', path: '/api/v2/analytics/conversations/details/jobs' },
      times: 1,
      failedJob: true,
    });
    const jobId = await submit({ interval: OLD_DAY.interval });
    const s = await fulfilled(jobId);
    expect(s.state).toBe('FAILED');
    expect(s.errorMessage).toMatch(/\S/);
  });

  it('a role without analytics:conversationDetail:view gets 403 missing.any.permissions on jobs and query', async () => {
    const other = await connectSdk(emu, { extended: true, clientId: 'no-analytics', clientSecret: 's' });
    const job = await settle(
      other.analytics.postAnalyticsConversationsDetailsJobs({
        interval: OLD_DAY.interval,
      } as platformClient.Models.AsyncConversationQuery),
    );
    expect(expectErrorEnvelope(job, 403, 'missing.any.permissions').message).toContain(
      'analytics:conversationDetail:view',
    );
    const query = await settle(
      other.analytics.postAnalyticsConversationsDetailsQuery({
        interval: YESTERDAY,
      } as platformClient.Models.ConversationQuery),
    );
    expect(expectErrorEnvelope(query, 403, 'missing.any.permissions').message).toBe(
      'Unable to perform the requested action. You must have at least one of the following permissions assigned: [analytics:conversationDetail:view, analytics:agentConversationDetail:view]',
    );
  });
});

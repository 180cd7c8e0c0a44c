// The client's asynchronous details jobs (src/genesys/details-jobs.ts) against the emulator: the same
// conversations as the synchronous query, paged with the cursor; a clear error when the data lake does
// not hold the day yet, when the job fails, or when the role lacks the permission.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConversation } from '../../src/contracts/genesys.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { createGenesysClient } from '../../src/genesys/client.js';
import { GenesysError, GenesysPermissionError } from '../../src/genesys/errors.js';
import type { GenesysClient } from '../../src/genesys/types.js';
import { localDayInterval } from '../../src/lib/dates.js';

const ZONE = 'America/Lima';
const OLD_DAY = DateTime.now().setZone(ZONE).minus({ days: 50 }).toISODate()!;

function clientFor(emu: Emulator, clientId = 'emulator', clientSecret = 'emulator'): GenesysClient {
  return createGenesysClient({
    clientId,
    clientSecret,
    loginBaseUrl: emu.url,
    apiBaseUrl: emu.url,
    timeoutMs: 10_000,
    ratePerMinute: 100_000,
  });
}

async function ids(it: AsyncIterable<AnalyticsConversation>, startMs: number): Promise<string[]> {
  const out: string[] = [];
  // both give the conversations that started in the interval; the job also those running into it
  for await (const c of it) if (Date.parse(c.conversationStart) >= startMs) out.push(c.conversationId);
  return out;
}

describe('asynchronous details jobs', () => {
  let emu: Emulator;
  let client: GenesysClient;

  beforeAll(async () => {
    emu = await buildEmulator({
      seed: 'jobs-client',
      // more than one page of 1000 results: the cursor is followed
      conversationsPerDay: 1300,
      ratePerMinute: 100_000,
      detailsJobDurationMs: { min: 200, max: 400 },
      extraClients: [
        {
          clientId: 'no-analytics',
          clientSecret: 'x',
          missingPermissions: ['analytics:conversationDetail:view'],
        },
      ],
    });
    client = clientFor(emu);
  });
  afterAll(async () => {
    await client?.close();
    await emu?.close();
  });

  it('reads a day older than the look-back: the same conversations as the query, every result page', async () => {
    const interval = localDayInterval(OLD_DAY, ZONE);
    const input = { ...interval, queueIds: [] };
    emu.journal.clear();
    const byJob = await ids(client.conversationDetailsByJob(input), interval.startMs);
    const journal = emu.journal.entries();
    const pages = journal.filter((e) => e.path.endsWith('/results'));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]!.query.cursor).toBeUndefined();
    expect(pages[1]!.query.cursor).toBeTruthy();
    const submitted = journal.find((e) => e.method === 'POST' && e.path.endsWith('/details/jobs'))!;
    expect(JSON.stringify(submitted.body)).toContain('"dimension":"mediaType"');
    const byQuery = await ids(client.conversationDetails(input), interval.startMs);
    expect(byJob.length).toBeGreaterThan(1000);
    expect(new Set(byJob)).toEqual(new Set(byQuery));
    expect(byJob).toHaveLength(new Set(byJob).size);
  });

  it('a submission that times out is not sent again (a second job would count against the org)', async () => {
    const path = '/api/v2/analytics/conversations/details/jobs';
    emu.faults.add({ match: { method: 'POST', path }, delayMs: 1_500, times: 1 });
    const impatient = createGenesysClient({
      clientId: 'emulator',
      clientSecret: 'emulator',
      loginBaseUrl: emu.url,
      apiBaseUrl: emu.url,
      timeoutMs: 300,
      ratePerMinute: 100_000,
    });
    try {
      emu.journal.clear();
      const interval = localDayInterval(OLD_DAY, ZONE);
      const err = await ids(impatient.conversationDetailsByJob({ ...interval, queueIds: [] }), 0).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GenesysError);
      const posts = emu.journal.entries().filter((e) => e.method === 'POST' && e.path === path);
      expect(posts).toHaveLength(1);
    } finally {
      emu.faults.clear();
      await impatient.close();
    }
  });

  it('a job that fails ends the walk with a clear GENESYS_DETAILS_JOB error', async () => {
    emu.faults.add({
      match: { method: 'POST', path: '/api/v2/analytics/conversations/details/jobs' },
      times: 1,
      failedJob: true,
    });
    const input = { ...localDayInterval(OLD_DAY, ZONE), queueIds: [emu.queueIds[0]!] };
    const err = await ids(client.conversationDetailsByJob(input), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenesysError);
    expect((err as GenesysError).code).toBe('GENESYS_DETAILS_JOB');
    expect((err as Error).message).toMatch(/ended FAILED/);
    // Named after the call that said so: the job's status, not its submission.
    expect((err as GenesysError).path).toMatch(/^\/api\/v2\/analytics\/conversations\/details\/jobs\/[^/]+$/);
    expect((err as GenesysError).method).toBe('GET');
  });

  it('a role without analytics:conversationDetail:view: a permission error naming it', async () => {
    const other = clientFor(emu, 'no-analytics', 'x');
    try {
      const input = { ...localDayInterval(OLD_DAY, ZONE), queueIds: [emu.queueIds[0]!] };
      const err = await ids(other.conversationDetailsByJob(input), 0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GenesysPermissionError);
      expect((err as GenesysPermissionError).permissions).toContain('analytics:conversationDetail:view');
      expect((err as Error).message).toMatch(/role lacks analytics:conversationDetail:view/);
    } finally {
      await other.close();
    }
  });
});

describe('a day the data lake does not hold yet', () => {
  it('is not submitted: the error names the availability date', async () => {
    // the data lake two days behind: yesterday is not in it
    const emu = await buildEmulator({
      seed: 'jobs-lag',
      conversationsPerDay: 20,
      dataLakeLagMs: 48 * 3_600_000,
    });
    const client = clientFor(emu);
    try {
      const yesterday = DateTime.now().setZone(ZONE).minus({ days: 1 }).toISODate()!;
      const input = { ...localDayInterval(yesterday, ZONE), queueIds: [emu.queueIds[0]!] };
      const err = await ids(client.conversationDetailsByJob(input), 0).catch((e: unknown) => e);
      expect((err as GenesysError).code).toBe('GENESYS_DETAILS_JOB');
      expect((err as Error).message).toMatch(/data lake holds conversation details up to 20\d\d-/);
      expect(emu.journal.entries().filter((e) => e.method === 'POST')).toEqual([
        expect.objectContaining({ path: '/oauth/token' }),
      ]);
    } finally {
      await client.close();
      await emu.close();
    }
  });
});

// A role without a permission a run needs: Genesys answers 403 missing.any.permissions on every call of
// that kind. The first one fails the day at once with one message naming the permission, instead of one
// failed recording per conversation (or a day that "succeeds" with nothing looked up).
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { type CliExit, emulatorEnv, runCli } from '../support/cli.js';
import { dataDirTemplate, freshDataDir } from '../support/data-dirs.js';
import { pastWeekday } from '../support/expected.js';

const DATE = pastWeekday(4);

describe('a role without a permission the run needs', () => {
  let emu: Emulator;
  let template: string;
  const dirs: string[] = [];
  const runs: Record<string, { exit: CliExit; paths: string[] }> = {};

  beforeAll(async () => {
    emu = await buildEmulator({
      seed: 'permissions',
      conversationsPerDay: 200,
      ratePerMinute: 100_000,
      extraClients: [
        { clientId: 'no-recordings', clientSecret: 's1', missingPermissions: ['recording:recording:view'] },
        {
          clientId: 'no-analytics',
          clientSecret: 's2',
          missingPermissions: ['analytics:conversationDetail:view'],
        },
      ],
    });
    template = await dataDirTemplate();
    for (const [name, id, secret, extra] of [
      ['recordings', 'no-recordings', 's1', {}],
      ['recordings, conversation-wide', 'no-recordings', 's1', { RECORDING_LOOKUP: 'conversation' }],
      ['analytics', 'no-analytics', 's2', {}],
    ] as const) {
      const dir = await freshDataDir('ae-perm-', template);
      dirs.push(dir);
      emu.journal.clear();
      const exit = await runCli(
        ['run', '--date', DATE],
        emulatorEnv(emu, dir, {
          GENESYS_CLOUD_CLIENT_ID: id,
          GENESYS_CLOUD_CLIENT_SECRET: secret,
          GENESYS_QUEUE_IDS: emu.queueIds.slice(0, 2).join(','),
          ...extra,
        }),
      );
      runs[name] = { exit, paths: emu.journal.entries().map((e) => `${e.method} ${e.path} ${e.status}`) };
    }
  }, 5 * 60_000);

  afterAll(async () => {
    await emu?.close();
    await Promise.all(
      [template, ...dirs].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })),
    );
  });

  it.each([
    ['recordings', 'recording:recording:view'],
    ['recordings, conversation-wide', 'recording:recording:view'],
    ['analytics', 'analytics:conversationDetail:view'],
  ])('without %s: the day fails, naming %s and how to fix it', (name, permission) => {
    const { exit } = runs[name]!;
    expect(exit.code).toBe(1);
    const said = exit.stdout + exit.stderr;
    expect(said).toContain('FAILED');
    expect(said).toContain(`role lacks ${permission}`);
    expect(said).toMatch(/add it to the role/);
  });

  it('stops at the first refusals: a handful of lookups, no batch', () => {
    const { paths } = runs.recordings!;
    const refused = paths.filter((p) => p.endsWith('/recordingmetadata 403'));
    expect(refused.length).toBeGreaterThan(0);
    // CONCURRENCY (8) lookups in flight when the first answer came, not one per conversation
    expect(refused.length).toBeLessThanOrEqual(8);
    expect(paths.filter((p) => p.includes('/recording/batchrequests'))).toEqual([]);
  });

  it('conversation-wide: the first batch submission refused ends the day', () => {
    const { paths } = runs['recordings, conversation-wide']!;
    const submissions = paths.filter((p) => p.startsWith('POST /api/v2/recording/batchrequests'));
    expect(submissions.length).toBeGreaterThan(0);
    expect(submissions.every((p) => p.endsWith(' 403'))).toBe(true);
    expect(submissions.length).toBeLessThanOrEqual(8);
  });

  it('without analytics: one query, nothing else asked', () => {
    const { paths } = runs.analytics!;
    expect(paths.filter((p) => p.includes('/details/query'))).toHaveLength(1);
    expect(paths.filter((p) => p.includes('/api/v2/conversations/') || p.includes('/recording/'))).toEqual(
      [],
    );
  });
});

// `audio-extract doctor` against the emulator: every check passes on a good setup, and each broken piece
// is reported by name with the cause, not as a crash.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/cli/commands/doctor.js';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';

describe('doctor', () => {
  let emu: Emulator;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    emu = await buildEmulator({
      seed: 5,
      conversationsPerDay: 40,
      ratePerMinute: 6000,
      extraClients: [
        { clientId: 'no-recordings', clientSecret: 's1', missingPermissions: ['recording:recording:view'] },
        {
          clientId: 'no-analytics',
          clientSecret: 's2',
          missingPermissions: ['analytics:conversationDetail:view'],
        },
      ],
    });
    dir = await mkdtemp(join(tmpdir(), 'ae-doctor-'));
    env = {
      GENESYS_CLOUD_BASE_URL: emu.url,
      GENESYS_CLOUD_CLIENT_ID: 'emulator',
      GENESYS_CLOUD_CLIENT_SECRET: 'emulator',
      GENESYS_QUEUE_IDS: emu.queueIds[0]!,
      DATA_DIR: join(dir, 'data'),
    };
  });
  afterAll(async () => {
    await emu?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const byName = (checks: { name: string; status: string; detail: string }[]) =>
    Object.fromEntries(checks.map((c) => [c.name, c]));

  it('passes every check on a working setup', async () => {
    const checks = byName(await runChecks(env));
    expect(checks.config?.status).toBe('ok');
    expect(checks.storage?.status).toBe('ok');
    expect(checks.database?.status).toBe('ok');
    expect(checks.credentials?.status).toBe('ok');
    expect(checks.analytics?.status).toBe('ok');
    expect(checks.recordings?.status).toBe('ok');
    // the emulator has calls yesterday in its queues, so the queue is seen
    expect(checks[`queue ${emu.queueIds[0]}`]?.status).toBe('ok');
  });

  it('checks each permission a run needs with one call that reads no conversation data', async () => {
    emu.journal.clear();
    await runChecks(env);
    const paths = emu.journal.entries().map((e) => `${e.method} ${e.path}`);
    expect(paths).toContain('GET /api/v2/analytics/conversations/details/jobs/availability');
    expect(paths).toContain(
      'GET /api/v2/conversations/00000000-0000-0000-0000-000000000000/recordingmetadata',
    );
    expect(paths.filter((p) => p.includes('/details/jobs'))).toHaveLength(1);
  });

  it.each([
    ['no-recordings', 's1', 'recordings', 'recording:recording:view'],
    ['no-analytics', 's2', 'analytics', 'analytics:conversationDetail:view'],
  ])(
    'a client without the permission (%s) fails its check, naming it',
    async (id, secret, name, permission) => {
      const checks = byName(
        await runChecks({ ...env, GENESYS_CLOUD_CLIENT_ID: id, GENESYS_CLOUD_CLIENT_SECRET: secret }),
      );
      expect(checks.credentials?.status).toBe('ok');
      expect(checks[name]?.status).toBe('FAIL');
      expect(checks[name]?.detail).toContain(permission);
      expect((checks[name] as { fix?: string }).fix).toContain(permission);
      const other = name === 'analytics' ? 'recordings' : 'analytics';
      expect(checks[other]?.status).toBe('ok');
    },
  );

  it('names a wrong secret without printing it', async () => {
    const secret = 'not-the-right-secret-4242';
    const checks = byName(await runChecks({ ...env, GENESYS_CLOUD_CLIENT_SECRET: secret }));
    expect(checks.credentials?.status).toBe('FAIL');
    expect(checks.credentials?.detail).toMatch(/secret|region/i);
    expect(JSON.stringify(checks)).not.toContain(secret);
  });

  it('reports an unwritable DATA_DIR and invalid configuration as failed checks', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const storage = byName(await runChecks({ ...env, DATA_DIR: join(file, 'data') }));
    expect(storage.storage?.status).toBe('FAIL');
    const config = byName(await runChecks({ ...env, BATCH_SIZE: '0' }));
    expect(config.config?.status).toBe('FAIL');
    expect(config.config?.detail).toContain('BATCH_SIZE');
  });
});

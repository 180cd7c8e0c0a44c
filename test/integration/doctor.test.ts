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
    emu = await buildEmulator({ seed: 5, conversationsPerDay: 40, ratePerMinute: 6000 });
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
    // the emulator has calls yesterday in its queues, so the queue is seen
    expect(checks[`queue ${emu.queueIds[0]}`]?.status).toBe('ok');
  });

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

// Names are a convenience: an OAuth client without the permissions to look them up (403 on users,
// queues and wrap-up codes) still extracts the day, with ids in the manifest, one warning in the log,
// and a warning line in `doctor` that names the permissions to grant. The CLI runs as a subprocess
// against an emulator whose client lacks them.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { cliEnv, runCli } from '../support/cli.js';
import { freshDataDir } from '../support/data-dirs.js';
import { pastWeekday } from '../support/expected.js';

const DATE = pastWeekday(3);
const NAME_PERMISSIONS = ['routing:queue:view', 'directory:user:view', 'routing:wrapupCode:view'] as const;

let emu: Emulator;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await buildEmulator({
    seed: 41,
    conversationsPerDay: 30,
    ratePerMinute: 100_000,
    batchJobDurationMs: { min: 100, max: 300 },
    missingPermissions: [...NAME_PERMISSIONS],
  });
  dataDir = await freshDataDir('ae-names-403-');
  // Two queues, the emulator's e-mail service, no rate limit to speak of.
  env = cliEnv(emu, dataDir, { LOG_LEVEL: 'warn' });
}, 120_000);

afterAll(async () => {
  await emu?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('names without the permissions to look them up', () => {
  it('the day succeeds with ids in the manifest and one warning that names the permissions', async () => {
    const res = await runCli(['run', '--date', DATE], env);
    expect(res.code, res.stderrText).toBe(0);
    expect(res.stdout).toMatch(
      new RegExp(`^${DATE}  SUCCESS  queues: ${emu.queueIds[0]}, ${emu.queueIds[1]}`),
    );
    const refused = emu.journal
      .entries()
      .filter((e) => /^\/api\/v2\/(users|routing\/)/.test(e.path))
      .map((e) => e.status);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set([403]));

    const warnings = res.records.filter((r) => r.level === 'warn');
    const aboutNames = warnings.filter((r) => String(r.msg).startsWith('names not looked up'));
    expect(aboutNames).toHaveLength(1);
    for (const p of NAME_PERMISSIONS) expect(String(aboutNames[0]!.msg)).toContain(p);

    const lines = (await readFile(path.join(dataDir, 'audio', DATE, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.status === 'downloaded').length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l.queueName).toBeNull();
      expect(l.queueNames.every((n: unknown) => n === null)).toBe(true);
      expect(l.agentManagerNames.every((n: unknown) => n === null)).toBe(true);
      expect(l.wrapUpNames.every((n: unknown) => n === null)).toBe(true);
      // What the call itself carries needs no lookup: the agents' names and the wrap-up codes.
      expect(l.agentNames.length).toBe(l.agentUserIds.length);
      expect(l.agentNames.every((n: unknown) => typeof n === 'string')).toBe(true);
    }
    expect(lines.some((l) => l.wrapUpCodes.length > 0)).toBe(true);
  }, 120_000);

  it('doctor warns on a "names" line with the permissions to grant, and still passes', async () => {
    const res = await runCli(['doctor', '--json'], env);
    const out = JSON.parse(res.stdout) as {
      ok: boolean;
      checks: { name: string; status: string; fix?: string }[];
    };
    const names = out.checks.find((c) => c.name === 'names');
    expect(names).toMatchObject({ status: 'warn' });
    for (const p of NAME_PERMISSIONS) expect(names!.fix).toContain(p);
    expect(res.code).toBe(0);
  }, 120_000);
});

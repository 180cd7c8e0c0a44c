// `audio-extract emulator` as a subprocess: prints the .env lines, serves, and stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatorCommand } from '../../src/cli/commands/emulator.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const dirs: string[] = [];
async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'emulator-cli-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function runCli(args: string[]) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('./src/cli/commands/emulator.ts').then(async (m) => { process.exitCode = await m.emulatorCommand(${JSON.stringify(args)}); })`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const printed = async (text: string) => {
    for (let i = 0; i < 300 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
    return out;
  };
  return { child, exited, printed };
}

describe('emulator command', () => {
  it('prints the URL, queue ids and env lines, serves requests, and exits 0 on SIGTERM', async () => {
    const dir = await newDir();
    const faults = join(dir, 'faults.json');
    await writeFile(faults, JSON.stringify([{ match: { path: '/api/v2/*' }, times: 1, status: 503 }]));
    const { child, exited, printed } = runCli([
      '--port',
      '0',
      '--seed',
      'cli',
      '--faults',
      faults,
      '--client-id',
      'me',
    ]);
    const out = await printed('Press Ctrl-C');
    const url = /GENESYS_CLOUD_BASE_URL=(\S+)/.exec(out)?.[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toContain('GENESYS_CLOUD_CLIENT_ID=me');
    expect(out).toContain('GENESYS_QUEUE_IDS=39988345-a7c5-4ce5-851e-334cb54efc79,');
    expect(out).toContain(`NOTIFY_URL=${url}/notify`);
    expect((await fetch(`${url}/emulator/health`)).status).toBe(200);
    expect((await fetch(`${url}/api/v2/anything`)).status).toBe(501);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('--profile production --tls: prints the download host and the CA file, and serves https', async () => {
    const dir = await newDir();
    const caFile = join(dir, 'ca.pem');
    const { child, exited, printed } = runCli([
      '--port',
      '0',
      '--profile',
      'production',
      '--tls-ca-file',
      caFile,
    ]);
    const out = await printed('Press Ctrl-C');
    expect(out).toContain('profile production');
    const url = /GENESYS_CLOUD_BASE_URL=(\S+)/.exec(out)?.[1] as string;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toMatch(/Downloads served from https:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain(`NODE_EXTRA_CA_CERTS=${caFile}`);
    const pem = await readFile(caFile, 'utf8');
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // This test process did not start with the CA: a request proves the server speaks TLS and is
    // refused on trust, not on protocol.
    const err = await fetch(`${url}/emulator/health`).then(
      () => undefined,
      (e: Error & { cause?: { code?: string } }) => e.cause?.code,
    );
    expect(err).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad profile, an unknown permission, a bad options file and a share above 1', async () => {
    await expect(emulatorCommand(['--profile', 'prod'])).rejects.toThrow(
      /--profile must be one of default, production/,
    );
    await expect(emulatorCommand(['--missing-permissions', 'recording:everything'])).rejects.toThrow(
      /unknown permission/,
    );
    await expect(emulatorCommand(['--rate-limit-scope', 'org'])).rejects.toThrow(/client or token/);
    const dir = await newDir();
    const options = join(dir, 'options.json');
    await writeFile(options, JSON.stringify({ now: 1 }));
    await expect(emulatorCommand(['--options', options])).rejects.toThrow(/"now", which is not a knob/);
    await writeFile(options, JSON.stringify({ redirectShare: 2 }));
    await expect(emulatorCommand(['--options', options, '--port', '0'])).rejects.toThrow(
      /redirectShare must be within 0..1/,
    );
  });

  it('explains a missing or invalid faults file and bad flags', async () => {
    await expect(emulatorCommand(['--faults', '/nonexistent/faults.json'])).rejects.toThrow(/cannot read/);
    const dir = await newDir();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"match": {}}');
    await expect(emulatorCommand(['--faults', bad])).rejects.toThrow(/JSON array/);
    await writeFile(bad, '[{"status": 503}]');
    await expect(emulatorCommand(['--faults', bad])).rejects.toThrow(/rule #0/);
    await expect(emulatorCommand(['--port', 'abc'])).rejects.toThrow(/--port/);
    await expect(emulatorCommand(['--bogus'])).rejects.toThrow(/bogus/);
  });
});

// Flags: a flag a command does not know is bad usage (exit 2 and that command's usage) for every
// command, and `serve` listens where --host/--port say. The CLI runs as a subprocess, as a user runs it.

import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { freshDataDir } from '../support/data-dirs.js';

const COMMANDS = ['run', 'status', 'demo', 'doctor', 'serve', 'worker', 'emulator'];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('command-line flags', () => {
  it.each(COMMANDS)(
    '`%s --no-such-flag` is bad usage: exit 2, the flag named, then the usage',
    async (cmd) => {
      const res = await runCli([cmd, '--no-such-flag'], { DATA_DIR: '/nonexistent/never-created' });
      expect(res.code).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain(`audio-extract: ${cmd}: Unknown option '--no-such-flag'`);
      expect(res.stderr).toMatch(new RegExp(`Usage:\\s+audio-extract ${cmd}`));
      expect(res.stderr).not.toMatch(/unexpected error|\n\s+at /);
    },
  );

  it('a flag without its value and a stray argument are bad usage too', async () => {
    const missing = await runCli(['run', '--date'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run: Option '--date <value>' argument missing/);
    const stray = await runCli(['status', 'yesterday'], {});
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/status: Unexpected argument 'yesterday'/);
  });

  it('`serve --port N` listens on that port (and --host on that interface)', async () => {
    const dir = await freshDataDir('ae-serve-port-');
    dirs.push(dir);
    const port = await freePort();
    const serve = spawnCli(['serve', '--no-schedule', '--host', '127.0.0.1', '--port', String(port)], {
      GENESYS_CLOUD_BASE_URL: 'http://127.0.0.1:9',
      GENESYS_CLOUD_CLIENT_ID: 'x',
      GENESYS_CLOUD_CLIENT_SECRET: 'y',
      GENESYS_QUEUE_IDS: '39988345-a7c5-4ce5-851e-334cb54efc79',
      DATA_DIR: dir,
      PORT: '1', // the flag wins over the variable
      LOG_LEVEL: 'warn',
    });
    try {
      let body: unknown;
      for (let i = 0; i < 600 && body === undefined; i++) {
        body = await fetch(`http://127.0.0.1:${port}/healthz`)
          .then((r) => r.json())
          .catch(() => undefined);
        if (body === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(body).toMatchObject({ status: 'ok' });
    } finally {
      serve.child.kill('SIGTERM');
      const exit = await serve.done;
      expect(exit.stdout).toContain(`listening on http://127.0.0.1:${port}`);
    }
  }, 120_000);

  it('`serve --port` with something other than a port number names the flag', async () => {
    const res = await runCli(['serve', '--port', 'eighty'], {});
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('serve: --port "eighty" must be a port number from 0 to 65535');
  });
});

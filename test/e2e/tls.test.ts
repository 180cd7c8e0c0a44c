// The CLI against the emulator's TLS mode, as README describes it: the emulator writes its CA to a file,
// the CLI is started with NODE_EXTRA_CA_CERTS pointing at it and GENESYS_CLOUD_BASE_URL=https://…, and
// a whole day runs over https, downloads on the second host and behind redirects included.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, type Emulator } from '../../src/emulator/index.js';
import { type CliExit, emulatorEnv, runCli, sha256 } from '../support/cli.js';
import { dataDirTemplate, freshDataDir } from '../support/data-dirs.js';
import { pastWeekday } from '../support/expected.js';

const DATE = pastWeekday(4);

describe('a run over TLS', () => {
  let emu: Emulator;
  let template: string;
  let dir: string;
  let trusted: CliExit;
  let untrusted: CliExit;

  beforeAll(async () => {
    emu = await buildEmulator({
      seed: 'tls',
      tls: true,
      conversationsPerDay: 60,
      ratePerMinute: 100_000,
      separateDownloadHost: true,
      redirectShare: 0.3,
      codecs: { ogg: 1, webm: 1, wav: 1 },
    });
    template = await dataDirTemplate();
    dir = await freshDataDir('ae-tls-', template);
    const env = emulatorEnv(emu, dir, { NODE_EXTRA_CA_CERTS: emu.tls!.caFile });
    trusted = await runCli(['run', '--date', DATE], env);
    const { NODE_EXTRA_CA_CERTS: _, ...withoutCa } = env;
    untrusted = await runCli(['run', '--date', DATE], { ...withoutCa, DATA_DIR: `${dir}-untrusted` });
  }, 3 * 60_000);

  afterAll(async () => {
    await emu?.close();
    await Promise.all(
      [template, dir, `${dir}-untrusted`].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })),
    );
  });

  it('serves https on both hosts', () => {
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.downloadUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.downloadUrl).not.toBe(emu.url);
  });

  it('with NODE_EXTRA_CA_CERTS the day is extracted, redirects and all', async () => {
    expect(trusted.code, trusted.stderrText).toBe(0);
    const lines = (await readFile(join(dir, 'audio', DATE, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; file: string; recordingId: string });
    const downloaded = lines.filter((l) => l.status === 'downloaded');
    expect(downloaded.length).toBeGreaterThan(20);
    for (const l of downloaded) {
      const bytes = await readFile(join(dir, 'audio', DATE, l.file));
      expect(sha256(bytes)).toBe(sha256(emu.dataset.audioOf(l.recordingId).bytes));
    }
  });

  it('without it the run stops at once with the certificate error and the fix, not a crash', () => {
    expect(untrusted.code).toBe(1);
    const said = untrusted.stdout + untrusted.stderr;
    expect(said).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(said).toMatch(/is not trusted; for a private CA .* start with NODE_EXTRA_CA_CERTS/);
    expect(untrusted.stderrText).not.toMatch(/^\s+at /m);
    // not asked again 8 times with back-off (each retry is a warning in the log)
    expect(untrusted.records.filter((r) => r.msg === 'genesys request will be retried')).toEqual([]);
  });
});

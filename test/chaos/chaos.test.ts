// A bad night on Genesys Cloud (test/support/chaos.ts at a size that fits CI): 429s with Retry-After, 503s,
// resets, answers slower than HTTP_TIMEOUT_MS, tokens that expire every few seconds, stalled batch jobs,
// expired result URLs and truncated audio. What a user would notice if this failed: a recording missing
// from disk, a wrong file, a missing reason in the manifest, or a crash.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosReport, formatChaos, runChaos } from '../support/chaos.js';
import { errorsLogged } from '../support/cli.js';
import { dataDirTemplate } from '../support/data-dirs.js';

describe('a day of injected faults', () => {
  let template: string;
  let report: ChaosReport;
  /** What a failure shows besides the assertion (the faults are random). */
  const runLog = () => `${formatChaos(report)}\n${errorsLogged(report.exit)}`;

  beforeAll(async () => {
    template = await dataDirTemplate();
    report = await runChaos({
      conversations: 100,
      seed: 5,
      tokenTtlSeconds: 5,
      stallTimeoutSeconds: 5,
      httpTimeoutMs: 2_000,
      stuckJobs: 2,
      batchSize: 20,
      template,
    });
    process.stdout.write(`${formatChaos(report)}\n`);
  }, 20 * 60_000);

  afterAll(async () => {
    if (template) await rm(template, { recursive: true, force: true });
  });

  it('injected every kind of fault the night is made of', () => {
    const kinds = Object.keys(report.injected);
    for (const k of ['status:429', 'status:503', 'reset', 'slow', 'truncate', 'stuckJob'])
      expect(kinds).toContain(k);
    expect(report.tokensIssued).toBeGreaterThan(1);
  });

  it('finishes with exit 0, a summary, one e-mail and no unhandled error', () => {
    expect(report.exit.code, runLog()).toBe(0);
    expect(report.exit.stderrText).toBe('');
    expect(report.problems.filter((p) => /exited|SUCCESS|unhandled|stderr|notifications/.test(p))).toEqual(
      [],
    );
  });

  it('puts every downloadable recording on disk with the right sha256, and no *.part', () => {
    expect(
      report.problems.filter((p) => /disk|hash|leftover/.test(p)),
      runLog(),
    ).toEqual([]);
    expect(report.downloadedOk).toBe(report.expected.downloadable.size);
    expect(report.downloadedOk).toBeGreaterThan(40);
  });

  it('reports every other recording in the manifest with its reason, none failed', () => {
    expect(report.problems, runLog()).toEqual([]);
    for (const l of report.output.lines) if (l.status !== 'downloaded') expect(l.reason).toBeTruthy();
  });

  it('submitted again, in the same run, a batch whose submission was reset', () => {
    expect(report.injected.reset?.['batch-submit']).toBeGreaterThan(0);
    expect(
      report.exit.records.some(
        (r) => r.msg === 'batch submission failed; it is submitted again after the other batches',
      ),
    ).toBe(true);
    expect(
      report.output.lines.filter((l) => l.status === 'pending'),
      runLog(),
    ).toEqual([]);
  });

  it('gave up on the stalled jobs and re-requested their recordings', () => {
    expect(report.survived.stalledJobs).toBeGreaterThan(0);
    expect(report.survived.duplicateItemSubmissions).toBeGreaterThan(0);
  });
});

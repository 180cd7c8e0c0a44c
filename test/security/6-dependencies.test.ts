// Security item 6 (issue 14): dependencies. The static-file server is past its 2026 advisories, the lock
// file installs without an engine warning on Node 20 and 24, CI's audit gate fails on a high advisory and
// only then, and API_TOKEN is long enough to be a secret.
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { auditVerdict } from '../../scripts/audit-gate.mjs';
import { parseConfig } from '../../src/config/schema.js';

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

describe('item 6: dependencies', () => {
  it('@fastify/static is 10.1.3 or later (GHSA-83w8-p2f5-377r, GHSA-423g-23ch-w7c6, GHSA-8pvw-jcv7-9cmj)', () => {
    const { version } = readJson('node_modules/@fastify/static/package.json') as { version: string };
    expect(semver.gte(version, '10.1.3'), version).toBe(true);
  });

  it('every package the lock file installs accepts Node 20.19 and Node 24 (no EBADENGINE on `npm ci`)', () => {
    const lock = readJson('package-lock.json') as {
      packages: Record<
        string,
        { engines?: { node?: string } | string[]; optional?: boolean; version?: string }
      >;
    };
    const refused: string[] = [];
    for (const [where, pkg] of Object.entries(lock.packages)) {
      const range = !Array.isArray(pkg.engines) ? pkg.engines?.node : undefined;
      if (!where || !range) continue;
      // Optional platform packages (esbuild's other targets, fsevents) are not installed here.
      if (pkg.optional) continue;
      for (const node of ['20.19.0', '24.0.0']) {
        if (!semver.satisfies(node, range))
          refused.push(`${where}@${pkg.version} wants node ${range}, not ${node}`);
      }
    }
    expect(refused).toEqual([]);
  });

  const report = (vulns: Record<string, string>) =>
    JSON.stringify({
      auditReportVersion: 2,
      vulnerabilities: Object.fromEntries(
        Object.entries(vulns).map(([name, severity]) => [name, { name, severity, fixAvailable: true }]),
      ),
      metadata: {
        vulnerabilities: {
          info: 0,
          low: Object.values(vulns).filter((s) => s === 'low').length,
          moderate: Object.values(vulns).filter((s) => s === 'moderate').length,
          high: Object.values(vulns).filter((s) => s === 'high').length,
          critical: Object.values(vulns).filter((s) => s === 'critical').length,
          total: Object.keys(vulns).length,
        },
      },
    });
  // What this machine's registry answered on 2026-12-05 (the audit endpoint is not served here).
  const answered405 = JSON.stringify({
    message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    statusCode: 405,
    error: { summary: '', detail: '' },
  });

  it.each([
    ['no advisory', report({}), '', 'pass', /no high or critical/],
    ['low and moderate only', report({ a: 'low', b: 'moderate' }), '', 'pass', /\(2 lower\)/],
    [
      'a high advisory',
      report({ '@fastify/static': 'high', b: 'low' }),
      '',
      'fail',
      /@fastify\/static \(high/,
    ],
    ['a critical advisory', report({ axios: 'critical' }), '', 'fail', /axios \(critical/],
    ['the endpoint answers 405', answered405, '', 'unknown', /could not ask.*405 Method Not Allowed/],
    ['no network', '', 'npm error code ENOTFOUND\nnpm error network', 'unknown', /could not ask.*ENOTFOUND/],
    ['nothing at all', '', '', 'unknown', /could not ask.*no answer/],
  ] as const)('the CI audit gate: %s', (_what, stdout, stderr, verdict, says) => {
    const out = auditVerdict(stdout, stderr);
    expect(out.verdict).toBe(verdict);
    expect(out.message).toMatch(says);
  });

  it('API_TOKEN must have at least 32 characters', () => {
    expect(() => parseConfig({ API_TOKEN: 'x'.repeat(31) })).toThrow(/API_TOKEN .*at least 32 characters/);
    expect(parseConfig({ API_TOKEN: 'x'.repeat(32) }).API_TOKEN).toHaveLength(32);
  });
});

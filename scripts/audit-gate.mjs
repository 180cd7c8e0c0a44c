#!/usr/bin/env node
// CI gate on known advisories in production dependencies: runs `npm audit --omit=dev --json` and fails
// when the registry reports a high or critical advisory. When the audit endpoint cannot be asked (no
// network, a registry or mirror without the endpoint: this machine's answers 405), it says so and passes:
// an unanswered question is not a finding, and the log line keeps it visible.
//
//   node scripts/audit-gate.mjs        (used by .ci/run)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FAILING = ['high', 'critical'];

/**
 * What to make of one `npm audit --json` answer. Pure, so it is tested as a table.
 * @param {string} stdout the JSON npm printed (may be empty when npm failed early)
 * @param {string} stderr npm's own messages
 * @returns {{ verdict: 'pass' | 'fail' | 'unknown', message: string }}
 */
export function auditVerdict(stdout, stderr = '') {
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    report = undefined;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (!counts || typeof counts !== 'object') {
    const why =
      report?.message ??
      report?.error?.summary ??
      stderr
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l !== '') ??
      'no answer';
    return {
      verdict: 'unknown',
      message: `npm audit: could not ask the registry's audit endpoint (${String(why).slice(0, 200)}); advisories NOT checked`,
    };
  }
  const serious = Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => FAILING.includes(v?.severity))
    .map(([name, v]) => `${name} (${v.severity}${v.fixAvailable ? ', fix available' : ''})`);
  const total = FAILING.reduce((n, s) => n + (Number(counts[s]) || 0), 0);
  if (total > 0 || serious.length > 0) {
    return {
      verdict: 'fail',
      message: `npm audit: ${total || serious.length} high or critical advisories in production dependencies: ${serious.join(', ')}`,
    };
  }
  const others = Number(counts.total) || 0;
  return {
    verdict: 'pass',
    message: `npm audit: no high or critical advisory in production dependencies${others ? ` (${others} lower)` : ''}`,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const { verdict, message } = auditVerdict(
    run.stdout ?? '',
    `${run.error?.message ?? ''}\n${run.stderr ?? ''}`,
  );
  console.log(message);
  process.exit(verdict === 'fail' ? 1 : 0);
}

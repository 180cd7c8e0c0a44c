// Types for scripts/audit-gate.mjs (plain JavaScript so CI runs it without a compiler).
export function auditVerdict(
  stdout: string,
  stderr?: string,
): { verdict: 'pass' | 'fail' | 'unknown'; message: string };

// What a command gives back: its exit code, and human-readable lines for the terminal (machine-readable
// output is the --json shape instead).
import { isAbsolute, relative } from 'node:path';
import { formatDuration } from '../notify/index.js';
import type { DayOutcome } from '../pipeline/run.js';

/** 0 ok, 1 the run failed or left failures, 2 bad usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A path under the working directory relative to it; anything else (an s3:// URL) as it is. */
function shortPath(where: string): string {
  if (!isAbsolute(where)) return where;
  const rel = relative(process.cwd(), where);
  return rel.startsWith('..') ? where : rel;
}

/** A queue as a person reads it: its name where known (--json keeps the ids). */
function queueLabel(id: string, names: Readonly<Record<string, string>>): string {
  return names[id] ?? id;
}

export function formatOutcome(o: DayOutcome): string {
  const names = o.summary?.queueNames ?? {};
  const lines = [
    `${o.processDate}  ${o.status}  queues: ${o.queueIds.map((q) => queueLabel(q, names)).join(', ')}`,
  ];
  if (o.summary) {
    const s = o.summary;
    const by = Object.entries(s.byStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `  conversations ${s.conversations}, recordings ${s.recordings}${by ? ` (${by})` : ''}, handle time ${formatDuration(s.totalDurationMs)}`,
    );
    if (o.transfer) {
      lines.push(
        `  batches ${o.transfer.batches}, submitted ${o.transfer.submitted}, downloaded now ${o.transfer.downloaded}`,
      );
    }
    for (const f of s.failures.slice(0, 5)) lines.push(`  not downloaded: ${f.count} × ${f.reason}`);
    lines.push(`  manifest: ${shortPath(s.manifest)} (and manifest.csv, _SUCCESS)`);
  }
  for (const q of o.emptyQueues)
    lines.push(
      `  warning: queue ${q}${names[q] ? ` (${names[q]})` : ''} had no agent-handled conversation that day`,
    );
  if (o.error) lines.push(`  error: ${o.error}`);
  lines.push(`  notification: ${o.notified ? 'sent' : 'not sent'}`);
  return `${lines.join('\n')}\n`;
}

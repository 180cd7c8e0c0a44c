// What `status` shows: runs (per date and queue, with the queue's name) and batches, read from the
// database; or, while another process holds the embedded database, the live view it keeps in its
// status snapshot (status-snapshot.ts). One shape for both, documented in README ("status --json").
import { batchesOf } from '../store/batches.js';
import type { Db } from '../store/db.js';
import { queueNames } from '../store/directory-names.js';
import { listRunsWithProgress, progressOf, type RunProgress } from '../store/queries-runs.js';
import { listRuns, runRowJson } from '../store/runs.js';

export type StatusRun = ReturnType<typeof runRowJson> & { progress?: RunProgress };

export interface StatusBatch {
  processDate: string;
  id: number;
  jobId: string | null;
  status: string;
  items: number;
  submissions: number;
  error: string | null;
  submittedAt: string | null;
  completedAt: string | null;
}

export interface StatusJson {
  /** only in a live view: the process that holds the database, and when it wrote what follows */
  live?: { pid: number; command: string; writtenAt: string };
  runs: StatusRun[];
  batches: StatusBatch[];
  /** where each date's files are (a directory, or an s3:// URL) */
  days?: { processDate: string; location: string }[];
}

async function batchesOfDates(db: Db, dates: readonly string[]): Promise<StatusBatch[]> {
  const rows = (await Promise.all(dates.map((d) => batchesOf(db, d)))).flat();
  return rows.map((b) => ({
    processDate: b.processDate,
    id: b.id,
    jobId: b.jobId,
    status: b.status,
    items: b.items,
    submissions: b.submissions,
    error: b.error,
    submittedAt: b.submittedAt?.toISOString() ?? null,
    completedAt: b.completedAt?.toISOString() ?? null,
  }));
}

/**
 * Every run (or one date's), newest date first, and their dates' batches. A run still RUNNING (another
 * worker on PostgreSQL is on it, or one that died) has its live progress too.
 */
export async function statusOf(db: Db, date?: string): Promise<StatusJson> {
  const runs = await listRuns(db, date ? { from: date, to: date } : {});
  const names = await queueNames(db, [...new Set(runs.map((r) => r.queueId))]);
  const dates = [...new Set(runs.map((r) => r.processDate))];
  const running = [...new Set(runs.filter((r) => r.status === 'RUNNING').map((r) => r.processDate))];
  const progress = await progressOf(db, running);
  return {
    runs: runs.map((r) => {
      const p = r.status === 'RUNNING' ? progress.get(`${r.processDate}|${r.queueId}`) : undefined;
      return { ...runRowJson(r, names), ...(p ? { progress: p } : {}) };
    }),
    batches: await batchesOfDates(db, dates),
  };
}

/**
 * The dates being worked right now: every run of a date that has one RUNNING, with live progress
 * (recordings by state), and their batches. Small whatever the history, so it can be taken every few
 * seconds during a run.
 */
export async function liveStatusOf(db: Db): Promise<StatusJson> {
  const running = await listRuns(db, { status: 'RUNNING' });
  const dates = [...new Set(running.map((r) => r.processDate))].sort().reverse();
  const runs = (
    await Promise.all(dates.map((d) => listRunsWithProgress(db, { from: d, to: d, limit: 1_000 })))
  ).flat();
  const names = await queueNames(db, [...new Set(runs.map((r) => r.queueId))]);
  return {
    runs: runs.map((r) => ({ ...runRowJson(r, names), progress: r.progress })),
    batches: await batchesOfDates(db, dates),
  };
}

function progressText(p: RunProgress): string {
  const states = Object.entries(p.byState)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `recordings ${p.done}/${p.total} done${states ? ` (${states})` : ''}, conversations ${p.conversations}`;
}

/** The human-readable lines (queue names where known; --json has the ids). */
export function formatStatus(out: StatusJson, now: number): string {
  const lines: string[] = [];
  if (out.live) {
    const age = Math.max(0, Math.round((now - Date.parse(out.live.writtenAt)) / 1000));
    lines.push(
      `The database is in use by \`${out.live.command}\` (pid ${out.live.pid}): live progress from its status ` +
        `snapshot, ${age} s old. Run status again when it has finished for the whole history.`,
      '',
    );
    if (out.runs.length === 0) lines.push('No day is running right now.');
  } else if (out.runs.length === 0) {
    lines.push('No runs recorded yet.');
  }
  for (const r of out.runs) {
    const queue = r.queueName ?? r.queueId;
    const counts = Object.entries(r.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const detail = r.status === 'RUNNING' && r.progress ? progressText(r.progress) : counts;
    lines.push(
      `${r.processDate}  ${queue}  ${r.status}  attempts ${r.attempts}  ${detail}${r.error ? `  error: ${r.error}` : ''}`,
    );
  }
  for (const d of [...new Set(out.runs.map((r) => r.processDate))]) {
    const location = out.days?.find((x) => x.processDate === d)?.location;
    lines.push('');
    if (location) lines.push(`${d} files: ${location}`);
    const bs = out.batches.filter((b) => b.processDate === d);
    if (bs.length === 0) continue;
    lines.push(`${d} batches:`);
    for (const b of bs) {
      lines.push(
        `  #${b.id}  ${b.jobId ?? '(not submitted)'}  ${b.status}  ${b.items} items${b.error ? `  ${b.error}` : ''}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

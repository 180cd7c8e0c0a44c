// DATA_DIRs for CLI runs (a template database copied instead of created each time) and snapshots of
// what a run left in one: the date's output folder and the rows that say what was extracted.
import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asc } from 'drizzle-orm';
import { createLogger } from '../../src/lib/logger.js';
import { startJobQueue } from '../../src/scheduler/job-queue.js';
import { DAY_FILES } from '../../src/storage/index.js';
import { openDb } from '../../src/store/db.js';
import { batches, conversations, notifications, recordings, runs } from '../../src/store/schema.js';
import { sha256 } from './cli.js';

/** An audio file of a day folder: not one of the day files (manifest, CSV, marker), not a temporary file. */
export function isAudioFile(name: string): boolean {
  return (
    !(DAY_FILES as readonly string[]).includes(name) && !name.endsWith('.part') && !name.endsWith('.tmp')
  );
}

export interface OutputSnapshot {
  manifest: string;
  /** manifest.csv and _SUCCESS, as text ('' when absent). */
  csv: string;
  marker: string;
  lines: Record<string, unknown>[];
  /** audio file name → sha256 */
  files: Map<string, string>;
  /** names under DATA_DIR/audio that are not final files (*.part, *.tmp) */
  leftovers: string[];
}

/** The date folder: the day files' text, every audio file's hash, and leftovers anywhere under DATA_DIR/audio. */
export async function snapshotOutput(dataDir: string, date: string): Promise<OutputSnapshot> {
  const dir = path.join(dataDir, 'audio', date);
  const text = (name: string) => readFile(path.join(dir, name), 'utf8').catch(() => '');
  const [manifest, csv, marker] = await Promise.all([
    text('manifest.jsonl'),
    text('manifest.csv'),
    text('_SUCCESS'),
  ]);
  const files = new Map<string, string>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!isAudioFile(name)) continue;
    files.set(name, sha256(await readFile(path.join(dir, name))));
  }
  const leftovers: string[] = [];
  const all = await readdir(path.join(dataDir, 'audio'), { recursive: true }).catch(() => [] as string[]);
  for (const f of all) if (f.endsWith('.part') || f.endsWith('.tmp')) leftovers.push(f);
  const lines = manifest
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { manifest, csv, marker, lines, files, leftovers };
}

/** What a run cost in Genesys requests: how often it was killed and resumed changes it, not the outcome. */
const COST_FIGURES = new Set(['apiCalls', 'apiRateLimited', 'apiRetries']);

/**
 * The rows that say what was extracted, without volatile columns (timestamps, attempts, batch ids, the
 * API-call figures in the runs' counts).
 */
export async function snapshotDb(dataDir: string) {
  const handle = await openDb({ dataDir });
  try {
    const { db } = handle;
    const recs = await db
      .select({
        conversationId: recordings.conversationId,
        recordingId: recordings.recordingId,
        processDate: recordings.processDate,
        media: recordings.media,
        fileState: recordings.fileState,
        state: recordings.state,
        reason: recordings.reason,
        file: recordings.file,
        bytes: recordings.bytes,
        sha256: recordings.sha256,
        contentType: recordings.contentType,
      })
      .from(recordings)
      .orderBy(asc(recordings.conversationId), asc(recordings.recordingId));
    const convs = await db
      .select({
        conversationId: conversations.conversationId,
        processDate: conversations.processDate,
        queueId: conversations.queueId,
        queueIds: conversations.queueIds,
        agentUserIds: conversations.agentUserIds,
        conversationStart: conversations.conversationStart,
        conversationEnd: conversations.conversationEnd,
        durationMs: conversations.durationMs,
        direction: conversations.direction,
        state: conversations.state,
        recorded: conversations.recorded,
        lookedUp: conversations.lookedUp,
      })
      .from(conversations)
      .orderBy(asc(conversations.conversationId));
    const runRows = await db
      .select({
        processDate: runs.processDate,
        queueId: runs.queueId,
        status: runs.status,
        counts: runs.counts,
      })
      .from(runs)
      .orderBy(asc(runs.processDate), asc(runs.queueId));
    const mails = await db
      .select({
        processDate: notifications.processDate,
        status: notifications.status,
        payload: notifications.payload,
      })
      .from(notifications)
      .orderBy(asc(notifications.id));
    const batchRows = await db
      .select({
        jobId: batches.jobId,
        status: batches.status,
        items: batches.items,
        submissions: batches.submissions,
        error: batches.error,
      })
      .from(batches)
      .orderBy(asc(batches.id));
    return {
      recordings: recs,
      conversations: convs,
      runs: runRows.map((r) => ({
        ...r,
        counts: Object.fromEntries(Object.entries(r.counts).filter(([k]) => !COST_FIGURES.has(k))),
      })),
      notifications: mails,
      batches: batchRows,
    };
  } finally {
    await handle.close();
  }
}

/**
 * A DATA_DIR whose embedded database is already created and migrated (job queue schema included).
 * Creating one costs ~10 s of CPU (PGlite's initdb); the harnesses copy one template instead.
 */
export async function dataDirTemplate(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ae-template-'));
  const handle = await openDb({ dataDir: dir });
  try {
    const queue = await startJobQueue(handle, createLogger({ level: 'silent' }));
    await queue.stop();
  } finally {
    await handle.close();
  }
  return dir;
}

export async function freshDataDir(prefix: string, template?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  if (template) await cp(path.join(template, 'db'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

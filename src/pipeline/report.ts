// Stage 6: write DATA_DIR/audio/<date>/manifest.jsonl from the database (the single source of truth)
// and compute the day's counts. Conversations with no downloadable recording yet get a line too, so
// the transcription stage sees what is missing and why.

import { audioDir, type ManifestLine, writeManifest } from '../storage/index.js';
import { recordingsWithConversations } from '../store/recordings.js';
import type { PipelineDeps } from './deps.js';

export interface DaySummary {
  processDate: string;
  manifest: string;
  conversations: number;
  recordings: number;
  byStatus: Record<string, number>;
  /** counts per queue id: conversations, recordings, and recordings by manifest status */
  byQueue: Record<string, Record<string, number>>;
  totalDurationMs: number;
  failures: { reason: string; count: number }[];
}

type Row = Awaited<ReturnType<typeof recordingsWithConversations>>[number];

function lineStatus(r: Row): Pick<ManifestLine, 'status' | 'reason'> {
  if (r.conversationState === 'not_ready') {
    return { status: 'pending', reason: 'conversation still in wrap-up in Genesys; a later run picks it up' };
  }
  if (!r.recordingId) {
    if (!r.recorded) return { status: 'unavailable', reason: 'conversation was not recorded' };
    if (!r.lookedUp) return { status: 'pending', reason: 'recordings not looked up yet' };
    return { status: 'unavailable', reason: 'no audio recording found for the conversation' };
  }
  switch (r.state) {
    case 'downloaded':
      return { status: 'downloaded', reason: null };
    case 'unavailable':
      return { status: 'unavailable', reason: r.reason };
    case 'failed':
      return { status: 'failed', reason: r.reason };
    case 'waiting':
      return { status: 'pending', reason: r.reason };
    default:
      return { status: 'pending', reason: r.reason ?? 'download not finished' };
  }
}

export async function report(deps: PipelineDeps, processDate: string): Promise<DaySummary> {
  // Every stage logs where it starts, so a run that died can be placed from its log (docs/reliability.md).
  deps.logger.info({ stage: 'report', processDate }, 'writing the manifest');
  const rows = await recordingsWithConversations(deps.db, processDate);
  const lines: ManifestLine[] = [];
  const conversations = new Set<string>();
  const byStatus: Record<string, number> = {};
  const byQueue: Record<string, Record<string, number>> = {};
  const failures = new Map<string, number>();
  let totalDurationMs = 0;
  for (const r of rows) {
    const q = byQueue[r.queueId] ?? { conversations: 0, recordings: 0 };
    byQueue[r.queueId] = q;
    if (!conversations.has(r.conversationId)) {
      conversations.add(r.conversationId);
      totalDurationMs += r.durationMs ?? 0;
      q.conversations = (q.conversations ?? 0) + 1;
    }
    // A not-recorded conversation is not a recording: it is counted, but gets no manifest line; nor
    // does a conversation-wide request once its recordings have rows of their own.
    if (!r.recordingId && !r.recorded && r.conversationState === 'ready') continue;
    if (r.state === 'expanded') continue;
    const s = lineStatus(r);
    lines.push({
      conversationId: r.conversationId,
      recordingId: r.recordingId ?? null,
      queueId: r.queueId,
      queueIds: r.queueIds,
      agentUserIds: r.agentUserIds,
      conversationStart: r.conversationStart,
      conversationEnd: r.conversationEnd,
      durationMs: r.durationMs,
      direction: r.direction,
      contentType: r.contentType,
      file: r.state === 'downloaded' ? r.file : null,
      bytes: r.state === 'downloaded' ? r.bytes : null,
      sha256: r.state === 'downloaded' ? r.sha256 : null,
      ...s,
    } as ManifestLine);
    byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    if (r.recordingId) q.recordings = (q.recordings ?? 0) + 1;
    q[s.status] = (q[s.status] ?? 0) + 1;
    if (s.status !== 'downloaded' && s.reason) failures.set(s.reason, (failures.get(s.reason) ?? 0) + 1);
  }
  const dir = audioDir(deps.config.DATA_DIR, processDate);
  const manifest = await writeManifest(dir, lines);
  return {
    processDate,
    manifest,
    conversations: conversations.size,
    recordings: lines.filter((l) => l.recordingId).length,
    byStatus,
    byQueue,
    totalDurationMs,
    failures: [...failures].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
  };
}

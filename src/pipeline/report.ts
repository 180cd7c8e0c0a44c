// Stage 6: publish the day's manifest.jsonl, manifest.csv and _SUCCESS beside its audio from the
// database (the single source of truth) and compute the day's counts. Conversations with no
// downloadable recording yet get a line too, so the transcription stage sees what is missing and why.

import type { ManifestLine } from '../storage/index.js';
import { dayRows } from '../store/recordings.js';
import type { PipelineDeps } from './deps.js';
import { type DayNames, NO_NAMES, namedFields } from './names.js';

export interface DaySummary {
  processDate: string;
  /** Where the manifest is: a path, or an s3:// URL. */
  manifest: string;
  conversations: number;
  recordings: number;
  byStatus: Record<string, number>;
  /** counts per queue id: conversations, recordings, and recordings by manifest status */
  byQueue: Record<string, Record<string, number>>;
  /** the names of the day's queues that are known, by id */
  queueNames: Record<string, string>;
  totalDurationMs: number;
  failures: { reason: string; count: number }[];
}

type Row = ReturnType<typeof dayRows> extends AsyncGenerator<infer R> ? R : never;

function lineStatus(r: Row): Pick<ManifestLine, 'status' | 'reason'> {
  if (r.conversationState === 'not_ready') {
    return { status: 'pending', reason: 'conversation still in wrap-up in Genesys; a later run picks it up' };
  }
  // A conversation with no row of its own (a conversation-wide row has a state: see below).
  if (r.state === null) {
    if (r.recorded === false) return { status: 'unavailable', reason: 'conversation was not recorded' };
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

/**
 * A conversation that has no recording to report: not recorded (its sessions say so, or they say
 * nothing and Genesys lists no recording). It is counted, but gets no manifest line.
 */
const unrecorded = (r: Row): boolean =>
  r.state === null &&
  r.conversationState === 'ready' &&
  (r.recorded === false || (r.recorded === null && r.lookedUp));

export async function report(
  deps: PipelineDeps,
  processDate: string,
  /** the day's names (names.ts); without them the name fields are null */
  names: DayNames = NO_NAMES,
): Promise<DaySummary> {
  // Every stage logs where it starts, so a run that died can be placed from its log (docs/reliability.md).
  deps.logger.info({ stage: 'report', processDate }, 'writing the manifest');
  // Streamed: rows are read a page at a time and each line is written as it is made, so memory does not
  // grow with the size of the day. Rows come grouped by conversation, so counting them needs no set.
  let conversations = 0;
  let lastConversation: string | undefined;
  const byStatus: Record<string, number> = {};
  const byQueue: Record<string, Record<string, number>> = {};
  const failures = new Map<string, number>();
  let totalDurationMs = 0;
  let recordingLines = 0;
  async function* lines(): AsyncGenerator<ManifestLine> {
    for await (const r of dayRows(deps.db, processDate)) {
      const q = byQueue[r.queueId] ?? { conversations: 0, recordings: 0 };
      byQueue[r.queueId] = q;
      if (r.conversationId !== lastConversation) {
        lastConversation = r.conversationId;
        conversations++;
        totalDurationMs += r.durationMs ?? 0;
        q.conversations = (q.conversations ?? 0) + 1;
      }
      if (unrecorded(r)) continue;
      const s = lineStatus(r);
      byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
      if (r.recordingId) {
        recordingLines++;
        q.recordings = (q.recordings ?? 0) + 1;
      }
      q[s.status] = (q[s.status] ?? 0) + 1;
      if (s.status !== 'downloaded' && s.reason) failures.set(s.reason, (failures.get(s.reason) ?? 0) + 1);
      yield {
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
        // Numbers stored while the setting was on are not written once it is off.
        ...namedFields(deps.config.MANIFEST_ANI_DNIS ? r : { ...r, ani: null, dnis: null }, names),
      } as ManifestLine;
    }
  }
  const published = await deps.storage.publishDay(processDate, lines());
  return {
    processDate,
    manifest: published.manifest,
    conversations,
    recordings: recordingLines,
    byStatus,
    byQueue,
    queueNames: Object.fromEntries(names.queues),
    totalDurationMs,
    failures: [...failures].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
  };
}

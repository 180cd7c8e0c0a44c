// What the pipeline needs to know about one analytics conversation, read from the Genesys shape
// (spec §3.5-§3.7): metrics live on sessions, tHandle is in ms and only appears once wrap-up ends, a
// conversation may have several agents, and absent fields mean "none".
import type { AnalyticsConversation, RecordingMetadata } from '../contracts/genesys.js';

export interface ConversationFacts {
  conversationId: string;
  conversationStart: string;
  conversationEnd: string | null;
  direction: string | null;
  /** every queue a segment of the conversation touched, in order of appearance */
  queueIds: string[];
  agentUserIds: string[];
  hasAgent: boolean;
  /** sum of tHandle over the agent sessions (ms); null while no agent session has one */
  durationMs: number | null;
  /** false while Genesys is still finishing it (no conversationEnd, or agents still in wrap-up) */
  ready: boolean;
  /** some session says an audio recording was started */
  recorded: boolean;
}

export function conversationFacts(c: AnalyticsConversation): ConversationFacts {
  const queueIds: string[] = [];
  const agentUserIds: string[] = [];
  let hasAgent = false;
  let handle = 0;
  let sawHandle = false;
  let agentWithoutHandle = false;
  let recorded = false;
  for (const p of c.participants ?? []) {
    const isAgent = p.purpose === 'agent';
    if (isAgent) {
      hasAgent = true;
      if (p.userId && !agentUserIds.includes(p.userId)) agentUserIds.push(p.userId);
    }
    for (const s of p.sessions ?? []) {
      if (s.recording === true) recorded = true;
      for (const seg of s.segments ?? []) {
        if (seg.queueId && !queueIds.includes(seg.queueId)) queueIds.push(seg.queueId);
      }
      if (!isAgent) continue;
      const h = (s.metrics ?? []).filter((m) => m.name === 'tHandle');
      if (h.length === 0) {
        // an agent that talked or is wrapping up but has no tHandle yet is still in after-call work
        if (
          (s.segments ?? []).some((seg) => seg.segmentType === 'interact' || seg.segmentType === 'wrapup')
        ) {
          agentWithoutHandle = true;
        }
      }
      for (const m of h) {
        sawHandle = true;
        handle += m.value;
      }
    }
  }
  return {
    conversationId: c.conversationId,
    conversationStart: c.conversationStart,
    conversationEnd: c.conversationEnd ?? null,
    direction: c.originatingDirection ?? null,
    queueIds,
    agentUserIds,
    hasAgent,
    durationMs: sawHandle ? handle : null,
    ready: Boolean(c.conversationEnd) && !agentWithoutHandle,
    recorded,
  };
}

export type RecordingVerdict =
  | { kind: 'download' }
  | { kind: 'wait'; reason: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'skip'; reason: string };

/** How one recording-metadata item should be treated (audio only; fileState per spec §5). */
export function recordingVerdict(r: RecordingMetadata): RecordingVerdict {
  if (r.media !== undefined && r.media !== 'audio')
    return { kind: 'skip', reason: `${r.media} recording (not audio)` };
  switch (r.fileState) {
    case 'AVAILABLE':
    case 'RESTORED':
      return { kind: 'download' };
    case 'UPLOADING':
      return { kind: 'wait', reason: 'recording still uploading (fileState UPLOADING)' };
    case 'RESTORING':
      return { kind: 'wait', reason: 'archived recording being restored (fileState RESTORING)' };
    case 'ARCHIVED':
      return {
        kind: 'unavailable',
        reason: 'recording is archived (fileState ARCHIVED); restore it in Genesys to download',
      };
    case 'DELETED':
      return { kind: 'unavailable', reason: 'recording was deleted (fileState DELETED)' };
    case 'ERROR':
      return { kind: 'unavailable', reason: 'Genesys reports the recording in error (fileState ERROR)' };
    case undefined:
      // Metadata without fileState: let the batch job decide (it answers errorMsg when it cannot serve it).
      return { kind: 'download' };
    default:
      return { kind: 'unavailable', reason: `unexpected fileState "${String(r.fileState).slice(0, 40)}"` };
  }
}

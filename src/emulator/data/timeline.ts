// A conversation as a timeline of absolute instants (epoch ms). It is the complete story of the call;
// render.ts shows the part of it that has happened at a given "now".
import type { ConversationPlan, PlannedFileState } from './day-plan.js';

export interface TMetric {
  name: string;
  value: number;
  at: number;
}

export interface TSegment {
  type: string;
  start: number;
  end: number;
  queueId?: string;
  disconnectType?: string;
  wrapUpCode?: string;
  wrapUpNote?: string;
  q850ResponseCodes?: readonly number[];
}

export interface TSession {
  sessionId: string;
  /** static wire fields of the session (mediaType, direction, ani, recording, flow, …) */
  fields: Record<string, unknown>;
  metrics: TMetric[];
  segments: TSegment[];
  /** a session without segments is shown from this instant on (sessions with segments: from the first) */
  visibleFrom?: number;
}

export interface TParticipant {
  participantId: string;
  participantName?: string;
  purpose: string;
  userId?: string;
  sessions: TSession[];
}

export type RecordingMedia = 'audio' | 'screen' | 'chat' | 'email' | 'message';

export interface TRecording {
  id: string;
  media: RecordingMedia;
  sessionId: string;
  start: number;
  end: number;
  /** UPLOADING until then */
  availableAt: number;
  finalState: PlannedFileState;
}

export interface TConversation {
  plan: ConversationPlan;
  start: number;
  end: number;
  mos: number;
  rFactor: number;
  participants: TParticipant[];
  recordings: TRecording[];
  /** nothing about this conversation changes after this instant */
  finalAt: number;
  /** participants were dropped once the final view was cached (rebuild from the plan to render) */
  light?: boolean;
}

/** Pending wrap-ups and uploads resolve this long after the end of their local day, unless settled. */
export const PENDING_GRACE_MS = 8 * 3_600_000;

/** First settle instant in [from, to), if any. */
export function settledWithin(times: readonly number[], from: number, to: number): number | undefined {
  for (const s of times) if (s >= from && s < to) return s;
  return undefined;
}

export function finish(
  plan: ConversationPlan,
  start: number,
  end: number,
  mos: number,
  rFactor: number,
  participants: TParticipant[],
  recordings: TRecording[],
): TConversation {
  let finalAt = end;
  for (const r of recordings) finalAt = Math.max(finalAt, r.availableAt);
  // Metrics emitted after the end (a late tHandle) still change the view.
  for (const p of participants)
    for (const s of p.sessions) for (const m of s.metrics) finalAt = Math.max(finalAt, m.at);
  return { plan, start, end, mos, rFactor, participants, recordings, finalAt };
}

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
  q850ResponseCodes?: readonly number[];
}

export interface TSession {
  sessionId: string;
  /** static wire fields of the session (mediaType, direction, ani, recording, flow, …) */
  fields: Record<string, unknown>;
  metrics: TMetric[];
  segments: TSegment[];
}

export interface TParticipant {
  participantId: string;
  participantName?: string;
  purpose: string;
  userId?: string;
  sessions: TSession[];
}

export interface TRecording {
  id: string;
  media: 'audio' | 'screen';
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

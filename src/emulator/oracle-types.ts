// The emulator's own account of a day (emu.oracle(date), GET /emulator/oracle?date=): for every
// conversation and recording, what a correct extraction should do with it at a given instant, for a
// given OAuth client. End-to-end tests check each manifest line against it (docs/emulator.md, "Oracle").
import type { Codec } from './types.js';

/** What should become of one recording. */
export type RecordingOutcome =
  /** AVAILABLE or RESTORED audio: download it */
  | 'downloadable'
  /** ARCHIVED, DELETED or ERROR: it will not come (reason says which) */
  | 'unavailable'
  /** UPLOADING, RESTORING, or metadata not there yet: ask again later (`until` when known) */
  | 'not-ready'
  /** a chat/e-mail/message transcript or a screen recording: never an audio file */
  | 'not-audio'
  /** sensitive data and the client lacks recording:recording:viewSensitiveData: no batch result */
  | 'excluded'
  /** the client lacks recording:recording:view: 403 on every recording call */
  | 'permission-missing';

export interface OracleRecording {
  recordingId: string;
  media: 'audio' | 'screen' | 'chat' | 'email' | 'message';
  outcome: RecordingOutcome;
  /**
   * Stable reason code: available, restored, archived, deleted, error, uploading, restoring,
   * metadata-pending, chat, email, message, screen, sensitive, missing:recording:recording:view.
   */
  reason: string;
  /** ISO instant at which a not-ready recording changes (upload done, metadata shown), when known */
  until?: string;
  /** fileState as recordingmetadata shows it at the instant (absent while the metadata lags) */
  fileState?: string;
  /** the batch result's contentType (audio and transcripts) */
  contentType?: string;
  /** Content-Type header of its download (may be generic: binary/octet-stream, application/octet-stream) */
  downloadContentType?: string;
  codec?: Codec;
  /** extension of the download URL path (wav, ogg, opus, webm, json) */
  extension?: string;
  /** its resultUrl/mediaUri answers 302 to the signed location */
  redirect?: boolean;
  /** GET /recordings answers this recording with mediaUris {}: for a while (until `mediaUrisUntil`) or always */
  emptyMediaUris?: 'temporary' | 'permanent';
  mediaUrisUntil?: string;
  /** the session recording flag is missing although it was recorded */
  recordingFlagMissing?: boolean;
}

export interface OracleAgent {
  userId: string;
  /** participantName in the details query = name in GET /api/v2/users */
  name: string;
  managerId?: string;
  managerName?: string;
  /** 'inactive': GET /api/v2/users lists the user only with state=inactive or state=any */
  state: 'active' | 'inactive';
  /** purpose of the participant: agent, or user (a consulted person) */
  purpose: 'agent' | 'user';
}

/** What should become of one conversation (outcome of the conversation as a whole). */
export type ConversationOutcome =
  /** has audio recordings (see each one) */
  | 'recorded'
  /** an agent handled it, nothing was recorded */
  | 'not-recorded'
  /** abandoned in queue or IVR only */
  | 'no-agent'
  /** chat, e-mail or message: a transcript, never audio (and no lookup needed with a mediaType filter) */
  | 'not-audio'
  /** no tHandle yet (wrap-up still open, or its metric not emitted): not ready until `until` */
  | 'handle-time-pending';

export interface OracleConversation {
  conversationId: string;
  start: string;
  /** absent while the conversation is live or in wrap-up */
  end?: string;
  /** voice, callback (a callback that became a call), chat, email, message */
  mediaType: 'voice' | 'callback' | 'chat' | 'email' | 'message';
  outcome: ConversationOutcome;
  reason: string;
  until?: string;
  /** every queue whose segments it has, with the names GET /api/v2/routing/queues gives */
  queues: { id: string; name: string }[];
  /** the details query with a segment predicate mediaType=voice returns it (voice calls and callbacks) */
  matchesVoiceFilter: boolean;
  agents: OracleAgent[];
  /** wrap-up code ids with their names (no name for a system code like ININ-WRAP-UP-TIMEOUT) and notes */
  wrapUps: { code: string; name?: string; note?: string }[];
  /** sum of the agent sessions' tHandle emitted by the instant (ms), absent when none */
  tHandleMs?: number;
  recordings: OracleRecording[];
}

export interface OracleOptions {
  /** the instant to judge at (ms), default the emulator's clock */
  at?: number;
  /** whose permissions apply, default the main client */
  clientId?: string;
}

export interface DayOracle {
  date: string;
  at: string;
  clientId: string;
  /** the day cannot be listed at all: the client lacks analytics:conversationDetail:view */
  dayOutcome: 'ok' | 'permission-missing';
  dayReason?: string;
  conversations: OracleConversation[];
  /** counts per conversation outcome and per "recordingOutcome:reason" */
  summary: { conversations: Record<string, number>; recordings: Record<string, number> };
}

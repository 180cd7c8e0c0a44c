// Shapes passed between the bench orchestrator (bench/run.ts) and the emulator wrapper process
// (bench/emulator-process.ts) over its small control port.

/** One journaled request, trimmed to what the figures need. */
export interface CompactEntry {
  /** arrival time, epoch ms (emulator clock = Date.now) */
  t: number;
  /** ms from arrival to the response head (onSend); 0 for a reset connection */
  d: number;
  /** "METHOD /path" with ids replaced by :id */
  k: string;
  /** HTTP status */
  s: number;
}

/** The day's actual mix, counted from the emulator's own data (not through the API). */
export interface DayMix {
  date: string;
  /** every conversation that started on the local day, all queues */
  conversationsOnDay: number;
  /** of those, the ones touching one of the queried queues */
  inQueues: number;
  /** in the queues and with an agent participant */
  agentHandled: number;
  /** agent-handled and flagged recording:true */
  recorded: number;
  /** audio recordings of the recorded agent-handled conversations */
  audioRecordings: number;
  /** conversations with two (or more) audio recordings */
  twoAudioRecordings: number;
  /** screen recordings of those conversations (never downloaded by audio-extract) */
  screenRecordings: number;
  /** audio recordings by fileState (AVAILABLE, ARCHIVED, DELETED, UPLOADING) */
  audioByFileState: Record<string, number>;
  /** agent-handled conversations still in wrap-up (no conversationEnd) */
  inWrapUp: number;
}

/** An audio recording a batch download can serve (what audio-extract should download). */
export interface DownloadableRecording {
  conversationId: string;
  recordingId: string;
}

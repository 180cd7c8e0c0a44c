// What the pipeline needs to know about one analytics conversation, read from the Genesys shape
// (spec §3.5-§3.7, §15): metrics live on sessions, tHandle is in ms and only appears once wrap-up ends, a
// conversation may have several agents and people consulted on the way, and absent fields mean "none".
import type { AnalyticsConversation, Participant, RecordingMetadata } from '../contracts/genesys.js';

/**
 * How long after conversationEnd an agent's missing tHandle is still waited for. Genesys emits tHandle
 * when the agent's wrap-up ends, normally with conversationEnd, sometimes minutes later (spec §15,
 * emulator `handleTimeLag`: 20 min); some legs never get one (a callback's call leg, where the handle
 * time sits on the callback session; a consult leg). Past this, the conversation is taken as it is
 * rather than waited for forever.
 */
export const HANDLE_TIME_GRACE_MS = 2 * 60 * 60_000;

/** Participants who handled the call: `agent` (reached through a queue) and `user` (a consult or transfer to a person). */
const HANDLERS = new Set(['agent', 'user']);

export interface ConversationFacts {
  conversationId: string;
  conversationStart: string;
  conversationEnd: string | null;
  direction: string | null;
  /** every queue a segment of the conversation touched, in order of appearance */
  queueIds: string[];
  /** user ids of the agents and consulted users, in order of appearance, once each */
  agentUserIds: string[];
  hasAgent: boolean;
  /** sum of tHandle over the sessions of agents and consulted users (ms); null while none has one */
  durationMs: number | null;
  /**
   * false while a handle time can still come: no conversationEnd yet, or an agent who talked or wrapped
   * up has no tHandle and the conversation ended less than HANDLE_TIME_GRACE_MS ago
   */
  ready: boolean;
  /**
   * a voice interaction (a call, or a callback that became a call): some session's mediaType is voice, or
   * no session names its media. Chats, e-mails and messages have no audio.
   */
  audio: boolean;
  /**
   * the sessions' recording flag: true when one says an audio recording was started, false when one says
   * it was not (and none says it was), null when no session carries the flag (look it up: whether Genesys
   * ever omits it on a recorded call is unverified, spec §15)
   */
  recorded: boolean | null;
}

/** A participant who talked or wrapped up and has no tHandle on any of its sessions. */
function owesHandleTime(p: Participant): boolean {
  const sessions = p.sessions ?? [];
  const handled = sessions.some((s) =>
    (s.segments ?? []).some((seg) => seg.segmentType === 'interact' || seg.segmentType === 'wrapup'),
  );
  return handled && !sessions.some((s) => (s.metrics ?? []).some((m) => m.name === 'tHandle'));
}

/** `nowMs`: the instant the facts are read at (how long ago the conversation ended matters). */
export function conversationFacts(c: AnalyticsConversation, nowMs: number): ConversationFacts {
  const queueIds: string[] = [];
  const agentUserIds: string[] = [];
  let hasAgent = false;
  let handle = 0;
  let sawHandle = false;
  let agentWithoutHandle = false;
  let voice = false;
  let namedMedia = false;
  let flag: boolean | null = null;
  for (const p of c.participants ?? []) {
    const handler = HANDLERS.has(p.purpose);
    if (handler) {
      hasAgent = true;
      if (p.userId && !agentUserIds.includes(p.userId)) agentUserIds.push(p.userId);
      // Only agents reached through a queue are owed a tHandle; a consulted user often has no metric.
      if (p.purpose === 'agent' && owesHandleTime(p)) agentWithoutHandle = true;
    }
    for (const s of p.sessions ?? []) {
      if (s.recording === true) flag = true;
      else if (s.recording === false && flag === null) flag = false;
      if (s.mediaType) {
        namedMedia = true;
        if (s.mediaType === 'voice') voice = true;
      }
      for (const seg of s.segments ?? []) {
        if (seg.queueId && !queueIds.includes(seg.queueId)) queueIds.push(seg.queueId);
      }
      if (!handler) continue;
      for (const m of s.metrics ?? []) {
        if (m.name !== 'tHandle') continue;
        sawHandle = true;
        handle += m.value;
      }
    }
  }
  const endMs = c.conversationEnd ? Date.parse(c.conversationEnd) : Number.NaN;
  const handleTimeMayCome = agentWithoutHandle && !(nowMs - endMs >= HANDLE_TIME_GRACE_MS);
  return {
    conversationId: c.conversationId,
    conversationStart: c.conversationStart,
    conversationEnd: c.conversationEnd ?? null,
    direction: c.originatingDirection ?? null,
    queueIds,
    agentUserIds,
    hasAgent,
    durationMs: sawHandle ? handle : null,
    ready: Boolean(c.conversationEnd) && !handleTimeMayCome,
    audio: voice || !namedMedia,
    recorded: flag,
  };
}

export type RecordingVerdict =
  | { kind: 'download' }
  | { kind: 'wait'; reason: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'skip'; reason: string };

/**
 * How one recording-metadata item should be treated (audio only; fileState per spec §5). fileState is
 * compared case-insensitively: the SDK models spell it upper-case, the Python docs show "Archived" (§15).
 */
export function recordingVerdict(r: RecordingMetadata): RecordingVerdict {
  const media = r.media?.toLowerCase();
  if (media !== undefined && media !== 'audio')
    return { kind: 'skip', reason: `${r.media} recording (not audio)` };
  // Metadata without fileState: let the batch job decide (it answers errorMsg when it cannot serve it).
  if (r.fileState === undefined) return { kind: 'download' };
  switch (r.fileState.toUpperCase()) {
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
    default:
      return { kind: 'unavailable', reason: `unexpected fileState "${String(r.fileState).slice(0, 40)}"` };
  }
}

/** What an empty recording lookup (`[]`, or 404) means for a conversation. */
export type EmptyLookupVerdict =
  /** the sessions do not say it was recorded: nothing to download */
  | { kind: 'not-recorded' }
  /** recorded, and Genesys may still publish the recording: ask again in a later run */
  | { kind: 'wait'; reason: string }
  /** recorded, but nothing came within the window: give up with this reason */
  | { kind: 'unavailable'; reason: string };

/**
 * A conversation whose sessions say it was recorded but whose metadata is `[]` or 404 is waiting for
 * Genesys to publish the recording (upload lag, spec §15): "not ready", asked again by later runs while
 * the conversation ended less than `windowMs` ago (the reconcile window), then unavailable.
 */
export function emptyLookupVerdict(input: {
  recorded: boolean | null;
  conversationEnd: string | null;
  nowMs: number;
  windowMs: number;
}): EmptyLookupVerdict {
  if (input.recorded !== true) return { kind: 'not-recorded' };
  const endMs = input.conversationEnd ? Date.parse(input.conversationEnd) : Number.NaN;
  if (!(input.nowMs - endMs >= input.windowMs))
    return {
      kind: 'wait',
      reason:
        'recorded, but Genesys lists no recording for it yet (metadata not published); a later run asks again',
    };
  const days = Math.round(input.windowMs / 86_400_000);
  return {
    kind: 'unavailable',
    reason: `recorded, but Genesys still listed no recording for it ${days} day${days === 1 ? '' : 's'} after the call; check the conversation in Genesys`,
  };
}

// What the Genesys APIs show of a timeline at instant `now`: the conversation does not exist before it
// starts; metrics appear at their emitDate; open segments have no segmentEnd (nor disconnectType or
// wrapUpCode); conversationEnd and tHandle appear when the last wrap-up ends. Absent fields are omitted,
// never null (spec §3.5).
import type { AnalyticsConversation, Participant, RecordingMetadata, Segment, Session } from '../../contracts/genesys.js';
import { iso } from '../iso.js';
import { DIVISION_ID } from './catalog.js';
import type { PlannedFileState } from './day-plan.js';
import type { TConversation, TRecording, TSession } from './timeline.js';

const DAY_MS = 86_400_000;
const DIVISION_IDS: readonly string[] = Object.freeze([DIVISION_ID]);

/** Per-conversation memo of formatted instants: segment bounds and emitDates repeat a lot, and every
 * string kept in a cached view is GC work on a 20,000-conversation day. A conversation has ~15 distinct
 * instants, so a linear scan beats a Map. */
class Instants {
  private readonly keys: number[] = [];
  private readonly values: string[] = [];
  get(ms: number): string {
    const i = this.keys.indexOf(ms);
    if (i >= 0) return this.values[i] as string;
    const s = iso(ms);
    this.keys.push(ms);
    this.values.push(s);
    return s;
  }
}

function renderSession(s: TSession, now: number, at: Instants): Session | undefined {
  const segments: Segment[] = [];
  for (const g of s.segments) {
    if (g.start > now) continue;
    const closed = g.end <= now;
    const seg: Record<string, unknown> = { conference: false };
    if (closed && g.disconnectType) seg.disconnectType = g.disconnectType;
    if (closed && g.q850ResponseCodes) seg.q850ResponseCodes = g.q850ResponseCodes;
    if (g.queueId) seg.queueId = g.queueId;
    seg.segmentStart = at.get(g.start);
    if (closed) seg.segmentEnd = at.get(g.end);
    seg.segmentType = g.type;
    if (closed && g.wrapUpCode) seg.wrapUpCode = g.wrapUpCode;
    if (closed && g.wrapUpNote) seg.wrapUpNote = g.wrapUpNote;
    segments.push(seg as unknown as Segment);
  }
  const segmentless = s.segments.length === 0 && s.visibleFrom !== undefined && s.visibleFrom <= now;
  if (segments.length === 0 && !segmentless) return undefined;
  const out: Record<string, unknown> = { ...s.fields, sessionId: s.sessionId };
  const metrics: { emitDate: string; name: string; value: number }[] = [];
  for (const m of s.metrics) if (m.at <= now) metrics.push({ emitDate: at.get(m.at), name: m.name, value: m.value });
  if (metrics.length > 0) out.metrics = metrics;
  if (segments.length > 0) out.segments = segments;
  return out as unknown as Session;
}

export function renderConversation(c: TConversation, now: number): AnalyticsConversation | undefined {
  if (now < c.start) return undefined;
  const participants: Participant[] = [];
  const at = new Instants();
  for (const p of c.participants) {
    const sessions: Session[] = [];
    for (const ts of p.sessions) {
      const rendered = renderSession(ts, now, at);
      if (rendered) sessions.push(rendered);
    }
    if (sessions.length === 0) continue;
    const out: Participant = { participantId: p.participantId } as Participant;
    if (p.participantName) out.participantName = p.participantName;
    out.purpose = p.purpose;
    if (p.userId) out.userId = p.userId;
    out.sessions = sessions;
    participants.push(out);
  }
  const ended = c.end <= now;
  const conv: Record<string, unknown> = {
    conversationId: c.plan.id,
    conversationStart: at.get(c.start),
  };
  if (ended) conv.conversationEnd = at.get(c.end);
  conv.divisionIds = DIVISION_IDS;
  if (ended) {
    conv.mediaStatsMinConversationMos = c.mos;
    conv.mediaStatsMinConversationRFactor = c.rFactor;
  }
  conv.originatingDirection = 'inbound';
  conv.participants = participants;
  return conv as unknown as AnalyticsConversation;
}

export type RecordingState = PlannedFileState;

export function recordingStateAt(r: TRecording, now: number): RecordingState | undefined {
  if (now < r.start) return undefined;
  return now < r.availableAt ? 'UPLOADING' : r.finalState;
}

/** The Python SDK docs show these two states as "Uploading" and "Archived" (spec §15). */
const TITLE_CASE: Partial<Record<RecordingState, string>> = { UPLOADING: 'Uploading', ARCHIVED: 'Archived' };

const MEDIA_SUBTYPE: Partial<Record<TRecording['media'], string>> = { audio: 'Trunk', screen: 'Screen' };

/** recordingmetadata item of `r` at `now`, or undefined when the recording does not exist yet. */
export function renderRecording(c: TConversation, r: TRecording, now: number): RecordingMetadata | undefined {
  const state = recordingStateAt(r, now);
  if (!state) return undefined;
  const out: Record<string, unknown> = { id: r.id, conversationId: c.plan.id };
  if (r.media === 'screen') out.startTime = iso(r.start);
  if (r.end <= now) out.endTime = iso(r.end);
  out.media = r.media;
  const subtype = MEDIA_SUBTYPE[r.media];
  if (subtype) out.mediaSubtype = subtype;
  out.annotations = [];
  out.fileState = (c.plan.quirks?.titleCaseFileState && TITLE_CASE[state]) || state;
  if (state === 'AVAILABLE') {
    // Org retention policy: archive after 90 days, delete after a year (a future archiveDate ≠ archived).
    out.archiveDate = iso(r.end + 90 * DAY_MS);
    out.archiveMedium = 'CLOUDARCHIVE';
    out.deleteDate = iso(r.end + 365 * DAY_MS);
  } else if (state === 'ARCHIVED') {
    out.archiveDate = iso(r.availableAt);
    out.archiveMedium = 'CLOUDARCHIVE';
    out.deleteDate = iso(r.end + 365 * DAY_MS);
  } else if (state === 'DELETED') {
    out.deleteDate = iso(r.availableAt);
  } else if (state === 'RESTORING' || state === 'RESTORED') {
    // Archived soon after the call (like ARCHIVED ones), then asked back: restoring, or restored for a week.
    out.archiveDate = iso(r.availableAt);
    out.archiveMedium = 'CLOUDARCHIVE';
    if (state === 'RESTORED') out.restoreExpirationTime = iso(r.availableAt + 7 * DAY_MS);
    out.deleteDate = iso(r.end + 365 * DAY_MS);
  }
  out.maxAllowedRestorationsForOrg = 10000;
  out.remainingRestorationsAllowedForOrg = 10000;
  out.sessionId = r.sessionId;
  out.region = 'us-east-1';
  out.selfUri = `/api/v2/conversations/${c.plan.id}/recordings/${r.id}`;
  return out as unknown as RecordingMetadata;
}

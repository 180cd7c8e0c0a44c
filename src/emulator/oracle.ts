// What should happen to every conversation and recording of a local day, judged at an instant for one
// OAuth client (its permissions matter). It reads the same timelines and the same decisions
// (recording-rules.ts, traits.ts) as the routes, so it cannot disagree with what the API serves.
import { type MediaOptions, mediaTraits } from './audio/traits.js';
import { FOREIGN_QUEUES, WRAP_UP_CODES } from './data/catalog.js';
import type { Dataset } from './data/dataset.js';
import { emptyMediaUrisUntil, isPlayable, isSensitive, metadataHiddenUntil } from './data/recording-rules.js';
import { recordingStateAt, renderRecording } from './data/render.js';
import type { TConversation, TRecording } from './data/timeline.js';
import { iso } from './iso.js';
import type {
  DayOracle,
  OracleAgent,
  OracleConversation,
  OracleOptions,
  OracleRecording,
} from './oracle-types.js';

export interface OracleDeps {
  dataset: Dataset;
  now: () => number;
  mainClientId: string;
  clients: ReadonlyMap<string, { permissions: ReadonlySet<string> }>;
  media: MediaOptions;
  metadataLagMs: number;
  emptyMediaUrisForMs: number;
}

const MESSAGING = new Set(['chat', 'email', 'message']);
const CODE_NAMES = new Map(WRAP_UP_CODES.map((c) => [c.id, c.name]));

function judgeRecording(
  deps: OracleDeps,
  c: TConversation,
  r: TRecording,
  at: number,
  held: ReadonlySet<string>,
): OracleRecording {
  const traits = mediaTraits(deps.dataset.seedHash, r, deps.media);
  const meta = renderRecording(c, r, at);
  const hiddenUntil = metadataHiddenUntil(c, deps.metadataLagMs);
  const hidden = hiddenUntil !== undefined && at < hiddenUntil;
  const emptyUntil = emptyMediaUrisUntil(c, r, deps.emptyMediaUrisForMs);
  const base: OracleRecording = {
    recordingId: r.id,
    media: r.media,
    outcome: 'downloadable',
    reason: 'available',
    ...(meta?.fileState && !hidden ? { fileState: meta.fileState } : {}),
    contentType: traits.contentType,
    downloadContentType: traits.downloadContentType,
    ...(r.media === 'audio' ? { codec: traits.container as OracleRecording['codec'] } : {}),
    extension: traits.extension,
    redirect: traits.redirect,
    ...(emptyUntil !== undefined
      ? {
          emptyMediaUris:
            emptyUntil === Number.POSITIVE_INFINITY ? ('permanent' as const) : ('temporary' as const),
          ...(emptyUntil !== Number.POSITIVE_INFINITY ? { mediaUrisUntil: iso(emptyUntil) } : {}),
        }
      : {}),
    ...(c.plan.quirks?.noRecordingFlag ? { recordingFlagMissing: true } : {}),
  };
  const verdict = (outcome: OracleRecording['outcome'], reason: string, until?: number): OracleRecording => ({
    ...base,
    outcome,
    reason,
    ...(until !== undefined && Number.isFinite(until) ? { until: iso(until) } : {}),
  });
  if (r.media !== 'audio') return verdict('not-audio', r.media);
  if (!held.has('recording:recording:view'))
    return verdict('permission-missing', 'missing:recording:recording:view');
  if (hidden) return verdict('not-ready', 'metadata-pending', hiddenUntil);
  const state = recordingStateAt(r, at);
  if (state === 'UPLOADING') return verdict('not-ready', 'uploading', r.availableAt);
  if (state === 'RESTORING') return verdict('not-ready', 'restoring');
  if (!isPlayable(state)) return verdict('unavailable', String(state).toLowerCase());
  if (isSensitive(c, r) && !held.has('recording:recording:viewSensitiveData'))
    return verdict('excluded', 'sensitive');
  return verdict('downloadable', state === 'RESTORED' ? 'restored' : 'available');
}

function judgeConversation(
  deps: OracleDeps,
  c: TConversation,
  at: number,
  held: ReadonlySet<string>,
  queueNames: ReadonlyMap<string, string>,
): OracleConversation {
  const kind = c.plan.kind;
  const queues = new Map<string, string>();
  const agents: OracleAgent[] = [];
  const wrapUps: OracleConversation['wrapUps'] = [];
  let tHandleMs: number | undefined;
  let handleDueAt = Number.NEGATIVE_INFINITY;
  let matchesVoiceFilter = false;
  for (const p of c.participants) {
    for (const s of p.sessions) {
      const visible = s.segments.filter((g) => g.start <= at);
      if (s.fields.mediaType === 'voice' && visible.length > 0) matchesVoiceFilter = true;
      for (const g of visible) {
        if (g.queueId) queues.set(g.queueId, queueNames.get(g.queueId) ?? g.queueId);
        if (g.type === 'wrapup' && g.end <= at && g.wrapUpCode) {
          const name = CODE_NAMES.get(g.wrapUpCode);
          wrapUps.push({
            code: g.wrapUpCode,
            ...(name ? { name } : {}),
            ...(g.wrapUpNote ? { note: g.wrapUpNote } : {}),
          });
        }
      }
      for (const m of s.metrics) {
        if (m.name !== 'tHandle') continue;
        handleDueAt = Math.max(handleDueAt, m.at);
        if (m.at <= at) tHandleMs = (tHandleMs ?? 0) + m.value;
      }
    }
    if (
      (p.purpose === 'agent' || p.purpose === 'user') &&
      p.userId &&
      p.sessions.some((s) => s.segments.some((g) => g.start <= at) || (s.visibleFrom ?? Infinity) <= at)
    ) {
      const person = deps.dataset.directory.byId.get(p.userId);
      const manager = person?.managerId ? deps.dataset.directory.byId.get(person.managerId) : undefined;
      if (!agents.some((a) => a.userId === p.userId && a.purpose === p.purpose)) {
        agents.push({
          userId: p.userId,
          name: person?.name ?? p.participantName ?? p.userId,
          ...(manager ? { managerId: manager.id, managerName: manager.name } : {}),
          state: person?.state ?? 'active',
          purpose: p.purpose as 'agent' | 'user',
        });
      }
    }
  }
  const recordings = c.recordings
    .filter((r) => r.start <= at)
    .map((r) => judgeRecording(deps, c, r, at, held));
  const mediaType =
    MESSAGING.has(kind) || kind === 'callback' ? (kind as OracleConversation['mediaType']) : 'voice';
  let outcome: OracleConversation['outcome'];
  let reason: string;
  let until: number | undefined;
  if (MESSAGING.has(kind)) [outcome, reason] = ['not-audio', kind];
  else if (kind === 'abandoned' || kind === 'ivrOnly')
    [outcome, reason] = ['no-agent', kind === 'abandoned' ? 'abandoned' : 'ivr-only'];
  else if (kind === 'unrecorded') [outcome, reason] = ['not-recorded', 'recording-off'];
  else if (at < c.end || at < handleDueAt) {
    [outcome, reason] = ['handle-time-pending', at < c.end ? 'wrap-up-open' : 'handle-time-not-emitted'];
    until = Math.max(c.end, handleDueAt);
  } else [outcome, reason] = ['recorded', 'recorded'];
  return {
    conversationId: c.plan.id,
    start: iso(c.start),
    ...(c.end <= at ? { end: iso(c.end) } : {}),
    mediaType,
    outcome,
    reason,
    ...(until !== undefined ? { until: iso(until) } : {}),
    queues: [...queues].map(([id, name]) => ({ id, name })),
    matchesVoiceFilter,
    agents,
    wrapUps,
    ...(tHandleMs !== undefined ? { tHandleMs } : {}),
    recordings,
  };
}

export function dayOracle(deps: OracleDeps, date: string, o: OracleOptions = {}): DayOracle {
  const at = o.at ?? deps.now();
  const clientId = o.clientId ?? deps.mainClientId;
  const client = deps.clients.get(clientId);
  if (!client) throw new RangeError(`oracle: unknown client ${clientId}`);
  const held = client.permissions;
  const queueNames = new Map([...deps.dataset.queues, ...FOREIGN_QUEUES].map((q) => [q.id, q.name]));
  const conversations: OracleConversation[] = [];
  for (const plan of deps.dataset.plansOf(date)) {
    if (plan.start > at) continue;
    const t = deps.dataset.conversation(plan.id);
    if (t) conversations.push(judgeConversation(deps, deps.dataset.full(t), at, held, queueNames));
  }
  conversations.sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : a.conversationId < b.conversationId ? -1 : 1,
  );
  const summary: DayOracle['summary'] = { conversations: {}, recordings: {} };
  for (const c of conversations) {
    summary.conversations[c.outcome] = (summary.conversations[c.outcome] ?? 0) + 1;
    for (const r of c.recordings) {
      const key = `${r.outcome}:${r.reason}`;
      summary.recordings[key] = (summary.recordings[key] ?? 0) + 1;
    }
  }
  const analytics = held.has('analytics:conversationDetail:view');
  return {
    date,
    at: iso(at),
    clientId,
    dayOutcome: analytics ? 'ok' : 'permission-missing',
    ...(analytics ? {} : { dayReason: 'missing:analytics:conversationDetail:view' }),
    conversations,
    summary,
  };
}

// Checks a day's manifest against the emulator's oracle (docs/emulator.md, "Oracle"): for every
// conversation and recording of the configured queues, what a correct extraction does with it. The run
// takes time and the emulator's clock moves meanwhile, so each item is judged at the run's start and at
// its end: either answer is right for an item that changed in between.
import type {
  DayOracle,
  JournalEntry,
  OracleConversation,
  OracleRecording,
} from '../../src/emulator/index.js';

export interface ManifestLine {
  conversationId: string;
  recordingId: string | null;
  agentUserIds: string[];
  durationMs: number | null;
  contentType: string | null;
  file: string | null;
  sha256: string | null;
  status: string;
  reason: string | null;
}

/** What the manifest must say about one recording of the oracle, or null for "no line at all". */
export type Expectation = { status: string; reason: RegExp } | null;

const MESSAGING = new Set(['chat', 'email', 'message']);

/** What a recording's oracle verdict means in the manifest (metadata lookup mode). */
export function expectedLine(r: OracleRecording): Expectation {
  switch (`${r.outcome}:${r.reason}`) {
    case 'downloadable:available':
    case 'downloadable:restored':
      return { status: 'downloaded', reason: /^$/ };
    case 'unavailable:archived':
      return { status: 'unavailable', reason: /archived/i };
    case 'unavailable:deleted':
      return { status: 'unavailable', reason: /deleted/i };
    case 'unavailable:error':
      return { status: 'unavailable', reason: /error/i };
    case 'not-ready:uploading':
      return { status: 'pending', reason: /uploading/i };
    case 'not-ready:restoring':
      return { status: 'pending', reason: /restor/i };
    case 'excluded:sensitive':
      return { status: 'unavailable', reason: /recording:recording:viewSensitiveData/ };
    default:
      // not-audio (screen, transcripts), and metadata-pending (judged per conversation, see below)
      return null;
  }
}

/** Extensions a recording of each original codec may be saved under. */
const EXTENSIONS: Record<string, string[]> = {
  ogg: ['ogg', 'opus'],
  opus: ['ogg', 'opus'],
  webm: ['webm'],
  wav: ['wav'],
};

export interface Judgement {
  /** "conversationId/recordingId: what is wrong" */
  problems: string[];
  /** how many recordings (and conversation lines) were checked, by `outcome:reason` */
  checked: Record<string, number>;
}

const key = (c: string, r: string | null) => `${c}/${r ?? '-'}`;

function inQueues(c: OracleConversation, queues: readonly string[]): boolean {
  return c.queues.some((q) => queues.includes(q.id));
}

/**
 * Every conversation and recording of `queues` in the oracle at the start (`before`) and the end
 * (`after`) of the run, against the manifest's lines. `handleTimeGraceOver`: by the CLI's clock the
 * conversations ended more than 2 h ago, so one whose tHandle has not come is taken as it is
 * (conversation-facts.ts, HANDLE_TIME_GRACE_MS) — true whenever the emulator's clock is set back.
 */
export function judgeManifest(
  before: DayOracle,
  after: DayOracle,
  lines: readonly ManifestLine[],
  queues: readonly string[],
  opts: { handleTimeGraceOver?: boolean } = {},
): Judgement {
  const problems: string[] = [];
  const checked: Record<string, number> = {};
  const count = (k: string) => {
    checked[k] = (checked[k] ?? 0) + 1;
  };
  const byKey = new Map(lines.map((l) => [key(l.conversationId, l.recordingId), l]));
  const seen = new Set<string>();
  const afterById = new Map(after.conversations.map((c) => [c.conversationId, c]));
  for (const early of before.conversations) {
    const late = afterById.get(early.conversationId);
    if (!late || !inQueues(late, queues)) continue;
    const versions = [early, late];
    const id = early.conversationId;
    const convLine = byKey.get(key(id, null));
    if (convLine) seen.add(key(id, null));
    if (MESSAGING.has(late.mediaType)) {
      count(`conversation not-audio:${late.mediaType}`);
      if (lines.some((l) => l.conversationId === id))
        problems.push(`${id}: a ${late.mediaType} has manifest lines`);
      continue;
    }
    // Still waiting in the queue when the run saw it: the CLI keeps only conversations an agent has
    // reached (a later run of the day sees the rest).
    const hasLine = lines.some((l) => l.conversationId === id);
    if (!hasLine && versions.some((c) => c.end === undefined && c.agents.length === 0)) {
      count('conversation live without an agent');
      continue;
    }
    const outcomes = new Set(versions.map((c) => c.outcome));
    if (outcomes.has('no-agent') || outcomes.has('not-recorded')) {
      count(`conversation ${late.outcome}:${late.reason}`);
      if (outcomes.size === 1 && hasLine) problems.push(`${id}: ${late.outcome} but has manifest lines`);
      continue;
    }
    // still in wrap-up, or its tHandle not emitted yet: one pending line for the conversation
    const pending = versions.filter(
      (c) =>
        c.outcome === 'handle-time-pending' &&
        !(opts.handleTimeGraceOver && c.reason === 'handle-time-not-emitted'),
    );
    if (
      pending.length === 2 ||
      (pending.length === 1 && convLine?.status === 'pending' && /wrap-up/.test(convLine.reason ?? ''))
    ) {
      count(`conversation handle-time-pending:${pending[0]!.reason}`);
      if (convLine?.status !== 'pending' || !/wrap-up/.test(convLine.reason ?? ''))
        problems.push(
          `${id}: handle time pending (${pending[0]!.reason}) but line ${JSON.stringify(convLine)}`,
        );
      continue;
    }
    // a recorded conversation: its people and handle time
    const anyLine = lines.find((l) => l.conversationId === id);
    if (anyLine) {
      const durations = versions.map((c) => c.tHandleMs ?? null);
      if (!durations.includes(anyLine.durationMs))
        problems.push(`${id}: durationMs ${anyLine.durationMs}, oracle ${durations.join(' or ')}`);
      const people = [...new Set(late.agents.map((a) => a.userId))];
      if (JSON.stringify([...anyLine.agentUserIds].sort()) !== JSON.stringify([...people].sort()))
        problems.push(`${id}: agentUserIds ${anyLine.agentUserIds.join(',')}, oracle ${people.join(',')}`);
    }
    // metadata not published yet: one pending line for the conversation, none per recording
    const lagging = versions.filter((c) => c.recordings.some((r) => r.reason === 'metadata-pending'));
    if (lagging.length > 0) {
      count('conversation not-ready:metadata-pending');
      const ok = convLine?.status === 'pending' && /no recording for it yet/.test(convLine.reason ?? '');
      if (lagging.length === 2 && !ok)
        problems.push(`${id}: metadata pending but line ${JSON.stringify(convLine)}`);
      if (ok) continue;
    }
    const lateRecordings = new Map(late.recordings.map((r) => [r.recordingId, r]));
    for (const r0 of early.recordings) {
      const r1 = lateRecordings.get(r0.recordingId) ?? r0;
      const k = key(id, r0.recordingId);
      const line = byKey.get(k);
      if (line) seen.add(k);
      const expected = [expectedLine(r0), expectedLine(r1)];
      count(`${r1.outcome}:${r1.reason}`);
      const matches = expected.some((e) =>
        e === null
          ? line === undefined
          : line !== undefined && line.status === e.status && e.reason.test(line.reason ?? ''),
      );
      if (!matches) {
        problems.push(
          `${k}: oracle ${r0.outcome}:${r0.reason}${r1 !== r0 ? ` → ${r1.outcome}:${r1.reason}` : ''}, manifest ${line ? `${line.status}: ${line.reason}` : 'no line'}`,
        );
        continue;
      }
      if (line?.status === 'downloaded') {
        const ext = line.file?.split('.').pop() ?? '';
        const allowed = EXTENSIONS[r1.codec ?? ''] ?? [];
        if (!allowed.includes(ext)) problems.push(`${k}: ${r1.codec} saved as .${ext} (${line.contentType})`);
        if (!line.contentType?.startsWith('audio/')) problems.push(`${k}: contentType ${line.contentType}`);
      }
    }
  }
  for (const l of lines) {
    const k = key(l.conversationId, l.recordingId);
    if (!seen.has(k))
      problems.push(`${k}: manifest line the oracle does not explain (${l.status}: ${l.reason})`);
  }
  return { problems, checked };
}

/** Conversation ids the journal shows were looked up (metadata or recordings) or put in a batch. */
export function touchedConversations(entries: readonly JournalEntry[]): {
  lookedUp: Set<string>;
  batched: Set<string>;
} {
  const lookedUp = new Set<string>();
  const batched = new Set<string>();
  for (const e of entries) {
    const m = /^\/api\/v2\/conversations\/([^/]+)\/(recordingmetadata|recordings)$/.exec(e.path);
    if (m) lookedUp.add(m[1]!);
    if (e.method === 'POST' && e.path === '/api/v2/recording/batchrequests') {
      const list = (e.body as { batchDownloadRequestList?: { conversationId: string }[] })
        ?.batchDownloadRequestList;
      for (const i of list ?? []) batched.add(i.conversationId);
    }
  }
  return { lookedUp, batched };
}

// What a run of a day must produce, computed from the emulator's own data without the product's code,
// and what it submitted (from the emulator's journal).
import { DateTime } from 'luxon';
import type { AnalyticsConversation } from '../../src/contracts/genesys.js';
import type { Emulator } from '../../src/emulator/index.js';
import { sha256 } from './cli.js';

/**
 * A weekday at least `daysAgo` days before today in `zone`: old enough for the emulator's wrap-ups and
 * uploads to be over (they resolve 8 h after the day), well inside Genesys' 35-day look-back.
 */
export function pastWeekday(daysAgo = 4, zone = 'America/Lima', nowMs = Date.now()): string {
  let d = DateTime.fromMillis(nowMs, { zone }).startOf('day').minus({ days: daysAgo });
  while (d.weekday > 5) d = d.minus({ days: 1 });
  return d.toISODate()!;
}

export interface Expected {
  /** `conversationId/recordingId` of every audio recording the run must download */
  downloadable: Map<string, { conversationId: string; recordingId: string; sha256: string; bytes: number }>;
  /** audio recordings Genesys cannot serve (archived, deleted, still uploading) */
  notDownloadable: Map<string, string>;
  /** agent-handled conversations of the queues still in wrap-up (no conversationEnd yet) */
  notReady: Set<string>;
}

/** What a run must produce, computed from the emulator's data without the product's own code. */
export function expectedRecordings(emu: Emulator, date: string, queues: readonly string[]): Expected {
  const out: Expected = { downloadable: new Map(), notDownloadable: new Map(), notReady: new Set() };
  for (const c of emu.dataset.conversationsOnLocalDay(date) as AnalyticsConversation[]) {
    const parts = c.participants ?? [];
    const touches = parts.some((p) =>
      (p.sessions ?? []).some((s) => (s.segments ?? []).some((g) => g.queueId && queues.includes(g.queueId))),
    );
    const hasAgent = parts.some((p) => p.purpose === 'agent');
    const recorded = parts.some((p) => (p.sessions ?? []).some((s) => s.recording === true));
    if (!touches || !hasAgent) continue;
    if (!c.conversationEnd) {
      out.notReady.add(c.conversationId);
      continue;
    }
    if (!recorded) continue;
    for (const r of emu.dataset.recordingsOf(c.conversationId)) {
      if (r.media !== 'audio') continue;
      const key = `${c.conversationId}/${r.id}`;
      if (r.fileState === 'AVAILABLE') {
        const bytes = emu.dataset.audioOf(r.id).bytes;
        out.downloadable.set(key, {
          conversationId: c.conversationId,
          recordingId: r.id,
          sha256: sha256(bytes),
          bytes: bytes.length,
        });
      } else out.notDownloadable.set(key, String(r.fileState));
    }
  }
  return out;
}

/** Every item of every accepted POST /recording/batchrequests, with when it arrived. */
export function batchSubmissions(emu: Emulator) {
  return emu.journal
    .entries()
    .filter((e) => e.method === 'POST' && e.path === '/api/v2/recording/batchrequests' && e.status === 200)
    .map((e) => ({
      at: e.at,
      keys: (
        e.body as { batchDownloadRequestList: { conversationId: string; recordingId?: string }[] }
      ).batchDownloadRequestList.map((i) => `${i.conversationId}/${i.recordingId}`),
    }));
}

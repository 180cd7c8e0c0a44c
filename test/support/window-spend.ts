// One window's worth of recording-metadata requests, and a few more, sent by 8 callers through a Genesys
// client against an emulator counting `limit` a minute: what the limiter let through before the window
// reset (test/integration/limiter-window.test.ts in one process, test/scale/shared-limiter-window.test.ts
// on the shared budget). It stops once the window is spent down to its margin and a moment has passed.
import type { Emulator, JournalEntry } from '../../src/emulator/types.js';
import { windowMargin } from '../../src/genesys/rate-window.js';
import type { GenesysClient } from '../../src/genesys/types.js';
import { mapPool } from '../../src/lib/pool.js';

export interface WindowSpent {
  /** the window's room: its budget minus the margin */
  room: number;
  /** the emulator's /api/v2 requests meanwhile */
  api: JournalEntry[];
  /** the most of them in one second */
  mostInASecond: number;
}

export async function spendOneWindow(
  emu: Emulator,
  genesys: GenesysClient,
  day: string,
  limit: number,
): Promise<WindowSpent> {
  const ids = emu.dataset.conversationsOnLocalDay(day).map((c) => c.conversationId);
  const room = limit - windowMargin(limit);
  if (ids.length <= room + 20) throw new Error(`the emulator's ${day} has too few conversations for ${room}`);
  const abort = new AbortController();
  const sent: number[] = [];
  const work = mapPool(ids.slice(0, room + 20), 8, async (id) => {
    await genesys.recordingMetadata(id, abort.signal).catch(() => {});
    sent.push(Date.now());
  });
  // Wait until the window is spent down to its margin, then give the rest a moment to (not) go.
  for (let i = 0; i < 1200 && sent.length < room; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1_500));
  abort.abort(new Error('enough'));
  await work;

  const api = emu.journal.entries().filter((e) => e.path.startsWith('/api/v2/'));
  const perSecond = new Map<number, number>();
  for (const e of api) {
    const s = Math.floor(e.at / 1000);
    perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
  }
  return { room, api, mostInASecond: Math.max(0, ...perSecond.values()) };
}

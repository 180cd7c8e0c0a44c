// What every conversation builder needs: the org's people and the settle instants, plus the helpers the
// voice and the other-media builders share (recording ids and upload times, wrap-up codes, names).
import { encodeId, RECORDING_SLOTS } from '../ids.js';
import type { Rng } from '../random.js';
import { CALL_WRAP_UP_CODES, WRAP_UP_NOTES } from './catalog.js';
import type { ConversationPlan } from './day-plan.js';
import type { Person } from './people.js';
import { PENDING_GRACE_MS, type RecordingMedia, settledWithin, type TRecording } from './timeline.js';

export interface BuildContext {
  seedHash: number;
  agents: readonly string[];
  /** display name of every user id (agents and team leaders) */
  names: ReadonlyMap<string, string>;
  /** team leaders, consulted in unusual conversations */
  leaders: readonly Person[];
  /** instants at which settleAll() was called, ascending */
  settleTimes: readonly number[];
}

/** A late tHandle (quirk handleTimeLag) arrives this long after the wrap-up ends. */
export const HANDLE_TIME_LAG_MS = 20 * 60_000;

/** A wrap-up code and, for about a third of calls, a note. */
export function pickWrapUp(rng: Rng): { wrapUpCode: string; wrapUpNote?: string } {
  const code = rng.pick(CALL_WRAP_UP_CODES).id;
  return rng.chance(0.3) ? { wrapUpCode: code, wrapUpNote: rng.pick(WRAP_UP_NOTES) } : { wrapUpCode: code };
}

export function nameOf(ctx: BuildContext, userId: string): string {
  return ctx.names.get(userId) ?? 'Asesor';
}

/** Adds a recording in `slot`; its upload ends 20-90 s after it (or at day end + 8 h when planned UPLOADING). */
export function recordingAdder(plan: ConversationPlan, ctx: BuildContext, rng: Rng, recordings: TRecording[]) {
  return (slot: number, media: RecordingMedia, sessionId: string, start: number, end: number) => {
    const pending = slot === 0 && plan.fileState === 'UPLOADING';
    const planned = pending ? plan.dayEnd + PENDING_GRACE_MS : end + rng.int(20_000, 90_000);
    const availableAt = settledWithin(ctx.settleTimes, end, planned) ?? planned;
    const finalState = slot === 0 && !pending ? plan.fileState : 'AVAILABLE';
    const id = encodeId(ctx.seedHash, 'recording', plan.day, plan.index * RECORDING_SLOTS + slot);
    recordings.push({ id, media, sessionId, start, end, availableAt, finalState });
  };
}

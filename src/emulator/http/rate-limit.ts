// Request budget over fixed 60 s windows (spec §9), per OAuth client by default (every token of the
// client shares it, so several processes of one client cannot each spend a full budget) or per token.
// Every window is kept, so a test can check that no window went over the limit (journal.rateWindows).
import type { RateWindow } from '../types.js';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  count: number;
  resetSeconds: number;
}

export interface RateLimiter {
  take(key: RateKey): RateDecision;
  peek(key: RateKey): RateDecision;
  windows(clientId?: string): RateWindow[];
}

export interface RateKey {
  clientId: string;
  token: string;
}

const WINDOW_MS = 60_000;
/** Windows kept for the journal view: a day at one window a minute, per client. */
const WINDOWS_KEPT = 20_000;

interface Window {
  key: string;
  clientId: string;
  token?: number;
  start: number;
  count: number;
  limited: number;
}

export function createRateLimiter(limit: number, now: () => number, scope: 'client' | 'token'): RateLimiter {
  const open = new Map<string, Window>();
  const history: Window[] = [];
  const tokenNumbers = new Map<string, number>();
  const tokensPerClient = new Map<string, number>();
  const tokenNumber = (k: RateKey) => {
    let n = tokenNumbers.get(k.token);
    if (n === undefined) {
      n = (tokensPerClient.get(k.clientId) ?? 0) + 1;
      tokensPerClient.set(k.clientId, n);
      tokenNumbers.set(k.token, n);
    }
    return n;
  };
  const current = (k: RateKey) => {
    const key = scope === 'client' ? k.clientId : k.token;
    const t = now();
    let w = open.get(key);
    if (!w || t - w.start >= WINDOW_MS) {
      w = {
        key,
        clientId: k.clientId,
        ...(scope === 'token' ? { token: tokenNumber(k) } : {}),
        start: t,
        count: 0,
        limited: 0,
      };
      open.set(key, w);
      history.push(w);
      if (history.length > WINDOWS_KEPT) history.splice(0, history.length - WINDOWS_KEPT);
    }
    return { w, resetSeconds: Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000)) };
  };
  return {
    take(k) {
      const { w, resetSeconds } = current(k);
      if (w.count >= limit) {
        w.limited++;
        return { allowed: false, limit, count: w.count, resetSeconds };
      }
      w.count++;
      return { allowed: true, limit, count: w.count, resetSeconds };
    },
    peek(k) {
      const w = open.get(scope === 'client' ? k.clientId : k.token);
      const t = now();
      if (!w || t - w.start >= WINDOW_MS) return { allowed: limit > 0, limit, count: 0, resetSeconds: 60 };
      const resetSeconds = Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000));
      return { allowed: w.count < limit, limit, count: w.count, resetSeconds };
    },
    windows(clientId) {
      return history
        .filter((w) => clientId === undefined || w.clientId === clientId)
        .map((w) => ({
          clientId: w.clientId,
          ...(w.token !== undefined ? { token: w.token } : {}),
          start: w.start,
          end: w.start + WINDOW_MS,
          limit,
          counted: w.count,
          limited: w.limited,
        }));
    },
  };
}

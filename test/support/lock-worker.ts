// A separate process that competes for the embedded database's lock (test/security/3-db-lock.test.ts).
// Messages: {go:{round, at, dir}} → spin until `at`, try the lock, answer {round, won, code?, message?};
// {release: round} → release it, answer {released: round}; {exit: true} → exit.
import { lockDataDir } from '../../src/store/db.js';

type Message = { go?: { round: number; at: number; dir: string }; release?: number; exit?: boolean };
let release: (() => void) | undefined;

process.on('message', async (m: Message) => {
  if (m.go) {
    const { round, at, dir } = m.go;
    // Every worker lines up on the same instant, then all try at once.
    while (Date.now() < at) {
      // spin
    }
    try {
      release = await lockDataDir(dir);
      process.send!({ round, won: true });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      process.send!({ round, won: false, code: err.code, message: err.message });
    }
  } else if (m.release !== undefined) {
    release?.();
    release = undefined;
    process.send!({ released: m.release });
  } else if (m.exit) {
    process.exit(0);
  }
});
process.send!({ ready: process.pid });

// Time is injected so tests can control it (STYLE §3). Production uses systemClock.
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

const ignore = () => {};

/**
 * Waits until `wake` settles or `ms` pass, whichever comes first (an abort of `signal` ends it too, without
 * throwing). Unlike a race with `clock.sleep`, the timer is cleared when `wake` wins, so an idle stage's
 * fallback timer cannot keep the process alive after the work is done.
 */
export async function sleepOrWake(
  clock: Clock,
  ms: number,
  wake: Promise<unknown>,
  signal?: AbortSignal,
): Promise<void> {
  const done = new AbortController();
  const stop = signal ? AbortSignal.any([signal, done.signal]) : done.signal;
  try {
    await Promise.race([wake.then(ignore, ignore), clock.sleep(ms, stop).catch(ignore)]);
  } finally {
    done.abort();
  }
}

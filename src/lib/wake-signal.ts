// A wait shared by any number of waiters, ended each time something happened that they should look at.

export interface WakeSignal {
  /** Settles at the next `wake()` (not at one before this call). */
  wait(): Promise<void>;
  /** Ends the current wait; later calls of `wait()` wait for the next wake. */
  wake(): void;
}

export function createWakeSignal(): WakeSignal {
  // Promise.withResolvers is Node 22+.
  let resolve = () => {};
  const fresh = () =>
    new Promise<void>((r) => {
      resolve = r;
    });
  let current = fresh();
  return {
    wait: () => current,
    wake() {
      const end = resolve;
      current = fresh();
      end();
    },
  };
}

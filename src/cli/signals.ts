// How a long-running command (`serve`, `worker`) ends: the first SIGTERM or SIGINT stops it gracefully,
// a second one exits at once.
import { EXIT } from './output.js';

/** Resolves once `stop` has finished after the first signal; a second signal exits the process. */
export function stopOnSignal(command: string, stop: (reason: string) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) {
        process.stderr.write(`audio-extract ${command}: second ${signal}, exiting without waiting\n`);
        process.exit(EXIT.failed);
      }
      void stop(`received ${signal}`).finally(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

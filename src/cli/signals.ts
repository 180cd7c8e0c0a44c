// How a long-running command (`serve`, `worker`) ends: the first SIGTERM or SIGINT stops it gracefully,
// a second one exits at once.
import { EXIT } from './output.js';

/**
 * Resolves once `stop` has finished after the first signal, or rejects with its error (the command then
 * ends with one message and exit 1, as for any other error); a second signal exits the process.
 */
export function stopOnSignal(command: string, stop: (reason: string) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) {
        process.stderr.write(`audio-extract ${command}: second ${signal}, exiting without waiting\n`);
        process.exit(EXIT.failed);
      }
      const done = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
      stop(`received ${signal}`).then(
        () => {
          done();
          resolve();
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

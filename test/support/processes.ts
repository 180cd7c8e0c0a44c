// Process ids for tests of who owns a temporary file: one of a process that has exited (its temporary
// files are leftovers), as the day's cleanup would see after a crash.
import { spawn } from 'node:child_process';

/** The pid of a process that ran and exited. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

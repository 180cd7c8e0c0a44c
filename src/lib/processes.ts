// Whether a process of this machine is still running, for the database lock (src/store/dir-lock.ts) and
// the day's cleanup of temporary files (src/storage/temp-names.ts).

/** True when `pid` is running; a process this user may not signal (EPERM) is running too. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

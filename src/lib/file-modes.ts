// Who may read what audio-extract writes under DATA_DIR: call recordings are personal data (voices, card
// numbers read aloud) and the database says who called whom. Owner only by default; DATA_GROUP_READ
// lets the process' group read the audio (a transcription service's account). See docs/decisions/0008.
import { chmod, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface FileModes {
  file: number;
  dir: number;
  /** the process umask that gives those modes to whatever the process creates */
  umask: number;
}

export function dataDirModes(groupRead: boolean): FileModes {
  return groupRead ? { file: 0o640, dir: 0o750, umask: 0o027 } : { file: 0o600, dir: 0o700, umask: 0o077 };
}

/** The embedded database stays owner-only whatever DATA_GROUP_READ says: nobody else needs it. */
export const DATABASE_MODES: FileModes = dataDirModes(false);

/**
 * Gives every file and directory under `root` (root included) exactly `modes`. For files created by code
 * that sets their mode explicitly, where the umask does not apply: PGlite's initdb chmods its ~1,000
 * files to 0666 (measured on 0.5.16). Symbolic links are left alone (chmod would follow them out).
 * `last`, a file under `root`, is fixed after all the others, so that its mode says the walk finished.
 */
export async function restrictTree(root: string, modes: FileModes, last?: string): Promise<void> {
  const fix = async (p: string, isDir: boolean) => {
    const want = isDir ? modes.dir : modes.file;
    if (((await lstat(p)).mode & 0o7777) !== want) await chmod(p, want);
  };
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const p = path.join(dir, entry.name);
        if (entry.isSymbolicLink() || p === last) return;
        await fix(p, entry.isDirectory());
        if (entry.isDirectory()) await walk(p);
      }),
    );
  };
  await fix(root, true);
  await walk(root);
  if (last) await fix(last, false);
}

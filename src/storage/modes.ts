// The modes of everything under DATA_DIR (docs/decisions/0008): set once, before a command creates
// anything there.
import { chmod, mkdir } from 'node:fs/promises';
import { dataDirModes } from '../lib/file-modes.js';
import { errnoCode, mapFsError } from './fs-errors.js';

/**
 * Sets the process umask so that every file and directory created from now on (audio, manifests, the
 * embedded database's own files, whoever opens them) is owner-only (files 0600, directories 0700), or
 * has group-readable audio with DATA_GROUP_READ (0640/0750). Then creates DATA_DIR if needed and gives
 * it that directory mode, which also closes files an earlier version left readable. Returns a warning
 * when DATA_DIR belongs to another user and its mode cannot be changed.
 */
export async function protectDataDir(dataDir: string, groupRead: boolean): Promise<string | undefined> {
  const modes = dataDirModes(groupRead);
  process.umask(modes.umask);
  try {
    await mkdir(dataDir, { recursive: true, mode: modes.dir });
    await chmod(dataDir, modes.dir);
  } catch (e) {
    if (errnoCode(e) !== 'EPERM') throw mapFsError(e, dataDir);
    return `DATA_DIR ${dataDir} belongs to another user: its mode could not be set to ${modes.dir.toString(8)}; check who else can read it`;
  }
  return undefined;
}

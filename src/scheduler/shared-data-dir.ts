// With local storage, every process on one PostgreSQL must write the same directory: a day's files
// written partly to one machine's disk and partly to another's would leave no place with the whole
// day. The check (ADR 0016): the audio directory (DATA_DIR/audio, or STORAGE_URL's file:// root) holds
// a random mark (storage/data-dir-mark.ts) and the database records the mark of the first directory
// that came; a process whose directory has another mark (or none yet, so it makes a new one) sees
// another directory than the others, and refuses to start.
import type { Config } from '../config/schema.js';
import { EnvironmentError } from '../lib/errors.js';
import { dataDirMark, MARK_FILE } from '../storage/data-dir-mark.js';
import { storageLocation } from '../storage/index.js';
import type { Db } from '../store/db.js';
import { recordSharedMark } from '../store/shared-marks.js';

/** Throws DATA_DIR_NOT_SHARED when this process' audio directory is not the one the others use. */
export async function checkSharedDataDir(
  db: Db,
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'STORAGE_URL'>,
): Promise<void> {
  // The embedded database has one process; object storage is one place for every process by nature.
  const location = storageLocation(config);
  if (!config.DATABASE_URL || location.kind !== 'file') return;
  const here = await dataDirMark(location.root);
  const shared = await recordSharedMark(db, 'data_dir', here);
  if (shared === here) return;
  throw new EnvironmentError(
    'DATA_DIR_NOT_SHARED',
    `the audio directory ${location.root} (DATA_DIR/audio, or STORAGE_URL) is not the directory the other ` +
      `processes on this database use: its ${MARK_FILE} holds ${here}, theirs holds ${shared}. Every ` +
      'worker must write one shared filesystem (mount it at DATA_DIR on this machine) or object storage ' +
      `(STORAGE_URL=s3://…). If this directory replaced theirs on purpose, write ${shared} into ` +
      `${location.root}/${MARK_FILE}.`,
  );
}

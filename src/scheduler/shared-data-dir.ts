// With local storage, every process on one PostgreSQL must write the same directory: a day's files
// written partly to one machine's disk and partly to another's would leave no place with the whole
// day. The check (ADR 0016): DATA_DIR holds a random mark (storage/data-dir-mark.ts) and the database
// records the mark of the first DATA_DIR that came; a process whose DATA_DIR has another mark (or
// none yet, so it makes a new one) sees another directory than the others, and refuses to start.
import type { Config } from '../config/schema.js';
import { EnvironmentError } from '../lib/errors.js';
import { dataDirMark, MARK_FILE } from '../storage/data-dir-mark.js';
import { storageLocation } from '../storage/index.js';
import type { Db } from '../store/db.js';
import { recordSharedMark } from '../store/shared-marks.js';

/** Throws DATA_DIR_NOT_SHARED when this process' DATA_DIR is not the one the others on the database use. */
export async function checkSharedDataDir(
  db: Db,
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'STORAGE_URL'>,
): Promise<void> {
  // The embedded database has one process; object storage is one place for every process by nature.
  if (!config.DATABASE_URL || storageLocation(config).kind !== 'file') return;
  const here = await dataDirMark(config.DATA_DIR);
  const shared = await recordSharedMark(db, 'data_dir', here);
  if (shared === here) return;
  throw new EnvironmentError(
    'DATA_DIR_NOT_SHARED',
    `DATA_DIR (${config.DATA_DIR}) is not the directory the other processes on this database use: ` +
      `its ${MARK_FILE} holds ${here}, theirs holds ${shared}. Every worker must write one shared ` +
      'filesystem (mount it at DATA_DIR on this machine) or object storage (STORAGE_URL=s3://…). If this ' +
      `directory replaced theirs on purpose, write ${shared} into ${MARK_FILE} here.`,
  );
}

// Filesystem failures that an operator must fix (full disk, unwritable DATA_DIR) become one clear
// EnvironmentError; anything else is rethrown untouched so its code and stack survive.
import { EnvironmentError } from '../lib/errors.js';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
// ENOTDIR: DATA_DIR (or a parent) is a regular file. EISDIR: the target name is taken by a directory.
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR']);

export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps an fs error met while writing under `dir` to an operator-facing error; returns others as is. */
export function mapFsError(e: unknown, dir: string): unknown {
  const code = errnoCode(e);
  if (code && DISK_FULL.has(code)) {
    return new EnvironmentError(
      'DISK_FULL',
      `disk full writing ${dir}: free space and run again; finished files are kept (${code})`,
      { cause: e },
    );
  }
  if (code && NOT_WRITABLE.has(code)) {
    return new EnvironmentError(
      'DATA_DIR_NOT_WRITABLE',
      `cannot write ${dir} (${code}): DATA_DIR must be a writable directory; ` +
        'fix its permissions or set DATA_DIR to another path (example: DATA_DIR=./data)',
      { cause: e },
    );
  }
  return e;
}

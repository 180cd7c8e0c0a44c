// A process date names a folder (local) or a key prefix (S3); it is checked before it becomes either.
import { AppError } from '../lib/errors.js';
import { resolveInside } from '../lib/paths.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Returns `processDate` when it is `YYYY-MM-DD`; throws UNSAFE_PATH otherwise. */
export function checkedDate(processDate: string): string {
  if (!DATE.test(processDate)) {
    throw new AppError('UNSAFE_PATH', `process date ${JSON.stringify(processDate)} must be YYYY-MM-DD`);
  }
  return processDate;
}

/** `<root>/<processDate>` (absolute). */
export function dayFolder(root: string, processDate: string): string {
  return resolveInside(root, checkedDate(processDate));
}

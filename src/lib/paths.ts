// Identifiers from Genesys (conversation ids, recording ids) and dates end up in file names. They come
// from a remote API, so they are validated before they touch the filesystem: a crafted or corrupted id
// such as `../../etc` must never let a write escape DATA_DIR.
import path from 'node:path';
import { AppError } from './errors.js';

const SAFE_SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;
const SHOWN_MAX = 40;

function shown(value: string): string {
  const cut = value.length > SHOWN_MAX ? `${value.slice(0, SHOWN_MAX)}…` : value;
  return JSON.stringify(cut);
}

/**
 * Returns `value` unchanged when it is safe as one path segment: only `[A-Za-z0-9._-]`, 1..128
 * characters, and not `.` or `..`. Otherwise throws `AppError('UNSAFE_PATH')` naming `kind`.
 * @example safeSegment('conversation id', '5f1c…') // '5f1c…'
 */
export function safeSegment(kind: string, value: string): string {
  if (typeof value !== 'string' || !SAFE_SEGMENT.test(value) || value === '.' || value === '..') {
    throw new AppError(
      'UNSAFE_PATH',
      `unsafe ${kind} ${shown(String(value))}: only letters, digits, '.', '_' and '-' are allowed ` +
        `(1 to 128 characters, not '.' or '..')`,
    );
  }
  return value;
}

/** Resolves `segments` under `root` and throws `AppError('UNSAFE_PATH')` if the result leaves `root`. */
export function resolveInside(root: string, ...segments: string[]): string {
  const base = path.resolve(root);
  const target = path.resolve(base, ...segments);
  const rel = path.relative(base, target);
  if (rel !== '' && (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel))) {
    throw new AppError(
      'UNSAFE_PATH',
      `path ${shown(segments.join('/'))} resolves outside ${shown(base)}; refusing to use it`,
    );
  }
  return target;
}

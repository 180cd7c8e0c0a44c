// The mark of the local audio directory (ADR 0016): a random id in <dir>/.audio-extract-mark, made by
// the first process that looks, so that processes on several machines can tell whether they see one
// shared directory (the same mark) or each their own disk (different marks).
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, mapFsError } from './fs-errors.js';

export const MARK_FILE = '.audio-extract-mark';

/** The directory's mark, made now if it has none. Two processes making one at once agree on one. */
export async function dataDirMark(dataDir: string): Promise<string> {
  const file = path.join(path.resolve(dataDir), MARK_FILE);
  const existing = await readMark(file);
  if (existing) return existing;
  const mark = randomBytes(16).toString('hex');
  // Written whole to a name of its own, then linked into place: a reader never sees half a mark, and
  // link() fails when another process linked its own first (whose mark then wins).
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, `${mark}\n`, { flag: 'wx' });
    await link(temp, file).catch((e) => {
      if (errnoCode(e) !== 'EEXIST') throw e;
    });
  } catch (e) {
    throw mapFsError(e, path.dirname(file));
  } finally {
    await rm(temp, { force: true });
  }
  const linked = await readMark(file);
  if (!linked) throw new Error(`${file} is empty`);
  return linked;
}

async function readMark(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw mapFsError(e, path.dirname(file));
  }
}

// A ready-made embedded database: the data directory of a new, migrated database (job queue schema
// included), packed once at install time (bin/db-image.js) and unpacked into a new DATA_DIR/db
// instead of running PGlite's initdb. Measured on the CLI's first command on a new DATA_DIR: initdb
// took 7-10 s with an 816 MB peak RSS; unpacking and opening take about a second and the RSS of an
// ordinary open (ADR 0014).
//
// The image is a gzipped ustar archive of regular files and directories (`tar tzf` lists it), with a
// JSON description beside it. It is used only when it was made by the PGlite version now installed and
// from migrations that are a prefix of the ones now in drizzle/: an image older than the code is fine,
// the migrations after it run on open as on any existing database.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import { AppError } from '../lib/errors.js';
import { DATABASE_MODES } from '../lib/file-modes.js';
import { resolveInside } from '../lib/paths.js';

export const IMAGE_FILE = 'pglite.tar.gz';
export const IMAGE_INFO = 'pglite.json';
/** Written before unpacking starts and removed after PG_VERSION, the last file: a cut-short unpack. */
const UNPACKING = '.unpacking';
/** initdb's own file; PGlite (like PostgreSQL) takes a directory holding it for a database. */
const DONE_MARK = 'PG_VERSION';
/** The lock (dir-lock.ts) and its temporary files live in the same directory and are never packed. */
const isLockFile = (name: string) => name.startsWith('audio-extract.lock');

export interface Migration {
  tag: string;
  when: number;
}

export interface ImageInfo {
  format: 1;
  /** the @electric-sql/pglite version that wrote the files */
  pglite: string;
  /** drizzle/meta/_journal.json entries applied in the image */
  migrations: Migration[];
  builtAt: string;
}

const BLOCK = 512;

/** Where `npm ci` (bin/db-image.js) puts the image: dist/db-image/ of the package this file is in. */
export function installedImageDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'db-image');
}

/** The installed PGlite's version (its package.json is not exported: found beside its entry point). */
export function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
}

/** The migrations drizzle/ holds, in order. */
export function journalMigrations(migrationsFolder: string): Migration[] {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  return journal.entries.map((e) => ({ tag: e.tag, when: e.when }));
}

/** Why the image cannot serve this code (undefined: it can). Pure, so it is tested as a table. */
export function imageMismatch(
  info: ImageInfo,
  installed: { pglite: string; migrations: Migration[] },
): string | undefined {
  if (info.format !== 1) return `unknown image format ${String(info.format)}`;
  if (info.pglite !== installed.pglite)
    return `made by PGlite ${info.pglite}, PGlite ${installed.pglite} is installed`;
  if (info.migrations.length > installed.migrations.length)
    return 'made from newer migrations than drizzle/ holds';
  for (let i = 0; i < info.migrations.length; i++) {
    const a = info.migrations[i]!;
    const b = installed.migrations[i]!;
    if (a.tag !== b.tag || a.when !== b.when) return `its migration ${a.tag} is not drizzle/'s ${b.tag}`;
  }
  return undefined;
}

// ustar header fields: [offset, length].
const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  type: [156, 1],
  magic: [257, 6],
  version: [263, 2],
} as const;

function header(name: string, type: '0' | '5', size: number, mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`path too long for the image: ${name}`);
  const h = Buffer.alloc(BLOCK);
  const put = ([at, len]: readonly [number, number], text: string) => h.write(text, at, len, 'latin1');
  const octal = (field: readonly [number, number], n: number) =>
    put(field, `${n.toString(8).padStart(field[1] - 1, '0')}\0`);
  h.write(name, 0, 100, 'utf8');
  octal(F.mode, mode);
  octal(F.uid, 0);
  octal(F.gid, 0);
  octal(F.size, size);
  octal(F.mtime, 0);
  put(F.type, type);
  put(F.magic, 'ustar\0');
  put(F.version, '00');
  put(F.chksum, '        ');
  let sum = 0;
  for (const b of h) sum += b;
  put(F.chksum, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/**
 * Packs the database directory `dir` (closed) into `outDir`/pglite.tar.gz with its description. Files
 * go in path order, directories before what they hold.
 */
export async function packDatabaseImage(
  dir: string,
  outDir: string,
  info: Omit<ImageInfo, 'format' | 'builtAt'>,
): Promise<ImageInfo> {
  const parts: Buffer[] = [];
  const walk = async (rel: string) => {
    const entries = (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        parts.push(header(`${child}/`, '5', 0, DATABASE_MODES.dir));
        await walk(child);
      } else if (e.isFile() && !isLockFile(e.name)) {
        const bytes = await readFile(path.join(dir, child));
        parts.push(header(child, '0', bytes.length, DATABASE_MODES.file), bytes);
        const pad = (BLOCK - (bytes.length % BLOCK)) % BLOCK;
        if (pad) parts.push(Buffer.alloc(pad));
      }
    }
  };
  await walk('');
  parts.push(Buffer.alloc(2 * BLOCK));
  const full: ImageInfo = { format: 1, ...info, builtAt: new Date().toISOString() };
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, IMAGE_FILE), gzipSync(Buffer.concat(parts), { level: 9 }));
  await writeFile(path.join(outDir, IMAGE_INFO), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

interface Entry {
  name: string;
  type: 'file' | 'dir';
  data: Buffer;
}

function readOctal(h: Buffer, [at, len]: readonly [number, number]): number {
  const text = h
    .toString('latin1', at, at + len)
    .replace(/\0.*$/s, '')
    .trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** The entries of an uncompressed archive; anything but a plain file or directory is refused. */
function* entries(tar: Buffer): Generator<Entry> {
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const h = tar.subarray(at, at + BLOCK);
    const name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    if (name === '') return;
    const size = readOctal(h, F.size);
    const type = h.toString('latin1', 156, 157);
    if (type !== '0' && type !== '\0' && type !== '5')
      throw new Error(`unexpected entry type in the image: ${name}`);
    const start = at + BLOCK;
    if (start + size > tar.length) throw new Error(`the image ends inside ${name}`);
    yield {
      name: name.replace(/\/$/, ''),
      type: type === '5' ? 'dir' : 'file',
      data: tar.subarray(start, start + size),
    };
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** The image to use for a new database, or why none (undefined file: no image installed). */
export function usableImage(
  imageDir: string,
  migrationsFolder: string,
): { file: string; info: ImageInfo } | { file?: undefined; why: string } {
  const file = path.join(imageDir, IMAGE_FILE);
  let info: ImageInfo;
  try {
    info = JSON.parse(readFileSync(path.join(imageDir, IMAGE_INFO), 'utf8')) as ImageInfo;
  } catch {
    return { why: `no database image in ${imageDir}` };
  }
  if (!existsSync(file)) return { why: `${file} is missing` };
  const why = imageMismatch(info, {
    pglite: pgliteVersion(),
    migrations: journalMigrations(migrationsFolder),
  });
  return why ? { why: `the database image cannot be used: ${why}` } : { file, info };
}

/**
 * Unpacks the image into `dir` (the database directory, locked by this process) when it holds no
 * database yet: owner-only modes from the start (no other user can see a file in between), PG_VERSION
 * last. An unpack cut short (marker still there, no PG_VERSION) is cleared and done again. A directory
 * with other files but neither is left alone: it is not ours to clear. Returns whether it unpacked.
 */
export async function unpackDatabaseImage(dir: string, image: string): Promise<boolean> {
  if (existsSync(path.join(dir, DONE_MARK))) return false;
  const present = (await readdir(dir)).filter((n) => !isLockFile(n));
  if (present.includes(UNPACKING)) {
    for (const n of present) await rm(path.join(dir, n), { recursive: true, force: true });
  } else if (present.length > 0) {
    return false;
  }
  await writeFile(path.join(dir, UNPACKING), '', { mode: DATABASE_MODES.file });
  try {
    const tar = await promisify(gunzip)(await readFile(image));
    let done: Entry | undefined;
    // Synchronous writes: ~1,000 small files took 70-100 ms so, against 370-670 ms through the thread pool.
    for (const e of entries(tar)) {
      const target = resolveInside(dir, e.name);
      if (e.type === 'dir') mkdirSync(target, { recursive: true, mode: DATABASE_MODES.dir });
      else if (e.name === DONE_MARK) done = e;
      else writeOwnerOnly(target, e.data);
    }
    if (!done)
      throw new AppError('DB_IMAGE_INVALID', `${image} holds no ${DONE_MARK}: rebuild it with npm run build`);
    writeOwnerOnly(path.join(dir, DONE_MARK), done.data);
  } catch (e) {
    // Leave the directory as it was found, so initdb can still create the database in it.
    for (const n of (await readdir(dir)).filter((n) => !isLockFile(n)))
      await rm(path.join(dir, n), { recursive: true, force: true }).catch(() => {});
    throw e;
  }
  await rm(path.join(dir, UNPACKING), { force: true });
  return true;
}

/** A new file, owner-only from its creation ('wx': never over an existing one). */
function writeOwnerOnly(file: string, data: Buffer): void {
  writeFileSync(file, data, { mode: DATABASE_MODES.file, flag: 'wx' });
}

// A new embedded database starts from the image built at install time instead of PGlite's initdb: it
// must be the same database (migrated, job queue ready, owner-only files), an image older than the code
// must still give a current database, and an image that cannot serve (another PGlite, cut short,
// corrupt) must never leave a broken DATA_DIR.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabaseImage } from '../../src/cli/database-image.js';
import { prepareJobQueue } from '../../src/scheduler/job-queue.js';
import { protectDataDir } from '../../src/storage/index.js';
import { MIGRATIONS, openDb } from '../../src/store/db.js';
import {
  IMAGE_FILE,
  IMAGE_INFO,
  type ImageInfo,
  imageMismatch,
  packDatabaseImage,
  pgliteVersion,
  unpackDatabaseImage,
  usableImage,
} from '../../src/store/db-image.js';
import { jobSchemaInstalled } from '../../src/store/job-tables.js';

let root: string;
let current: string;
let previousUmask: number;

beforeAll(async () => {
  previousUmask = process.umask(0o022);
  root = await mkdtemp(path.join(tmpdir(), 'ae-db-image-'));
  current = path.join(root, 'image-current');
  await buildDatabaseImage(current);
}, 180_000);

afterAll(async () => {
  process.umask(previousUmask);
  await rm(root, { recursive: true, force: true });
});

async function newDataDir(name: string): Promise<string> {
  const dir = path.join(root, name);
  await protectDataDir(dir, false);
  return dir;
}

/** Every file and directory under the database that someone other than the owner could open. */
async function notOwnerOnly(dataDir: string): Promise<string[]> {
  const db = path.join(dataDir, 'db');
  const out: string[] = [];
  for (const rel of await readdir(db, { recursive: true })) {
    const st = await lstat(path.join(db, rel));
    if ((st.mode & 0o077) !== 0) out.push(`${rel} ${(st.mode & 0o777).toString(8)}`);
  }
  return out;
}

/** Opens the DATA_DIR as every command does, and reads what a command needs from it. */
async function openAndLook(dataDir: string, imageDir: string | false) {
  const store = await openDb({ dataDir, imageDir, setUp: (s) => prepareJobQueue(s) });
  try {
    const tables = (
      await store.sql.executeSql(
        `select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
      )
    ).rows as { name: string }[];
    const migrations = (
      await store.sql.executeSql('select count(*)::int as n from drizzle.__drizzle_migrations')
    ).rows as { n: number }[];
    return {
      tables: tables.map((r) => r.name),
      migrations: migrations[0]!.n,
      jobQueue: await jobSchemaInstalled(store.sql),
    };
  } finally {
    await store.close();
  }
}

const TABLES = ['batches', 'conversations', 'notifications', 'recordings', 'runs'];

describe('the database image', () => {
  it('a new DATA_DIR from the image is migrated, has the job queue, and is owner-only', async () => {
    const dataDir = await newDataDir('from-image');
    const started = performance.now();
    const seen = await openAndLook(dataDir, current);
    const took = performance.now() - started;
    expect(seen.tables).toEqual(expect.arrayContaining(TABLES));
    expect(seen.migrations).toBe(
      JSON.parse(await readFile(path.join(current, IMAGE_INFO), 'utf8')).migrations.length,
    );
    expect(seen.jobQueue).toBe(true);
    expect(await notOwnerOnly(dataDir)).toEqual([]);
    // Reopened like any existing database, with what the first open wrote.
    expect(await openAndLook(dataDir, current)).toEqual(seen);
    // Not a timing test (the machine is shared): far from the 7-10 s of initdb, it shows the image was used.
    expect(took).toBeLessThan(6_000);
  }, 60_000);

  it('an image made before a migration existed still gives a current database (the rest migrate on open)', async () => {
    // The oldest possible image: a bare PostgreSQL data directory, no migration, no job queue.
    const bare = path.join(root, 'bare-db');
    const pg = new PGlite(bare);
    await pg.waitReady;
    await pg.close();
    const old = path.join(root, 'image-old');
    await packDatabaseImage(bare, old, { pglite: pgliteVersion(), migrations: [] });
    expect(usableImage(old, MIGRATIONS).file).toBeDefined();

    const dataDir = await newDataDir('from-old-image');
    const seen = await openAndLook(dataDir, old);
    expect(seen.tables).toEqual(expect.arrayContaining(TABLES));
    expect(seen.jobQueue).toBe(true);
    expect(await notOwnerOnly(dataDir)).toEqual([]);
  }, 120_000);

  it('an unpack cut short is cleared and done again; a directory that is not ours is left alone', async () => {
    const dataDir = await newDataDir('cut-short');
    const db = path.join(dataDir, 'db');
    await mkdir(path.join(db, 'base'), { recursive: true });
    await writeFile(path.join(db, '.unpacking'), '');
    await writeFile(path.join(db, 'base', 'half-written'), 'x');
    expect(await unpackDatabaseImage(db, path.join(current, IMAGE_FILE))).toBe(true);
    expect(await readdir(path.join(db, 'base'))).not.toContain('half-written');
    expect(await readdir(db)).not.toContain('.unpacking');

    const foreign = path.join(root, 'foreign');
    await mkdir(foreign);
    await writeFile(path.join(foreign, 'notes.txt'), 'mine');
    expect(await unpackDatabaseImage(foreign, path.join(current, IMAGE_FILE))).toBe(false);
    expect(await readdir(foreign)).toEqual(['notes.txt']);
  }, 60_000);

  it('a corrupt image falls back to initdb, and the database is still owner-only', async () => {
    const corrupt = path.join(root, 'image-corrupt');
    await mkdir(corrupt);
    await writeFile(path.join(corrupt, IMAGE_INFO), await readFile(path.join(current, IMAGE_INFO)));
    const bytes = await readFile(path.join(current, IMAGE_FILE));
    await writeFile(path.join(corrupt, IMAGE_FILE), bytes.subarray(0, bytes.length >> 1));
    const dataDir = await newDataDir('from-corrupt');
    const seen = await openAndLook(dataDir, corrupt);
    expect(seen.tables).toEqual(expect.arrayContaining(TABLES));
    expect(seen.jobQueue).toBe(true);
    expect(await notOwnerOnly(dataDir)).toEqual([]);
  }, 180_000);
});

describe('imageMismatch', () => {
  const installed = {
    pglite: '0.5.16',
    migrations: [
      { tag: '0000_init', when: 1 },
      { tag: '0001_names', when: 2 },
    ],
  };
  const image = (over: Partial<ImageInfo>): ImageInfo => ({
    format: 1,
    pglite: '0.5.16',
    migrations: [{ tag: '0000_init', when: 1 }],
    builtAt: '2026-12-05T00:00:00Z',
    ...over,
  });
  it.each<[string, ImageInfo, RegExp | undefined]>([
    ['older migrations: usable', image({}), undefined],
    ['the same migrations: usable', image({ migrations: installed.migrations }), undefined],
    ['no migration at all: usable', image({ migrations: [] }), undefined],
    ['another PGlite', image({ pglite: '0.5.17' }), /PGlite 0\.5\.17/],
    [
      'newer migrations than the code',
      image({ migrations: [...installed.migrations, { tag: '0002_x', when: 3 }] }),
      /newer migrations/,
    ],
    [
      'a migration the code does not have',
      image({ migrations: [{ tag: '0000_other', when: 1 }] }),
      /0000_other/,
    ],
    [
      'the same tag made at another time',
      image({ migrations: [{ tag: '0000_init', when: 9 }] }),
      /0000_init/,
    ],
  ])('%s', (_name, info, expected) => {
    const why = imageMismatch(info, installed);
    if (expected) expect(why).toMatch(expected);
    else expect(why).toBeUndefined();
  });
});

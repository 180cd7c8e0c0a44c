// Builds the image a new embedded database starts from (src/store/db-image.ts, ADR 0014): a database
// created exactly as every command creates one (our migrations, then the job queue's schema and day
// queue), closed, and packed. Run at install time by bin/db-image.js.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareJobQueue } from '../scheduler/job-queue.js';
import { MIGRATIONS, openDb } from '../store/db.js';
import { type ImageInfo, journalMigrations, packDatabaseImage, pgliteVersion } from '../store/db-image.js';

export async function buildDatabaseImage(outDir: string): Promise<ImageInfo> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'audio-extract-db-image-'));
  try {
    const store = await openDb({ dataDir, setUp: (s) => prepareJobQueue(s), imageDir: false });
    await store.close();
    return await packDatabaseImage(path.join(dataDir, 'db'), outDir, {
      pglite: pgliteVersion(),
      migrations: journalMigrations(MIGRATIONS),
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

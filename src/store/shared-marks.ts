// Marks shared by every process on the database (ADR 0016). The first process to record one sets it;
// every later one reads the mark already there.
import { eq } from 'drizzle-orm';
import type { Db } from './db.js';
import { sharedMarks } from './schema.js';

/** Records `mark` under `name` unless one is recorded already; returns the recorded one. */
export async function recordSharedMark(db: Db, name: string, mark: string): Promise<string> {
  await db.insert(sharedMarks).values({ name, mark }).onConflictDoNothing({ target: sharedMarks.name });
  const [row] = await db
    .select({ mark: sharedMarks.mark })
    .from(sharedMarks)
    .where(eq(sharedMarks.name, name));
  return row!.mark;
}

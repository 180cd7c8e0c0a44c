// Notification rows. A row is claimed (status `sending`) before the HTTP call and marked `sent` after, so
// a resumed run does not e-mail twice; a crash in between is the only window for a duplicate.
import { eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { notifications } from './schema.js';

export type NotificationRow = typeof notifications.$inferSelect;

/** Returns the row to send, or undefined when this exact outcome was already sent for the date. */
export async function claimNotification(
  db: Db,
  input: { processDate: string; dedupeKey: string; outcome: string; payload: unknown },
): Promise<NotificationRow | undefined> {
  const [row] = await db
    .insert(notifications)
    .values({ ...input, status: 'sending' })
    .onConflictDoUpdate({
      target: [notifications.processDate, notifications.dedupeKey],
      set: { status: 'sending', payload: sql`excluded.payload` },
      setWhere: sql`${notifications.status} <> 'sent'`,
    })
    .returning();
  return row;
}

export async function markNotification(
  db: Db,
  id: number,
  result: { status: 'sent' | 'failed'; attempts: number; httpStatus: number | null; error: string | null },
): Promise<void> {
  await db
    .update(notifications)
    .set({ ...result, sentAt: result.status === 'sent' ? sql`now()` : null })
    .where(eq(notifications.id, id));
}

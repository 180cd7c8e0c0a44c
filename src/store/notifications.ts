// Notification rows. A row is claimed (status `sending`) before the HTTP call and marked `sent` after, so
// a resumed run does not e-mail twice; a crash in between is the only window for a duplicate. The claim
// has an end (claim_expires_at, the database's clock): a process that crashed while sending leaves a
// claim another may take once it ends, and a live sender's claim cannot be taken (ADR 0016).
import { eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { notifications } from './schema.js';

export type NotificationRow = typeof notifications.$inferSelect;

/**
 * Returns the row to send, claimed by `owner` for `claimMs`; undefined when this exact outcome was
 * already sent for the date, or another process is sending it now (its claim has not ended).
 */
export async function claimNotification(
  db: Db,
  input: { processDate: string; dedupeKey: string; outcome: string; payload: unknown },
  owner: string,
  claimMs: number,
): Promise<NotificationRow | undefined> {
  const until = sql`clock_timestamp() + make_interval(secs => ${claimMs / 1000})`;
  const [row] = await db
    .insert(notifications)
    .values({ ...input, status: 'sending', claimedBy: owner, claimExpiresAt: until })
    .onConflictDoUpdate({
      target: [notifications.processDate, notifications.dedupeKey],
      set: {
        status: 'sending',
        payload: sql`excluded.payload`,
        claimedBy: sql`excluded.claimed_by`,
        claimExpiresAt: sql`excluded.claim_expires_at`,
      },
      // A row claimed before claims had an end (claim_expires_at null) is taken like an ended one.
      setWhere: sql`${notifications.status} <> 'sent' and (${notifications.status} <> 'sending'
        or ${notifications.claimExpiresAt} is null or ${notifications.claimExpiresAt} <= clock_timestamp()
        or ${notifications.claimedBy} = excluded.claimed_by)`,
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
    .set({ ...result, sentAt: result.status === 'sent' ? sql`now()` : null, claimExpiresAt: null })
    .where(eq(notifications.id, id));
}

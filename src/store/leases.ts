// Leases: who works a day or a batch right now, across every process on the database (ADR 0016). A
// lease is one row, taken when free or expired, renewed by its holder while it works, and given back
// when the work ends. Every instant is the database's clock, so the machines' clocks never have to agree.
import { inArray, sql } from 'drizzle-orm';
import { type Db, rowsOf } from './db.js';
import { leases, notifications } from './schema.js';

/**
 * Takes the lease for `owner` when nobody holds it, its holder let it expire, or `owner` holds it
 * already (renewing it). True when `owner` holds it afterwards.
 */
export async function acquireLease(db: Db, key: string, owner: string, ttlMs: number): Promise<boolean> {
  const rows = rowsOf<{ owner: string }>(
    await db.execute(sql`
      insert into ${leases} (key, owner, expires_at, acquired_at)
      values (${key}, ${owner}, clock_timestamp() + make_interval(secs => ${ttlMs / 1000}), clock_timestamp())
      on conflict (key) do update set
        owner = excluded.owner,
        expires_at = excluded.expires_at,
        acquired_at = case when ${leases.owner} = excluded.owner then ${leases.acquiredAt}
                           else excluded.acquired_at end
      where ${leases.owner} = excluded.owner or ${leases.expiresAt} <= clock_timestamp()
      returning owner`),
  );
  return rows.length === 1;
}

/**
 * Pushes the lease's end `ttlMs` past now. False when `owner` no longer holds it (another process took
 * it after it expired): the work must stop. A lease that expired but that nobody took is still ours.
 */
export async function renewLease(db: Db, key: string, owner: string, ttlMs: number): Promise<boolean> {
  const rows = rowsOf<{ key: string }>(
    await db.execute(sql`
      update ${leases} set expires_at = clock_timestamp() + make_interval(secs => ${ttlMs / 1000})
      where key = ${key} and owner = ${owner}
      returning key`),
  );
  return rows.length === 1;
}

export async function releaseLease(db: Db, key: string, owner: string): Promise<void> {
  await db.execute(sql`delete from ${leases} where key = ${key} and owner = ${owner}`);
}

export interface LeaseHolder {
  owner: string;
  /** ms until it expires by the database's clock; ≤ 0 once expired */
  remainingMs: number;
}

/** The current holder of each key that has a live or expired lease row. */
export async function leaseHolders(db: Db, keys: readonly string[]): Promise<Map<string, LeaseHolder>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select({
      key: leases.key,
      owner: leases.owner,
      remainingMs: sql<number>`(extract(epoch from ${leases.expiresAt} - clock_timestamp()) * 1000)::float8`,
    })
    .from(leases)
    .where(inArray(leases.key, [...keys]));
  return new Map(rows.map((r) => [r.key, { owner: r.owner, remainingMs: Number(r.remainingMs) }]));
}

/** How many live leases have a key starting with `prefix` (e.g. `worker:`: the workers running now). */
export async function liveLeaseCount(db: Db, prefix: string): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await db.execute(sql`
      select count(*)::int as n from ${leases}
      where starts_with(key, ${prefix}) and expires_at > clock_timestamp()`),
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Drops every lease and e-mail claim. Only for the embedded database at start-up: it is locked to one
 * process, so whatever a lease or claim in it says belonged to a process that is gone.
 */
export async function releaseOrphanedClaims(db: Db): Promise<number> {
  const dropped = await db.delete(leases).returning({ key: leases.key });
  const claims = await db
    .update(notifications)
    .set({ claimExpiresAt: null })
    .where(sql`${notifications.status} = 'sending' and ${notifications.claimExpiresAt} is not null`)
    .returning({ id: notifications.id });
  return dropped.length + claims.length;
}

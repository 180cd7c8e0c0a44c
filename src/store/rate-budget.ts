// The shared Genesys rate budget (ADR 0017): one token bucket row per OAuth client, taken from by every
// process on the database, one statement per grant, on the database's clock (stack notes §3.4). The
// row holds only the state (tokens at updated_at, blocked_until); the rate and size come with each
// call, from the caller's configuration.
import { sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { rateBudgets } from './schema.js';

export interface BudgetTake {
  granted: boolean;
  /** when not granted: how long until a token is there (or the block ends) */
  waitMs: number;
  /** tokens left after this call */
  tokens: number;
}

export interface BucketShape {
  /** the most tokens the bucket holds (the burst) */
  capacity: number;
  /** tokens added per second */
  refillPerSecond: number;
}

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

/** Creates the client's row (full) unless it exists. */
export async function ensureBudget(db: Db, clientKey: string, shape: BucketShape): Promise<void> {
  await db
    .insert(rateBudgets)
    .values({ clientKey, tokens: shape.capacity })
    .onConflictDoNothing({ target: rateBudgets.clientKey });
}

/**
 * Takes one token if there is one. The row is locked for the statement, so concurrent callers of every
 * process are served one at a time. A blocked bucket (after a 429) keeps its tokens and clock as they
 * were: the refill resumes when the block ends, with no saved-up burst (blockBudget empties it).
 */
export async function takeFromBudget(db: Db, clientKey: string, shape: BucketShape): Promise<BudgetTake> {
  const rows = rowsOf<{ granted: boolean; wait_s: number; tokens: number }>(
    await db.execute(sql`
      with b as (
        select client_key,
          case when blocked_until > clock_timestamp() then -1
               else least(${shape.capacity}::float8,
                          tokens + extract(epoch from clock_timestamp() - updated_at) * ${shape.refillPerSecond}::float8)
          end as avail,
          greatest(0, extract(epoch from blocked_until - clock_timestamp()))::float8 as blocked_s
        from ${rateBudgets} where client_key = ${clientKey} for update
      )
      update ${rateBudgets} r set
        tokens = case when b.avail >= 1 then b.avail - 1 when b.avail < 0 then r.tokens else b.avail end,
        updated_at = case when b.avail < 0 then r.updated_at else clock_timestamp() end
      from b where r.client_key = b.client_key
      returning b.avail >= 1 as granted,
        (case when b.avail >= 1 then 0
              when b.avail < 0 then b.blocked_s
              else (1 - b.avail) / ${shape.refillPerSecond}::float8 end)::float8 as wait_s,
        r.tokens::float8 as tokens`),
  );
  const row = rows[0];
  if (!row) {
    await ensureBudget(db, clientKey, shape);
    return takeFromBudget(db, clientKey, shape);
  }
  return { granted: row.granted, waitMs: Math.ceil(Number(row.wait_s) * 1000), tokens: Number(row.tokens) };
}

/**
 * Closes the budget to every process for `ms` (a 429's Retry-After), and empties it so that nobody
 * finds a burst saved up when it opens. A longer block already in place is kept.
 */
export async function blockBudget(db: Db, clientKey: string, ms: number): Promise<void> {
  await db.execute(sql`
    update ${rateBudgets} set
      blocked_until = greatest(blocked_until, clock_timestamp() + make_interval(secs => ${ms / 1000})),
      tokens = 0,
      updated_at = greatest(blocked_until, clock_timestamp() + make_interval(secs => ${ms / 1000}))
    where client_key = ${clientKey}`);
}

// The shared Genesys rate budget (ADR 0017): one token bucket row per OAuth client, taken from by every
// process on the database, one statement per grant, on the database's clock (stack notes §3.4). The
// row holds only the state (tokens at updated_at, blocked_until, who asked last); the rate and size
// come with each call, from the caller's configuration.
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from './db.js';
import { rateBudgets } from './schema.js';

export interface BudgetTake {
  granted: boolean;
  /** when not granted: how long until a token is there (or the block ends) */
  waitMs: number;
  /** tokens left after this call */
  tokens: number;
  /** no other process asked within `aloneAfterMs`: this one may spend the server's window alone */
  alone: boolean;
}

export interface BucketShape {
  /** the most tokens the bucket holds (the burst) */
  capacity: number;
  /** tokens added per second */
  refillPerSecond: number;
}

export interface TakeRequest {
  /** the asking process (lib/worker-id.ts) */
  owner: string;
  /**
   * The server's window has room for this request by the asker's own reckoning (rate-window.ts): grant
   * it without a token, if the asker is alone on the budget.
   */
  windowSend: boolean;
  /** how long after another process' last request the budget still counts as shared (HTTP timeout) */
  aloneAfterMs: number;
}

/** Creates the client's row (full) unless it exists. */
async function ensureBudget(db: Db, clientKey: string, shape: BucketShape): Promise<void> {
  await db
    .insert(rateBudgets)
    .values({ clientKey, tokens: shape.capacity })
    .onConflictDoNothing({ target: rateBudgets.clientKey });
}

/**
 * Takes one token if there is one, or grants a window send to a process alone on the budget. The row
 * is locked for the statement, so concurrent callers of every process are served one at a time. A
 * blocked bucket (after a 429 or a spent window) grants nothing and keeps its tokens and clock as they
 * were: the refill resumes when the block ends, with no saved-up burst (blockBudget empties it). A
 * window send takes a token when there is one, so that the bucket is not full of saved-up tokens when
 * the window turns unknown (as the in-process limiter does). Every call, granted or not, names its
 * process as the last taker: a process waiting for a token makes the budget shared as much as one
 * sending.
 */
export async function takeFromBudget(
  db: Db,
  clientKey: string,
  shape: BucketShape,
  req: TakeRequest,
): Promise<BudgetTake> {
  const aloneAfter = req.aloneAfterMs / 1000;
  const rows = rowsOf<{ granted: boolean; wait_s: number; tokens: number; alone: boolean }>(
    await db.execute(sql`
      with clock as (select clock_timestamp() as t),
      b as (
        select client_key,
          case when blocked_until > clock.t then -1
               else least(${shape.capacity}::float8,
                          tokens + extract(epoch from clock.t - updated_at) * ${shape.refillPerSecond}::float8)
          end as avail,
          greatest(0, extract(epoch from blocked_until - clock.t))::float8 as blocked_s,
          case when taker is distinct from ${req.owner}
                    and taken_at > clock.t - make_interval(secs => ${aloneAfter}::float8)
               then clock.t + make_interval(secs => ${aloneAfter}::float8)
               else shared_until end as shared_until,
          clock.t as t
        from ${rateBudgets}, clock where client_key = ${clientKey} for update of ${rateBudgets}
      ),
      d as (
        select b.*, b.shared_until <= b.t as alone,
          (b.avail >= 1 or (b.avail >= 0 and ${req.windowSend}::boolean and b.shared_until <= b.t)) as granted
        from b
      )
      update ${rateBudgets} r set
        tokens = case when d.granted then greatest(0, d.avail - 1) when d.avail < 0 then r.tokens else d.avail end,
        updated_at = case when d.avail < 0 then r.updated_at else d.t end,
        taker = ${req.owner},
        taken_at = d.t,
        shared_until = d.shared_until
      from d where r.client_key = d.client_key
      returning d.granted, d.alone,
        (case when d.granted then 0
              when d.avail < 0 then d.blocked_s
              else (1 - d.avail) / ${shape.refillPerSecond}::float8 end)::float8 as wait_s,
        r.tokens::float8 as tokens`),
  );
  const row = rows[0];
  if (!row) {
    await ensureBudget(db, clientKey, shape);
    return takeFromBudget(db, clientKey, shape, req);
  }
  return {
    granted: row.granted,
    waitMs: Math.ceil(Number(row.wait_s) * 1000),
    tokens: Number(row.tokens),
    alone: row.alone,
  };
}

/**
 * Closes the budget to every process for `ms` (a 429's Retry-After, or until a spent window resets),
 * and empties it so that nobody finds a burst saved up when it opens. A longer block already in place
 * is kept.
 */
export async function blockBudget(db: Db, clientKey: string, ms: number): Promise<void> {
  await db.execute(sql`
    update ${rateBudgets} set
      blocked_until = greatest(blocked_until, clock_timestamp() + make_interval(secs => ${ms / 1000})),
      tokens = 0,
      updated_at = greatest(blocked_until, clock_timestamp() + make_interval(secs => ${ms / 1000}))
    where client_key = ${clientKey}`);
}

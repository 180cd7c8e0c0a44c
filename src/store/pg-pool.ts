// The PostgreSQL connection pool, made to ride out a database restart (a fast shutdown, a failover):
// a statement that fails because the connection broke or could not be made is sent again after a
// backoff, until the database answers or DB_RETRY_BUDGET_MS has passed, so a restart in the middle of a
// day neither fails the day nor makes a worker exit. Everything else fails at once.
//
// Sending a statement again is safe for what fails this way: a fast shutdown or a crash ends every
// session and rolls back what had not committed, and a statement that never reached the server did
// nothing. The one window is a commit whose acknowledgement was lost with the connection; every
// statement of the store is idempotent by key or a counter, except creating a batch (a transaction),
// where it would leave an empty batch row, closed at once by runBatch.
import pg from 'pg';

/** How long a statement keeps being retried while the database cannot be reached. */
export const DB_RETRY_BUDGET_MS = 5 * 60_000;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: a fast shutdown ended the session
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting or stopping
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300', // too_many_connections (a restart's clients all coming back at once)
]);

const CONNECTION_MESSAGES =
  /connection terminated|connection error|not queryable|server closed the connection|terminating connection|the database system is (starting up|shutting down)/i;

/**
 * Whether an error means the connection broke or could not be made (not the statement's fault). Drizzle
 * wraps the driver's error ("Failed query: begin", with the driver's as `cause`): causes are looked at.
 */
export function isConnectionError(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 4) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  const message = (e as { message?: unknown }).message;
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
  return isConnectionError((e as { cause?: unknown }).cause, depth + 1);
}

/** The wait before retry `attempt` (1-based): 200 ms doubling to 5 s, with ±25% jitter. */
export function dbRetryDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5_000, 200 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

export interface RetryNotice {
  attempt: number;
  error: unknown;
  delayMs: number;
}

/**
 * Runs `op`, again after a backoff while it fails with a connection error, for at most `budgetMs`;
 * `stop()` true (the pool is closing) ends the retries.
 */
export async function retryConnectionErrors<T>(
  op: () => Promise<T>,
  opts: { stop: () => boolean; onRetry?: (n: RetryNotice) => void; budgetMs?: number },
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      const budget = opts.budgetMs ?? DB_RETRY_BUDGET_MS;
      if (!isConnectionError(e) || opts.stop() || Date.now() - started >= budget) throw e;
      const delayMs = dbRetryDelay(attempt);
      opts.onRetry?.({ attempt, error: e, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** A pg.Pool whose promise-returning query() and connect() retry connection errors. */
export class ResilientPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly onRetry?: (n: RetryNotice) => void,
  ) {
    super(config);
    // A session ended while idle in the pool (a restart) is reported here; without a listener the
    // 'error' event would end the process. The next statement gets a new connection.
    this.on('error', () => {});
    // A session ended while a client is checked out between two statements (a transaction, pg-boss'
    // own work) is reported on the client, which has no listener then: its next statement fails with
    // a connection error instead (retried), and the pool drops it on release.
    this.on('connect', (client) => client.on('error', () => {}));
  }

  private closing(): boolean {
    return (this as unknown as { ending: boolean }).ending;
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's overloads; callback forms pass straight through
  override query(...args: any[]): any {
    if (typeof args.at(-1) === 'function') return (super.query as (...a: unknown[]) => unknown)(...args);
    return retryConnectionErrors(() => (super.query as (...a: unknown[]) => Promise<unknown>)(...args), {
      stop: () => this.closing(),
      onRetry: this.onRetry,
    });
  }

  // biome-ignore lint/suspicious/noExplicitAny: as above
  override connect(...args: any[]): any {
    if (typeof args.at(-1) === 'function') return (super.connect as (...a: unknown[]) => unknown)(...args);
    return retryConnectionErrors(async () => givenBackWhenBroken(await super.connect()), {
      stop: () => this.closing(),
      onRetry: this.onRetry,
    });
  }
}

/**
 * A checked-out client whose connection breaks is given back to the pool at once (which drops it), and
 * a later release() of it does nothing. Without this a client could stay checked out for ever: drizzle
 * sends a transaction's `begin` before the try whose `finally` releases the client, so a connection
 * broken by a restart right then leaked it, and closing the pool then waited for it for ever (the
 * process ended with Node's exit code 13, a top-level await that never settled).
 */
function givenBackWhenBroken(client: pg.PoolClient): pg.PoolClient {
  const release = client.release.bind(client);
  let released = false;
  const giveBack = (err?: Error | boolean) => {
    if (released) return;
    released = true;
    client.off('error', onError);
    release(err);
  };
  const onError = (e: Error) => giveBack(e);
  client.on('error', onError);
  client.release = giveBack;
  return client;
}

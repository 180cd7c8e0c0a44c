// Which database errors are a broken connection (sent again after a backoff) and which are the
// statement's own fault (thrown at once): a restart of PostgreSQL must not fail a day, a bad statement
// must not be retried for five minutes.
import { describe, expect, it } from 'vitest';
import { dbRetryDelay, isConnectionError, retryConnectionErrors } from '../../src/store/pg-pool.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it.each([
    ['refused (server down)', pgError('ECONNREFUSED'), true],
    ['reset', pgError('ECONNRESET'), true],
    [
      'fast shutdown ended the session',
      pgError('57P01', 'terminating connection due to administrator command'),
      true,
    ],
    ['server starting up', pgError('57P03', 'the database system is starting up'), true],
    ['too many connections after a restart', pgError('53300'), true],
    ['pg: connection ended mid-query', new Error('Connection terminated unexpectedly'), true],
    [
      'pg: client broken earlier',
      new Error('Client has encountered a connection error and is not queryable'),
      true,
    ],
    [
      'drizzle wrapping a broken connection',
      new Error('Failed query: begin\nparams: ', { cause: pgError('57P01', 'terminating connection') }),
      true,
    ],
    [
      'drizzle wrapping a statement error',
      new Error('Failed query: insert …', { cause: pgError('23505', 'duplicate key value') }),
      false,
    ],
    ['unique violation', pgError('23505', 'duplicate key value violates unique constraint'), false],
    ['syntax error', pgError('42601', 'syntax error at or near "selec"'), false],
    ['undefined table', pgError('42P01', 'relation "nope" does not exist'), false],
    ['not an error', 'ECONNREFUSED', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isConnectionError(error)).toBe(expected);
  });
});

describe('dbRetryDelay', () => {
  it.each([
    [1, 200],
    [2, 400],
    [3, 800],
    [5, 3200],
    [6, 5000],
    [40, 5000],
  ])('attempt %i waits about %i ms (±25%%)', (attempt, base) => {
    expect(dbRetryDelay(attempt, () => 0)).toBe(Math.round(base * 0.75));
    expect(dbRetryDelay(attempt, () => 0.999999)).toBe(Math.round(base * 1.25));
  });
});

describe('retryConnectionErrors', () => {
  it('sends again after a connection error and returns the answer', async () => {
    let calls = 0;
    const notices: number[] = [];
    const r = await retryConnectionErrors(
      async () => {
        calls++;
        if (calls < 3) throw pgError('ECONNREFUSED');
        return 'ok';
      },
      { stop: () => false, onRetry: (n) => notices.push(n.attempt) },
    );
    expect(r).toBe('ok');
    expect(notices).toEqual([1, 2]);
  });

  it("throws the statement's own error at once, and a connection error once the pool is closing", async () => {
    let calls = 0;
    const own = retryConnectionErrors(
      async () => {
        calls++;
        throw pgError('23505');
      },
      { stop: () => false },
    );
    await expect(own).rejects.toMatchObject({ code: '23505' });
    expect(calls).toBe(1);
    await expect(
      retryConnectionErrors(async () => Promise.reject(pgError('ECONNREFUSED')), { stop: () => true }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

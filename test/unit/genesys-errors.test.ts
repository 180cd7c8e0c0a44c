import { describe, expect, it } from 'vitest';
import { buildDetailsQuery, formatInterval, isResultsCapError } from '../../src/genesys/details.js';
import {
  errorFromResponse,
  formatCallMessage,
  GenesysHttpError,
  GenesysPermissionError,
  GenesysRateLimitedError,
  parseRetryAfter,
  permissionsIn,
} from '../../src/genesys/errors.js';
import { AppError } from '../../src/lib/errors.js';

const batchCall = { method: 'POST', path: '/api/v2/recording/batchrequests' };

describe('Genesys error messages', () => {
  it('name the call, status, Genesys code, message and contextId', () => {
    const err = errorFromResponse(
      batchCall,
      {
        status: 400,
        headers: {},
        body: {
          message: 'Too many items requested, max 100 allowed',
          code: 'batch.download.too.many.items',
          status: 400,
          contextId: 'ctx-1',
        },
      },
      0,
    );
    expect(err).toBeInstanceOf(GenesysHttpError);
    expect(err).toBeInstanceOf(AppError);
    expect(err.message).toBe(
      'POST /api/v2/recording/batchrequests → 400 batch.download.too.many.items: Too many items requested, max 100 allowed (contextId ctx-1)',
    );
    expect(err).toMatchObject({
      code: 'GENESYS_HTTP',
      kind: 'terminal',
      status: 400,
      genesysCode: 'batch.download.too.many.items',
    });
  });

  it('a 429 is rate-limited and carries Retry-After in ms; contextId falls back to the correlation header', () => {
    const err = errorFromResponse(
      { method: 'GET', path: '/api/v2/conversations/c1/recordingmetadata' },
      { status: 429, headers: { 'retry-after': '42', 'inin-correlation-id': 'corr-9' }, body: '' },
      0,
    );
    expect(err).toBeInstanceOf(GenesysRateLimitedError);
    expect(err).toMatchObject({
      kind: 'rate-limited',
      code: 'GENESYS_RATE_LIMITED',
      retryAfterMs: 42_000,
      contextId: 'corr-9',
    });
  });

  it('5xx are transient', () => {
    const err = errorFromResponse(batchCall, { status: 503, headers: {}, body: 'Service Unavailable' }, 0);
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('503: Service Unavailable');
  });

  it('OAuth-style bodies become code + message', () => {
    const err = errorFromResponse(
      { method: 'POST', path: '/oauth/token' },
      { status: 401, headers: {}, body: { error: 'invalid_client', description: 'authentication failed' } },
      0,
    );
    expect(err.message).toBe('POST /oauth/token → 401 invalid_client: authentication failed');
  });

  it('gaveUp() appends the reason', () => {
    const err = new GenesysRateLimitedError({ ...batchCall, retryAfterMs: 600_000 }).gaveUp(
      'Retry-After 600 s exceeds',
    );
    expect(err.message).toMatch(/→ 429; gave up: Retry-After 600 s exceeds$/);
    expect(err.giveUpReason).toBe('Retry-After 600 s exceeds');
  });

  it('formatCallMessage without optional parts', () => {
    expect(formatCallMessage({ method: 'GET', path: '/x' })).toBe('GET /x → ?');
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3000],
    ['0', 0],
    ['1.5', 1500],
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
  ])('%s → %s', (value, ms) => {
    expect(parseRetryAfter(value, 0)).toBe(ms);
  });

  it('accepts an HTTP date', () => {
    const now = Date.parse('2024-05-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 May 2024 00:00:10 GMT', now)).toBe(10_000);
  });
});

describe('details query body', () => {
  it('uses millisecond ISO intervals, asc by conversationStart, pageSize 100, an OR queue filter and voice only', () => {
    const start = Date.parse('2024-05-01T05:00:00Z');
    const body = buildDetailsQuery(start, start + 86_400_000, ['q1', 'q2'], 3, 100);
    expect(body).toEqual({
      interval: '2024-05-01T05:00:00.000Z/2024-05-02T05:00:00.000Z',
      order: 'asc',
      orderBy: 'conversationStart',
      paging: { pageSize: 100, pageNumber: 3 },
      segmentFilters: [
        {
          type: 'or',
          predicates: [
            { type: 'dimension', dimension: 'queueId', operator: 'matches', value: 'q1' },
            { type: 'dimension', dimension: 'queueId', operator: 'matches', value: 'q2' },
          ],
        },
        // chats, e-mails and messages routed by the same queues are left out; callbacks that became calls
        // have a voice segment and stay (spec §15)
        {
          type: 'or',
          predicates: [{ type: 'dimension', dimension: 'mediaType', operator: 'matches', value: 'voice' }],
        },
      ],
    });
  });

  it('filters on voice alone without queue ids', () => {
    expect(buildDetailsQuery(0, 1000, [], 1, 100).segmentFilters).toEqual([
      {
        type: 'or',
        predicates: [{ type: 'dimension', dimension: 'mediaType', operator: 'matches', value: 'voice' }],
      },
    ]);
    expect(formatInterval(0, 1000)).toBe('1970-01-01T00:00:00.000Z/1970-01-01T00:00:01.000Z');
  });

  it('recognises the results-cap 400 but not other 400s', () => {
    const call = { method: 'POST', path: '/api/v2/analytics/conversations/details/query' };
    expect(
      isResultsCapError(
        new GenesysHttpError({ ...call, status: 400, message: 'Max result count of 10,000 exceeded' }),
      ),
    ).toBe(true);
    // the real text above the cap (spec §15)
    expect(
      isResultsCapError(
        new GenesysHttpError({
          ...call,
          status: 400,
          genesysCode: 'bad.request',
          message: 'Pagination may not exceed 100000 results',
        }),
      ),
    ).toBe(true);
    expect(
      isResultsCapError(new GenesysHttpError({ ...call, status: 400, message: 'Invalid interval' })),
    ).toBe(false);
  });
});

describe('a 403 for a missing permission', () => {
  const metadataCall = { method: 'GET', path: '/api/v2/conversations/c1/recordingmetadata' };
  const answer = (code: string, message: string) =>
    errorFromResponse(
      metadataCall,
      { status: 403, headers: {}, body: { code, message, status: 403, contextId: 'ctx-1' } },
      0,
    );

  it('missing.any.permissions: names the first permission as the one to add, the others as alternatives', () => {
    const err = answer(
      'missing.any.permissions',
      'Unable to perform the requested action. You must have at least one of the following permissions assigned: [recording:recording:view, recording:recordingSegment:view]',
    );
    expect(err).toBeInstanceOf(GenesysPermissionError);
    expect(err.code).toBe('GENESYS_PERMISSION');
    // stops the day, like an authentication failure
    expect(err.kind).toBe('auth');
    expect((err as GenesysPermissionError).permissions).toEqual([
      'recording:recording:view',
      'recording:recordingSegment:view',
    ]);
    expect(err.message).toMatch(
      /^the OAuth client's role lacks recording:recording:view \(or one of recording:recordingSegment:view\): add it to the role/,
    );
    expect(err.message).toContain('403 missing.any.permissions');
    expect(err.message).toContain('contextId ctx-1');
  });

  it('missing.permissions: names every permission', () => {
    const err = answer(
      'missing.permissions',
      'Unable to perform the requested action. You are missing the following permission(s): [routing:wrapupCode:view]',
    );
    expect(err).toBeInstanceOf(GenesysPermissionError);
    expect(err.message).toMatch(/role lacks routing:wrapupCode:view: add it/);
  });

  it('another 403 (a batch job of another client) stays an HTTP error', () => {
    const err = answer('batch.download.permission.denied', 'not yours');
    expect(err).toBeInstanceOf(GenesysHttpError);
    expect(err.kind).toBe('terminal');
  });

  it.each([
    ['[a:b:c, d:e:f]', ['a:b:c', 'd:e:f']],
    ['no list', []],
    ['[not a permission, x:y:z]', ['x:y:z']],
    [undefined, []],
  ])('permissionsIn(%s)', (message, list) => {
    expect(permissionsIn(message)).toEqual(list);
  });
});

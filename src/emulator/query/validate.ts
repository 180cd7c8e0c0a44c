// Validation of a details query body (spec §3.1, §3.3): every rule answers 400 in the platform envelope.
import { Interval } from 'luxon';
import type { Predicate, QueryFilter } from '../../contracts/genesys.js';
import { ApiError } from '../errors.js';
import {
  CONVERSATION_DIMENSIONS,
  CONVERSATION_METRICS,
  SEGMENT_DIMENSIONS,
  SEGMENT_METRICS,
} from './dimensions.js';

export interface ParsedQuery extends ParsedFilters {
  pageSize: number;
  pageNumber: number;
}

export interface QueryLimits {
  maxPageSize: number;
  maxResults: number;
  defaultPageSize: number;
}

const DAY_MS = 86_400_000;
const bad = (message: string) => new ApiError(400, 'bad.request', message);

function invalidValue(value: unknown, field: string, allowed?: string): ApiError {
  const tail = allowed ? ` Allowable values are: ${allowed}` : '';
  return new ApiError(
    400,
    'invalid.value',
    `Value [${String(value)}] is not valid for field type [${field}].${tail}`,
  );
}

function parseInterval(raw: unknown): { startMs: number; endMs: number } {
  if (raw === undefined || raw === null || raw === '') throw bad('interval is required');
  const dateError = new ApiError(
    400,
    'invalid.date',
    'Dates must be specified as ISO-8601 strings. For example: yyyy-MM-ddTHH:mm:ss.SSSZ',
  );
  if (typeof raw !== 'string' || !raw.includes('/')) throw dateError;
  const interval = Interval.fromISO(raw, { zone: 'utc', setZone: true });
  if (!interval.isValid) {
    if (interval.invalidReason === 'end before start') throw bad(`interval end is before its start: ${raw}`);
    throw dateError;
  }
  const startMs = interval.start.toMillis();
  const endMs = interval.end.toMillis();
  if (endMs <= startMs) throw bad(`interval must not be empty: ${raw}`);
  return { startMs, endMs };
}

function checkPredicate(p: unknown, scope: 'segment' | 'conversation'): Predicate {
  if (typeof p !== 'object' || p === null) throw bad('predicates must be objects');
  const pr = p as Predicate & Record<string, unknown>;
  const dims = scope === 'segment' ? SEGMENT_DIMENSIONS : CONVERSATION_DIMENSIONS;
  const metrics = scope === 'segment' ? SEGMENT_METRICS : CONVERSATION_METRICS;
  const type =
    pr.type ?? (pr.metric !== undefined ? 'metric' : pr.property !== undefined ? 'property' : 'dimension');
  if (type === 'dimension') {
    if (typeof pr.dimension !== 'string') throw bad('dimension predicates need a dimension');
    if (!dims.has(pr.dimension)) throw invalidValue(pr.dimension, `${scope}DetailQueryPredicate.dimension`);
  } else if (type === 'metric') {
    if (typeof pr.metric !== 'string') throw bad('metric predicates need a metric');
    if (!metrics.has(pr.metric)) throw invalidValue(pr.metric, `${scope}DetailQueryPredicate.metric`);
  } else if (type === 'property') {
    if (scope !== 'segment')
      throw invalidValue(type, 'conversationDetailQueryPredicate.type', 'dimension, metric');
    if (typeof pr.property !== 'string') throw bad('property predicates need a property');
  } else {
    throw invalidValue(type, 'predicate.type', 'dimension, property, metric');
  }
  const op = pr.operator ?? 'matches';
  if (!['matches', 'exists', 'notExists'].includes(op)) {
    throw invalidValue(op, 'predicate.operator', 'matches, exists, notExists');
  }
  if (pr.value !== undefined && typeof pr.value !== 'string') {
    throw bad(`predicate value must be a string, got ${JSON.stringify(pr.value)}`);
  }
  if (op === 'matches' && pr.value === undefined && pr.range === undefined) {
    throw bad('a matches predicate needs a value or a range');
  }
  return { ...pr, type, operator: op } as Predicate;
}

function checkFilters(raw: unknown, scope: 'segment' | 'conversation'): QueryFilter[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw bad(`${scope}Filters must be an array`);
  return raw.map((f): QueryFilter => {
    if (typeof f !== 'object' || f === null) throw bad(`${scope}Filters items must be objects`);
    const filter = f as Record<string, unknown>;
    if (filter.type !== 'and' && filter.type !== 'or')
      throw invalidValue(filter.type, 'filter.type', 'and, or');
    const predicates = filter.predicates ?? [];
    const clauses = filter.clauses ?? [];
    if (!Array.isArray(predicates) || !Array.isArray(clauses))
      throw bad('predicates and clauses must be arrays');
    return {
      type: filter.type,
      predicates: predicates.map((p) => checkPredicate(p, scope)),
      clauses: clauses.map((c) => {
        const clause = c as Record<string, unknown>;
        if (clause?.type !== 'and' && clause?.type !== 'or')
          throw invalidValue(clause?.type, 'clause.type', 'and, or');
        if (!Array.isArray(clause.predicates)) throw bad('clause predicates must be an array');
        return { type: clause.type, predicates: clause.predicates.map((p) => checkPredicate(p, scope)) };
      }),
    };
  });
}

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw bad(`paging.${field} must be a positive integer`);
  }
  return value;
}

/** The part of a details query that the synchronous query and the async jobs share. */
export interface ParsedFilters {
  startMs: number;
  endMs: number;
  order: 'asc' | 'desc';
  orderBy: 'conversationStart' | 'conversationEnd';
  segmentFilters: QueryFilter[];
  conversationFilters: QueryFilter[];
}

export function parseFilters(body: unknown): ParsedFilters {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const { startMs, endMs } = parseInterval(b.interval);
  const segmentFilters = checkFilters(b.segmentFilters, 'segment');
  const conversationFilters = checkFilters(b.conversationFilters, 'conversation');
  const order = b.order ?? 'asc';
  if (!['asc', 'desc', 'unordered'].includes(order as string)) {
    throw invalidValue(order, 'order', 'asc, desc, unordered');
  }
  const orderBy = b.orderBy ?? 'conversationStart';
  if (!['conversationStart', 'conversationEnd', 'segmentStart', 'segmentEnd'].includes(orderBy as string)) {
    throw invalidValue(orderBy, 'orderBy', 'conversationStart, conversationEnd, segmentStart, segmentEnd');
  }
  return {
    startMs,
    endMs,
    order: order === 'desc' ? 'desc' : 'asc',
    orderBy: orderBy === 'conversationEnd' ? 'conversationEnd' : 'conversationStart',
    segmentFilters,
    conversationFilters,
  };
}

export function parseQuery(body: unknown, limits: QueryLimits): ParsedQuery {
  const f = parseFilters(body);
  const b = body as Record<string, unknown>;
  const filtered = f.segmentFilters.length + f.conversationFilters.length > 0;
  const maxDays = filtered ? 31 : 7;
  if (f.endMs - f.startMs > maxDays * DAY_MS) {
    throw bad(
      `Interval exceeds the maximum of ${maxDays} days${filtered ? '' : ' when no filter is supplied (31 days with filters)'}`,
    );
  }
  const paging = (b.paging ?? {}) as Record<string, unknown>;
  if (typeof paging !== 'object') throw bad('paging must be an object');
  const pageSize =
    paging.pageSize === undefined ? limits.defaultPageSize : positiveInt(paging.pageSize, 'pageSize');
  const pageNumber = paging.pageNumber === undefined ? 1 : positiveInt(paging.pageNumber, 'pageNumber');
  if (pageSize > limits.maxPageSize) {
    throw bad(`paging.pageSize must not exceed ${limits.maxPageSize}, was ${pageSize}`);
  }
  if (pageSize * pageNumber > limits.maxResults) {
    // The real message (spec §15): the cap is on pageNumber x pageSize, whatever the day holds.
    throw bad(`Pagination may not exceed ${limits.maxResults} results`);
  }
  return { ...f, pageSize, pageNumber };
}

/**
 * The synchronous query serves interval starts up to `days` days back, today included (spec §3.3:
 * "up to 35 days in the past (including today)"), counted in UTC days of the emulator's clock.
 */
export function checkLookBack(startMs: number, now: number, days: number): void {
  if (days <= 0) return;
  const earliest = Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
  if (startMs >= earliest) return;
  throw bad(
    `Interval start ${new Date(startMs).toISOString()} is older than the ${days} days the conversation details query can look back (earliest ${new Date(earliest).toISOString()}); use the asynchronous conversation details jobs for older data`,
  );
}

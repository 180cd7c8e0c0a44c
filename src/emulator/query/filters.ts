// Evaluation of segment and conversation filters over the analytics view of a conversation.
// A segment filter holds when ONE segment satisfies its whole boolean expression (values are looked up
// on the segment, then its session, participant and conversation); several filters in a list must all
// hold. A conversation filter looks at conversation fields, and at metrics summed over all sessions.
import type {
  AnalyticsConversation,
  Participant,
  Predicate,
  QueryFilter,
  Segment,
  Session,
} from '../../contracts/genesys.js';

type Lookup = (name: string) => unknown;

function matches(p: Predicate, value: unknown): boolean {
  const op = p.operator ?? 'matches';
  if (op === 'exists') return value !== undefined;
  if (op === 'notExists') return value === undefined;
  if (value === undefined) return false;
  if (p.range) {
    const n = typeof value === 'number' ? value : Date.parse(String(value));
    const r = p.range;
    const bound = (b: number | string | undefined) => (typeof b === 'string' ? Date.parse(b) : b);
    const [gt, gte, lt, lte] = [bound(r.gt), bound(r.gte), bound(r.lt), bound(r.lte)];
    if (Number.isNaN(n)) return false;
    return (
      (gt === undefined || n > gt) &&
      (gte === undefined || n >= gte) &&
      (lt === undefined || n < lt) &&
      (lte === undefined || n <= lte)
    );
  }
  if (Array.isArray(value)) return value.some((v) => String(v) === p.value);
  return String(value) === p.value;
}

function evaluate(filter: QueryFilter, test: (p: Predicate) => boolean): boolean {
  const results: boolean[] = [];
  for (const p of filter.predicates ?? []) results.push(test(p));
  for (const c of filter.clauses ?? []) {
    const inner = c.predicates.map(test);
    results.push(c.type === 'and' ? inner.every(Boolean) : inner.some(Boolean));
  }
  if (results.length === 0) return true;
  return filter.type === 'and' ? results.every(Boolean) : results.some(Boolean);
}

const SESSION_FLOW_FIELDS = new Set([
  'flowId',
  'flowName',
  'flowType',
  'flowVersion',
  'exitReason',
  'transferType',
]);

function segmentLookup(c: AnalyticsConversation, p: Participant, s: Session, g: Segment): Lookup {
  const seg = g as unknown as Record<string, unknown>;
  const ses = s as unknown as Record<string, unknown>;
  const par = p as unknown as Record<string, unknown>;
  return (name) => {
    if (name in seg) return seg[name];
    if (name in ses && name !== 'metrics' && name !== 'segments') return ses[name];
    if (SESSION_FLOW_FIELDS.has(name)) return (s.flow as Record<string, unknown> | undefined)?.[name];
    if (name in par && name !== 'sessions') return par[name];
    if (name === 'divisionId') return c.divisionIds;
    if (name === 'conversationId') return c.conversationId;
    if (name === 'originatingDirection') return c.originatingDirection;
    return undefined;
  };
}

function segmentMetric(g: Segment, name: string): number | undefined {
  if (name !== 'tSegmentDuration' || !g.segmentEnd) return undefined;
  return Date.parse(g.segmentEnd) - Date.parse(g.segmentStart);
}

export function matchesSegmentFilter(c: AnalyticsConversation, filter: QueryFilter): boolean {
  for (const p of c.participants ?? []) {
    for (const s of p.sessions ?? []) {
      for (const g of s.segments ?? []) {
        const lookup = segmentLookup(c, p, s, g);
        const ok = evaluate(filter, (pr) => {
          if (pr.type === 'metric') return matches(pr, segmentMetric(g, pr.metric as string));
          if (pr.type === 'property') return false; // custom attributes: the emulator has none
          return matches(pr, lookup(pr.dimension as string));
        });
        if (ok) return true;
      }
    }
  }
  return false;
}

function conversationMetric(c: AnalyticsConversation, name: string): number | undefined {
  let sum: number | undefined;
  for (const p of c.participants ?? []) {
    for (const s of p.sessions ?? []) {
      for (const m of s.metrics ?? []) if (m.name === name) sum = (sum ?? 0) + m.value;
    }
  }
  return sum;
}

function conversationDimension(c: AnalyticsConversation, name: string): unknown {
  if (name === 'divisionId') return c.divisionIds;
  return (c as unknown as Record<string, unknown>)[name];
}

export function matchesConversationFilter(c: AnalyticsConversation, filter: QueryFilter): boolean {
  return evaluate(filter, (pr) =>
    pr.type === 'metric'
      ? matches(pr, conversationMetric(c, pr.metric as string))
      : matches(pr, conversationDimension(c, pr.dimension as string)),
  );
}

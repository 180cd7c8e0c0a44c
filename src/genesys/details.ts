// Paging the synchronous details query (spec §3.3-§3.4, traps §13.2-§13.4):
// - the last page has NO `conversations` key (not `[]`), so "absent or empty" ends the walk;
// - totalHits is approximate and drifts, so it never decides when to stop and results are de-duplicated
//   by conversationId across pages and sub-intervals;
// - pages are fetched up to 3 at a time, but only as far as the first page's totalHits reaches;
// - one query is read to at most 10,000 results (well inside Genesys' cap of 100,000, "Pagination may not
//   exceed 100000 results", spec §15, so deep pages stay cheap): when the first page says more (or
//   Genesys answers the results-cap 400, or drift pushes paging past 10,000) the interval is split in
//   halves recursively.
//   Splitting loses nothing: a conversation active across the split point comes back in both halves and
//   the de-duplication drops the second copy.
import type {
  AnalyticsConversation,
  ConversationQuery,
  ConversationQueryResponse,
  QueryFilter,
} from '../contracts/genesys.js';
import { GENESYS_LIMITS, GENESYS_PATHS } from '../contracts/genesys.js';
import { GenesysError, GenesysHttpError, GenesysInvalidInputError } from './errors.js';
import type { DetailsQueryInput } from './types.js';

const DETAILS_PATH = GENESYS_PATHS.detailsQuery;

export type DetailsQueryFn = (
  body: ConversationQuery,
  signal?: AbortSignal,
) => Promise<ConversationQueryResponse>;

export interface DetailsPagingOptions {
  pageSize?: number;
  maxResults?: number;
  /** Never split below this span; a minute with > 10,000 conversations is not a real contact centre. */
  minSplitMs?: number;
  /** Pages requested at once while totalHits says more exist (default 3, spec §9.6: ≤ 3 in flight). */
  pageLookahead?: number;
  onSplit?: (interval: string, totalHits: number | undefined) => void;
}

/** `YYYY-MM-DDTHH:mm:ss.SSSZ/YYYY-MM-DDTHH:mm:ss.SSSZ` */
export function formatInterval(startMs: number, endMs: number): string {
  return `${new Date(startMs).toISOString()}/${new Date(endMs).toISOString()}`;
}

/**
 * The segment filters of a day's query (sync and jobs alike): voice interactions (a `mediaType`
 * predicate keeps calls and callbacks that became calls, and drops the chats, e-mails and messages a
 * queue also routes, spec §15) of the given queues (OR; none = every queue).
 */
export function detailsFilters(queueIds: readonly string[]): QueryFilter[] {
  const dimension = (name: string, value: string) => ({
    type: 'dimension' as const,
    dimension: name,
    operator: 'matches' as const,
    value,
  });
  const voice: QueryFilter = { type: 'or', predicates: [dimension('mediaType', 'voice')] };
  if (queueIds.length === 0) return [voice];
  return [{ type: 'or', predicates: queueIds.map((q) => dimension('queueId', q)) }, voice];
}

export function buildDetailsQuery(
  startMs: number,
  endMs: number,
  queueIds: readonly string[],
  pageNumber: number,
  pageSize: number,
): ConversationQuery {
  return {
    interval: formatInterval(startMs, endMs),
    order: 'asc',
    orderBy: 'conversationStart',
    paging: { pageSize, pageNumber },
    segmentFilters: detailsFilters(queueIds),
  };
}

/**
 * The 400 Genesys gives when pageNumber × pageSize passes its cap: "Pagination may not exceed 100000
 * results" (seen live, spec §15; older docs said 10,000). Any wording naming a results cap matches too.
 */
export function isResultsCapError(e: unknown): boolean {
  if (!(e instanceof GenesysHttpError) || e.status !== 400) return false;
  return /pagination may not exceed|10{4,5}\b|10[,.]000|result.{0,40}(cap|limit|exceed|max)|(max|limit|exceed).{0,40}result/i.test(
    `${e.genesysCode ?? ''} ${e.message}`,
  );
}

export async function* pageConversationDetails(
  query: DetailsQueryFn,
  input: DetailsQueryInput,
  signal?: AbortSignal,
  opts: DetailsPagingOptions = {},
): AsyncGenerator<AnalyticsConversation> {
  const pageSize = opts.pageSize ?? GENESYS_LIMITS.detailsPageSize;
  const maxResults = opts.maxResults ?? GENESYS_LIMITS.detailsMaxResultsPerQuery;
  const minSplitMs = opts.minSplitMs ?? 60_000;
  const pageLookahead = Math.max(1, opts.pageLookahead ?? 3);
  const maxPages = Math.floor(maxResults / pageSize);
  const seen = new Set<string>();
  if (!(input.endMs > input.startMs)) {
    throw new GenesysInvalidInputError(
      { method: 'POST', path: DETAILS_PATH },
      `empty interval ${formatInterval(input.startMs, input.endMs)}`,
    );
  }

  async function* walk(startMs: number, endMs: number): AsyncGenerator<AnalyticsConversation> {
    const canSplit = endMs - startMs >= 2 * minSplitMs;
    const split = async function* (totalHits?: number) {
      opts.onSplit?.(formatInterval(startMs, endMs), totalHits);
      const mid = startMs + Math.floor((endMs - startMs) / 2);
      yield* walk(startMs, mid);
      yield* walk(mid, endMs);
    };
    // Pages the first page's totalHits says exist are fetched a few at a time (the shared limiter still
    // paces them); past that estimate, one at a time until the empty page, so prefetching never costs a
    // call the sequential walk would not make.
    const inFlight = new Map<number, Promise<ConversationQueryResponse>>();
    let estimatedPages = 1;
    const fetchPage = (n: number) => {
      let p = inFlight.get(n);
      if (!p) {
        p = query(buildDetailsQuery(startMs, endMs, input.queueIds, n, pageSize), signal);
        p.catch(() => {}); // observed when awaited; a page left unread after an early end must not crash
        inFlight.set(n, p);
      }
      return p;
    };
    try {
      for (let pageNumber = 1; ; pageNumber++) {
        if (pageNumber > maxPages) {
          // totalHits drifted past the cap while paging: the rest is only reachable by splitting.
          if (!canSplit) throw tooMany(startMs, endMs);
          yield* split();
          return;
        }
        const last = Math.min(estimatedPages, maxPages, pageNumber + pageLookahead - 1);
        for (let n = pageNumber + 1; n <= last; n++) fetchPage(n);
        let page: ConversationQueryResponse;
        try {
          page = await fetchPage(pageNumber);
        } catch (e) {
          if (canSplit && isResultsCapError(e)) {
            yield* split();
            return;
          }
          throw e;
        } finally {
          inFlight.delete(pageNumber);
        }
        if (pageNumber === 1) {
          if ((page.totalHits ?? 0) > maxResults && canSplit) {
            yield* split(page.totalHits);
            return;
          }
          estimatedPages = Math.ceil((page.totalHits ?? 0) / pageSize);
        }
        const conversations = page.conversations;
        if (!conversations || conversations.length === 0) return;
        for (const c of conversations) {
          if (seen.has(c.conversationId)) continue;
          seen.add(c.conversationId);
          yield c;
        }
      }
    } finally {
      inFlight.clear();
    }
  }

  yield* walk(input.startMs, input.endMs);
}

function tooMany(startMs: number, endMs: number): GenesysError {
  return new GenesysError(
    'GENESYS_TOO_MANY_RESULTS',
    'terminal',
    `more than ${GENESYS_LIMITS.detailsMaxResultsPerQuery} conversations in ${formatInterval(startMs, endMs)}, which is too short to split further`,
    { method: 'POST', path: DETAILS_PATH },
  );
}

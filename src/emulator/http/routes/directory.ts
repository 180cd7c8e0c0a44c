// The lookups a client needs to turn ids into names with few calls (issue 17): users by id list (with
// the manager reference), queues by id list, and the org's wrap-up codes, each a paged entity listing.
import type { FastifyInstance } from 'fastify';
import type { EntityListing, RoutingQueue, User, WrapupCode } from '../../../contracts/genesys.js';
import { DIVISION, FOREIGN_QUEUES, WRAP_UP_CODES } from '../../data/catalog.js';
import type { Person } from '../../data/people.js';
import { ApiError } from '../../errors.js';
import { RULES } from '../../permissions.js';
import type { RouteConfig, ServerDeps } from '../context.js';

type Query = Record<string, string | string[] | undefined>;

/** Page sizes above this are refused (the real caps are unverified; 500 is the common platform maximum). */
export const MAX_LISTING_PAGE_SIZE = 500;
/** Ids per request (unverified): a client splits longer lists. */
export const MAX_IDS = 100;
const DEFAULT_PAGE_SIZE = 25;

function list(q: Query, name: string): string[] {
  const raw = q[name];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function positive(q: Query, name: string, fallback: number, max?: number): number {
  const raw = q[name];
  if (raw === undefined) return fallback;
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  if (!Number.isInteger(n) || n < 1)
    throw new ApiError(400, 'bad.request', `${name} must be a positive integer`);
  if (max !== undefined && n > max)
    throw new ApiError(400, 'bad.request', `${name} must not exceed ${max}, was ${n}`);
  return n;
}

function ids(q: Query): string[] | undefined {
  const wanted = list(q, 'id');
  if (wanted.length > MAX_IDS) {
    throw new ApiError(
      400,
      'bad.request',
      `At most ${MAX_IDS} ids may be requested at once, got ${wanted.length}`,
    );
  }
  return wanted.length > 0 ? wanted : undefined;
}

/** One page of `all` as an entity listing; a page past the end has `entities: []`. */
export function listing<T>(all: readonly T[], q: Query, path: string): EntityListing<T> {
  const pageSize = positive(q, 'pageSize', DEFAULT_PAGE_SIZE, MAX_LISTING_PAGE_SIZE);
  const pageNumber = positive(q, 'pageNumber', 1);
  const pageCount = Math.max(1, Math.ceil(all.length / pageSize));
  const uri = (n: number) => `${path}?pageSize=${pageSize}&pageNumber=${n}`;
  return {
    entities: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    pageSize,
    pageNumber,
    total: all.length,
    pageCount,
    firstUri: uri(1),
    selfUri: uri(pageNumber),
    ...(pageNumber < pageCount ? { nextUri: uri(pageNumber + 1) } : {}),
    ...(pageNumber > 1 ? { previousUri: uri(pageNumber - 1) } : {}),
    lastUri: uri(pageCount),
  };
}

/** Case-insensitive name match; a leading or trailing * is a wildcard (GET /routing/queues?name=). */
function nameMatches(pattern: string | undefined, name: string): boolean {
  if (!pattern) return true;
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  const starts = p.startsWith('*');
  const ends = p.endsWith('*') && p.length > 1;
  const core = p.slice(starts ? 1 : 0, ends ? -1 : undefined);
  if (starts && ends) return n.includes(core);
  if (starts) return n.endsWith(core);
  if (ends) return n.startsWith(core);
  return n === core;
}

const division = { id: DIVISION.id, name: DIVISION.name, selfUri: DIVISION.selfUri };

export function userOf(p: Person): User {
  return {
    id: p.id,
    name: p.name,
    division,
    email: p.email,
    state: p.state,
    title: p.title,
    department: p.department,
    username: p.email,
    ...(p.managerId ? { manager: { id: p.managerId, selfUri: `/api/v2/users/${p.managerId}` } } : {}),
    version: 3,
    selfUri: `/api/v2/users/${p.id}`,
  };
}

export async function directoryRoutes(app: FastifyInstance, deps: ServerDeps) {
  const { directory } = deps.dataset;
  const people = [directory.head, ...directory.leaders, ...directory.agents];
  const queues: RoutingQueue[] = [...deps.dataset.queues, ...FOREIGN_QUEUES].map((q) => ({
    id: q.id,
    name: q.name,
    division,
    description: `Cola ${q.name}`,
    memberCount: 8,
    selfUri: `/api/v2/routing/queues/${q.id}`,
  }));
  const codes: WrapupCode[] = WRAP_UP_CODES.map((c) => ({
    id: c.id,
    name: c.name,
    division,
    selfUri: `/api/v2/routing/wrapupcodes/${c.id}`,
  }));

  const users: RouteConfig = { permissions: RULES.users };
  app.get<{ Querystring: Query }>('/api/v2/users', { config: users }, async (req) => {
    const wanted = ids(req.query);
    const state = list(req.query, 'state')[0] ?? 'active';
    if (!['active', 'inactive', 'deleted', 'any'].includes(state)) {
      throw new ApiError(
        400,
        'invalid.value',
        `Value [${state}] is not valid for field type [state]. Allowable values are: active, inactive, deleted, any`,
      );
    }
    const byId = directory.byId;
    const chosen = wanted
      ? wanted.map((id) => byId.get(id.toLowerCase())).filter((p): p is Person => p !== undefined)
      : people;
    // The list holds active users unless state says otherwise: an agent who left is not found by id.
    const inState = chosen.filter((p) => state === 'any' || p.state === state);
    return listing(inState.map(userOf), req.query, '/api/v2/users');
  });

  const queueConfig: RouteConfig = { permissions: RULES.queues };
  app.get<{ Querystring: Query }>('/api/v2/routing/queues', { config: queueConfig }, async (req) => {
    const wanted = ids(req.query);
    const name = list(req.query, 'name')[0];
    const chosen = queues
      .filter((q) => !wanted || wanted.includes(q.id))
      .filter((q) => nameMatches(name, q.name))
      .sort((a, b) => a.name.localeCompare(b.name, 'es'));
    return listing(chosen, req.query, '/api/v2/routing/queues');
  });

  const codeConfig: RouteConfig = { permissions: RULES.wrapUpCodes };
  app.get<{ Querystring: Query }>('/api/v2/routing/wrapupcodes', { config: codeConfig }, async (req) => {
    const wanted = ids(req.query);
    const name = list(req.query, 'name')[0];
    const sortBy = list(req.query, 'sortBy')[0] ?? 'name';
    const desc = /^desc/i.test(list(req.query, 'sortOrder')[0] ?? 'ascending');
    const chosen = codes
      .filter((c) => !wanted || wanted.includes(c.id))
      .filter((c) => nameMatches(name, c.name))
      .sort(
        (a, b) =>
          (sortBy === 'id' ? a.id.localeCompare(b.id) : a.name.localeCompare(b.name, 'es')) * (desc ? -1 : 1),
      );
    return listing(chosen, req.query, '/api/v2/routing/wrapupcodes');
  });
}

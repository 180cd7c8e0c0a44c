// Before the report: the names people read instead of ids (issue 17). The day's queue, agent and
// wrap-up code ids are looked up once per day run with Genesys' bulk endpoints (a handful of requests,
// inside the shared rate limiter), kept in the database for every reader (status, dashboard, API,
// e-mail), and joined into each manifest line by `namedFields`. Agents' own names come from the details
// query (participantName, stored at discovery); the directory adds their manager.
//
// Names are a convenience, never a reason to fail a day: a lookup Genesys refuses (a role without the
// permission: 403) or that keeps failing leaves those ids without a name, with one warning for the
// day, and the names known from earlier runs still serve.
import { GenesysError, GenesysHttpError, GenesysPermissionError } from '../genesys/errors.js';
import { errorMessage } from '../lib/errors.js';
import type { ManifestLine } from '../storage/index.js';
import { type DirectoryName, idsOfDay, namesOf, saveNames } from '../store/directory-names.js';
import type { NameKind, WrapUp } from '../store/schema.js';
import type { DayPlan, PipelineDeps } from './deps.js';

/** The permission each lookup needs (spec §15): what the warning tells the operator to grant. */
export const NAME_PERMISSIONS: Record<NameKind, string> = {
  queue: 'routing:queue:view',
  user: 'directory:user:view',
  wrapUpCode: 'routing:wrapupCode:view',
};

const WHAT: Record<NameKind, string> = {
  queue: 'queue names',
  user: 'managers',
  wrapUpCode: 'wrap-up code names',
};

export interface DayNames {
  queues: ReadonlyMap<string, string>;
  users: ReadonlyMap<string, { name: string; managerId: string | null }>;
  wrapUpCodes: ReadonlyMap<string, string>;
  /** what could not be looked up this time, and why (empty when every lookup worked) */
  problems: string[];
}

export const NO_NAMES: DayNames = {
  queues: new Map(),
  users: new Map(),
  wrapUpCodes: new Map(),
  problems: [],
};

/** Why a lookup of `kind` failed, in words an operator can act on. */
export function nameProblem(kind: NameKind, e: unknown): string {
  // A names lookup lacking its permission leaves the names out; unlike the day's own calls, it does not
  // stop the day (a 403 naming the permission is a GenesysPermissionError, a bare one a GenesysHttpError).
  if (e instanceof GenesysPermissionError || (e instanceof GenesysHttpError && e.status === 403))
    return `${WHAT[kind]}: the OAuth client's role lacks ${NAME_PERMISSIONS[kind]} (403)`;
  return `${WHAT[kind]}: ${errorMessage(e)}`;
}

export async function lookUpNames(deps: PipelineDeps, plan: DayPlan): Promise<DayNames> {
  const { db, genesys, logger, signal } = deps;
  const ids = await idsOfDay(db, plan.processDate);
  const queueIds = [...new Set([...plan.queueIds, ...ids.queueIds])];
  const found: DirectoryName[] = [];
  const problems: string[] = [];
  const attempt = async (kind: NameKind, look: () => Promise<DirectoryName[]>) => {
    try {
      found.push(...(await look()));
    } catch (e) {
      if (signal?.aborted || !(e instanceof GenesysError)) throw e;
      problems.push(nameProblem(kind, e));
    }
  };
  await attempt('queue', async () =>
    (await genesys.queuesById(queueIds, signal)).map((q) => ({ kind: 'queue', id: q.id, name: q.name })),
  );
  await attempt('user', async () => {
    if (ids.userIds.length === 0) return [];
    const agents = await genesys.usersById(ids.userIds, signal);
    // Team leaders are rarely agents of the day: their names take a second request.
    const known = new Set(agents.map((u) => u.id));
    const managerIds = [...new Set(agents.flatMap((u) => (u.manager?.id ? [u.manager.id] : [])))];
    const managers = await genesys.usersById(
      managerIds.filter((id) => !known.has(id)),
      signal,
    );
    return [...agents, ...managers].flatMap((u) =>
      u.name ? [{ kind: 'user' as const, id: u.id, name: u.name, managerId: u.manager?.id ?? null }] : [],
    );
  });
  await attempt('wrapUpCode', async () =>
    ids.wrapUpCodes.length === 0
      ? []
      : (await genesys.wrapUpCodes(signal)).map((c) => ({ kind: 'wrapUpCode', id: c.id, name: c.name })),
  );
  await saveNames(db, found);
  if (problems.length > 0) {
    logger.warn(
      { stage: 'names', processDate: plan.processDate, problems },
      `names not looked up in Genesys: ${problems.join('; ')}. The manifest and reports show ids where no ` +
        'name is known; grant the permission(s) to the OAuth client to get names (audio-extract doctor checks them)',
    );
  }
  const users = await namesOf(db, 'user', ids.userIds);
  const managerIds = [...users.values()].flatMap((u) => (u.managerId ? [u.managerId] : []));
  for (const [id, v] of await namesOf(db, 'user', managerIds)) users.set(id, v);
  const plain = (m: Map<string, { name: string }>) => new Map([...m].map(([id, v]) => [id, v.name]));
  return {
    queues: plain(await namesOf(db, 'queue', queueIds)),
    users,
    wrapUpCodes: plain(await namesOf(db, 'wrapUpCode', ids.wrapUpCodes)),
    problems,
  };
}

/** What one manifest line's source row says about names and the call; see `namedFields`. */
export interface NamedRow {
  queueId: string | null;
  queueIds: readonly string[];
  agentUserIds: readonly string[];
  agentNames: readonly (string | null)[] | null;
  wrapUps: readonly WrapUp[] | null;
  startTime: string | null;
  endTime: string | null;
  ani: string | null;
  dnis: string | null;
}

export type NamedFields = Pick<
  ManifestLine,
  | 'queueName'
  | 'queueNames'
  | 'agentNames'
  | 'agentManagerIds'
  | 'agentManagerNames'
  | 'wrapUpCodes'
  | 'wrapUpNames'
  | 'wrapUpNotes'
  | 'recordingStart'
  | 'recordingEnd'
  | 'ani'
  | 'dnis'
>;

/**
 * The manifest's names and call facts for one row: lists in the order of the id lists they describe
 * (queueIds, agentUserIds, wrapUpCodes), null where nothing is known. An agent's name is the one the
 * call itself carries (participantName), else the directory's.
 */
export function namedFields(r: NamedRow, names: DayNames): NamedFields {
  const user = (id: string | null | undefined) => (id ? names.users.get(id) : undefined);
  const managerIds = r.agentUserIds.map((id) => user(id)?.managerId ?? null);
  const wrapUps = r.wrapUps ?? [];
  return {
    queueName: r.queueId ? (names.queues.get(r.queueId) ?? null) : null,
    queueNames: r.queueIds.map((id) => names.queues.get(id) ?? null),
    agentNames: r.agentUserIds.map((id, i) => r.agentNames?.[i] ?? user(id)?.name ?? null),
    agentManagerIds: managerIds,
    agentManagerNames: managerIds.map((id) => user(id)?.name ?? null),
    wrapUpCodes: wrapUps.map((w) => w.code),
    wrapUpNames: wrapUps.map((w) => names.wrapUpCodes.get(w.code) ?? null),
    wrapUpNotes: wrapUps.map((w) => w.note),
    recordingStart: r.startTime,
    recordingEnd: r.endTime,
    ani: r.ani,
    dnis: r.dnis,
  };
}

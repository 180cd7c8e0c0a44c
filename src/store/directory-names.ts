// Names of queues, users and wrap-up codes as Genesys last gave them (src/pipeline/names.ts), and the
// ids of a day that need one. Upserted by (kind, id): a name that changed in Genesys changes here.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Db, rowsOf } from './db.js';
import { conversations, directoryNames, type NameKind } from './schema.js';

export interface DirectoryName {
  kind: NameKind;
  id: string;
  name: string;
  managerId?: string | null;
}

export interface DayIds {
  queueIds: string[];
  userIds: string[];
  wrapUpCodes: string[];
}

/** Every queue, agent and wrap-up code id the date's conversations mention, each once, sorted. */
export async function idsOfDay(db: Db, processDate: string): Promise<DayIds> {
  // One set-returning function over the day's rows each: `v.id` is one element of the jsonb column.
  const ids = async (elements: ReturnType<typeof sql>, id: ReturnType<typeof sql>) => {
    const rows = rowsOf<{ id: string | null }>(
      await db.execute(sql`
        select distinct ${id} as id
        from ${conversations}, ${elements}
        where ${conversations.processDate} = ${processDate}
        order by 1`),
    );
    return rows.map((r) => r.id).filter((v): v is string => typeof v === 'string' && v !== '');
  };
  return {
    queueIds: await ids(sql`jsonb_array_elements_text(${conversations.queueIds}) as v(id)`, sql`v.id`),
    userIds: await ids(sql`jsonb_array_elements_text(${conversations.agentUserIds}) as v(id)`, sql`v.id`),
    wrapUpCodes: await ids(
      sql`jsonb_array_elements(coalesce(${conversations.wrapUps}, '[]'::jsonb)) as v(w)`,
      sql`v.w ->> 'code'`,
    ),
  };
}

export async function saveNames(db: Db, names: readonly DirectoryName[]): Promise<void> {
  if (names.length === 0) return;
  await db
    .insert(directoryNames)
    .values(names.map((n) => ({ kind: n.kind, id: n.id, name: n.name, managerId: n.managerId ?? null })))
    .onConflictDoUpdate({
      target: [directoryNames.kind, directoryNames.id],
      set: {
        name: sql`excluded.name`,
        managerId: sql`excluded.manager_id`,
        updatedAt: sql`now()`,
      },
    });
}

/** The known names of `ids` (all of the kind when `ids` is not given), by id. */
export async function namesOf(
  db: Db,
  kind: NameKind,
  ids?: readonly string[],
): Promise<Map<string, { name: string; managerId: string | null }>> {
  if (ids && ids.length === 0) return new Map();
  const rows = await db
    .select({ id: directoryNames.id, name: directoryNames.name, managerId: directoryNames.managerId })
    .from(directoryNames)
    .where(and(eq(directoryNames.kind, kind), ids ? inArray(directoryNames.id, [...ids]) : undefined));
  return new Map(rows.map((r) => [r.id, { name: r.name, managerId: r.managerId }]));
}

/** Queue names by id, for the readers (status, API, dashboard, e-mail). */
export async function queueNames(db: Db, ids?: readonly string[]): Promise<Map<string, string>> {
  return new Map([...(await namesOf(db, 'queue', ids))].map(([id, v]) => [id, v.name]));
}

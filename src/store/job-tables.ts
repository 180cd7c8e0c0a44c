// pg-boss' own tables (schema `pgboss`), read where its API has no call for what the job queue needs
// (src/scheduler/job-queue.ts drives pg-boss through its API otherwise). Raw SQL through the handle pg-boss
// itself uses, so it runs the same on PGlite and PostgreSQL.
import type { SqlExecutor } from './db.js';

/** Whether pg-boss' schema exists in this database (one catalog lookup). */
export async function jobSchemaInstalled(sql: SqlExecutor): Promise<boolean> {
  const { rows } = await sql.executeSql(`select to_regclass('pgboss.version') is not null as installed`);
  return (rows as { installed: boolean }[])[0]?.installed === true;
}

/** The ids of a queue's jobs that are being worked (state `active`). */
export async function activeJobIds(sql: SqlExecutor, queue: string): Promise<string[]> {
  const { rows } = await sql.executeSql(`select id from pgboss.job where name = $1 and state = 'active'`, [
    queue,
  ]);
  return (rows as { id: string }[]).map((r) => r.id);
}

/** The newest job of a queue waiting to be worked under `singletonKey`, if any. */
export async function queuedJobId(
  sql: SqlExecutor,
  queue: string,
  singletonKey: string,
): Promise<string | undefined> {
  const { rows } = await sql.executeSql(
    `select id from pgboss.job where name = $1 and singleton_key = $2 and state in ('created', 'retry')
     order by created_on desc limit 1`,
    [queue, singletonKey],
  );
  return (rows as { id: string }[])[0]?.id;
}

/** Resolves when the database answers (readiness). */
export async function ping(sql: SqlExecutor): Promise<void> {
  await sql.executeSql('select 1', []);
}

/**
 * Marks one waiting job active, as pg-boss' own fetch does, for a process that works only the jobs it
 * enqueued (`run`, ADR 0016). False when the job is taken or finished already, or when the queue's
 * policy forbids a second active job of its key (pg-boss' unique index refuses the update).
 */
export async function claimJob(sql: SqlExecutor, queue: string, id: string): Promise<boolean> {
  try {
    const { rows } = await sql.executeSql(
      `update pgboss.job set state = 'active', started_on = now(),
         retry_count = case when started_on is not null then retry_count + 1 else retry_count end
       where name = $1 and id = $2 and state < 'active' and start_after < now()
       returning id`,
      [queue, id],
    );
    return rows.length === 1;
  } catch (e) {
    if ((e as { code?: string }).code === '23505') return false;
    throw e;
  }
}

export interface JobState {
  id: string;
  state: string;
  output: unknown;
  /** seconds since the job became active (null while waiting) */
  activeSeconds: number | null;
}

/** The state of each of a queue's jobs named (absent ids are gone: archived or deleted). */
export async function jobStates(
  sql: SqlExecutor,
  queue: string,
  ids: readonly string[],
): Promise<JobState[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql.executeSql(
    `select id::text as id, state::text as state, output,
       extract(epoch from now() - started_on)::float8 as "activeSeconds"
     from pgboss.job where name = $1 and id = any($2::uuid[])`,
    [queue, [...ids]],
  );
  return rows as JobState[];
}

/**
 * A queue's active jobs whose handler's lease (`<prefix><job id>` in our leases table) is missing or
 * has expired, and that became active more than `graceSeconds` ago: their process stopped without
 * giving them back (ADR 0016). The id and data of each.
 */
export async function orphanedJobs(
  sql: SqlExecutor,
  queue: string,
  leasePrefix: string,
  graceSeconds: number,
): Promise<{ id: string; data: unknown }[]> {
  const { rows } = await sql.executeSql(
    `select j.id::text as id, j.data from pgboss.job j
     left join leases l on l.key = $2 || j.id::text
     where j.name = $1 and j.state = 'active' and j.started_on < now() - make_interval(secs => $3)
       and (l.key is null or l.expires_at <= clock_timestamp())`,
    [queue, leasePrefix, graceSeconds],
  );
  return rows as { id: string; data: unknown }[];
}

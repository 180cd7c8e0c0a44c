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

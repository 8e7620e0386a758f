/**
 * Reading a running cloud's tables in tests through the query layer (`test.cloud.query`), so the
 * same assertion holds on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';
import type { Database, QueryDatabase } from '../cloud/src/db/query/index.js';

/** How many rows a table holds. */
export async function countRows(q: QueryDatabase, table: keyof Database & string): Promise<number> {
  // the table is a parameter: Kysely's typed builder wants a literal name, and every table has rows to count
  const row = await (q.db as unknown as Kysely<Record<string, Record<string, unknown>>>)
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

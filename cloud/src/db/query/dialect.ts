/**
 * The few places where SQLite and PostgreSQL need different SQL, each behind one helper so that a
 * query is written once. Everything else (selects, joins, `ON CONFLICT … DO NOTHING / DO UPDATE`,
 * `RETURNING`, transactions) Kysely writes the same for both. Each helper is tested on both
 * databases in dialect.test.ts.
 */
import { sql, type Expression, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { DialectName } from './baseline-support.js';

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkPath(path: readonly string[]): void {
  for (const key of path) if (!SAFE_KEY.test(key)) throw new Error(`JSON path key ${JSON.stringify(key)} must be an identifier`);
}

const sqlitePath = (path: readonly string[]) => `$${path.map((k) => `.${k}`).join('')}`;
const postgresPath = (path: readonly string[]) => `{${path.join(',')}}`;

/**
 * A JSON text column's member as text (NULL when absent). A string comes back as itself, a nested
 * object or array as its JSON. Use jsonNumber for numbers: SQLite would give them as numbers here.
 */
export function jsonText(d: DialectName, json: Expression<unknown>, path: readonly string[]): RawBuilder<string | null> {
  checkPath(path);
  return d === 'sqlite'
    ? sql<string | null>`json_extract(${json}, ${sqlitePath(path)})`
    : sql<string | null>`(${json}::jsonb #>> ${postgresPath(path)})`;
}

/** A JSON text column's member as a number (NULL when absent). */
export function jsonNumber(d: DialectName, json: Expression<unknown>, path: readonly string[]): RawBuilder<number | null> {
  checkPath(path);
  return d === 'sqlite'
    ? sql<number | null>`json_extract(${json}, ${sqlitePath(path)})`
    : sql<number | null>`(${json}::jsonb #>> ${postgresPath(path)})::double precision`;
}

/**
 * The elements of a JSON array (at `path` inside `json`, or `json` itself) as rows with one column
 * `value`, for `FROM` or `EXISTS (SELECT 1 FROM …)`: SQLite's json_each, PostgreSQL's
 * jsonb_array_elements. `value` is an element's JSON; read its members with jsonText/jsonNumber.
 * For an array of strings, jsonArrayTexts gives the strings themselves.
 */
export function jsonArrayElements(d: DialectName, json: Expression<unknown>, path: readonly string[] = []): RawBuilder<{ value: unknown }> {
  checkPath(path);
  if (d === 'sqlite') return path.length ? sql`json_each(${json}, ${sqlitePath(path)})` : sql`json_each(${json})`;
  return path.length ? sql`jsonb_array_elements(${json}::jsonb #> ${postgresPath(path)})` : sql`jsonb_array_elements(${json}::jsonb)`;
}

/** The strings of a JSON array of strings as rows with one text column `value`. */
export function jsonArrayTexts(d: DialectName, json: Expression<unknown>): RawBuilder<{ value: string }> {
  return d === 'sqlite' ? sql`json_each(${json})` : sql`jsonb_array_elements_text(${json}::jsonb)`;
}

/** Aggregates values into a JSON array, returned as its text on both (parse it with JSON.parse). Empty group: NULL. */
export function jsonArrayAgg(d: DialectName, value: Expression<unknown>): RawBuilder<string | null> {
  return d === 'sqlite' ? sql<string | null>`json_group_array(${value})` : sql<string | null>`json_agg(${value})::text`;
}

/**
 * The larger of two values, NULL when either is NULL (SQLite's two-argument MAX; PostgreSQL's
 * greatest() would ignore the NULL instead, so it is guarded to behave the same).
 */
export function greatest<T>(d: DialectName, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return d === 'sqlite' ? sql<T>`max(${a}, ${b})` : sql<T>`(CASE WHEN ${a} IS NULL OR ${b} IS NULL THEN NULL ELSE greatest(${a}, ${b}) END)`;
}

/**
 * The smaller of two values, NULL when either is NULL (SQLite's two-argument MIN). A bound value
 * must carry its type (`sql\`${n}::bigint\``, see `bigintValue`): on PostgreSQL it also stands alone in
 * the NULL guard, where nothing else tells its type.
 */
/** A JS number bound as PostgreSQL's bigint (SQLite's INTEGER), for places that cannot infer a parameter's type. */
export function bigintValue(d: DialectName, n: number): RawBuilder<number> {
  return d === 'sqlite' ? sql<number>`${n}` : sql<number>`${n}::bigint`;
}

export function least<T>(d: DialectName, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return d === 'sqlite' ? sql<T>`min(${a}, ${b})` : sql<T>`(CASE WHEN ${a} IS NULL OR ${b} IS NULL THEN NULL ELSE least(${a}, ${b}) END)`;
}

/**
 * Equality ignoring ASCII case, as SQLite's NOCASE columns compare (users.username). On
 * PostgreSQL both sides are lowered, which the baseline's lower(column) index serves.
 */
export function eqNoCase(d: DialectName, column: Expression<string | null>, value: Expression<string> | string): RawBuilder<boolean> {
  const right = typeof value === 'string' ? sql`${value}` : value;
  return d === 'sqlite' ? sql<boolean>`(${column} = ${right} COLLATE NOCASE)` : sql<boolean>`(lower(${column}) = lower(${right}))`;
}

/** Escapes %, _ and \ so that text is matched literally inside a LIKE pattern (with likeNoCase's ESCAPE '\'). */
export const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** LIKE ignoring case: SQLite's LIKE already ignores ASCII case, PostgreSQL needs ILIKE. */
export function likeNoCase(d: DialectName, column: Expression<string | null>, pattern: string): RawBuilder<boolean> {
  return d === 'sqlite' ? sql<boolean>`(${column} LIKE ${pattern} ESCAPE '\\')` : sql<boolean>`(${column} ILIKE ${pattern} ESCAPE '\\')`;
}

/** Booleans are stored as 0/1 integers on both databases (SQLite has no boolean type; PostgreSQL keeps the same values). */
export const toDbBool = (value: boolean): 0 | 1 => (value ? 1 : 0);
export const fromDbBool = (value: number | null | undefined): boolean => value === 1;

/**
 * The `SET` of an upsert that takes the listed columns from the row that was refused:
 * `.onConflict((oc) => oc.columns([...]).doUpdateSet(fromExcluded(['body', 'issued_at'])))`. Same
 * SQL on both; in an expression of your own, name the existing row's column with its table
 * (`documents.version`): PostgreSQL calls an unqualified one ambiguous.
 */
// the refused row has the table's column types, which a plain reference cannot carry: any
export function fromExcluded<C extends string>(columns: readonly C[]): Record<C, RawBuilder<any>> {
  return Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)])) as Record<C, RawBuilder<any>>;
}

/**
 * Makes a SELECT that picks rows to claim (a queue's due rows) lock them and pass over the rows
 * another transaction has locked: PostgreSQL's `FOR UPDATE SKIP LOCKED`, so two processes claiming
 * at once each get different rows instead of one waiting for the other and coming back empty.
 * SQLite has no row locks and runs one write at a time, so a single `UPDATE … WHERE id IN (SELECT …)`
 * is already atomic there: the SELECT is left as it is. Use it inside the claiming statement.
 */
// any: the helper keeps whatever the builder selects
export function skipLockedRows<QB extends SelectQueryBuilder<any, any, any>>(d: DialectName, query: QB): QB {
  return d === 'postgres' ? (query.forUpdate().skipLocked() as QB) : query;
}

/**
 * Whether a write was refused by a UNIQUE constraint or primary key: SQLite's
 * SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, PostgreSQL's unique_violation (23505). A store turns it
 * into a 409 that names what is taken. On PostgreSQL the refused statement aborts its transaction:
 * check before writing inside one, or let the transaction fail whole.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Statements to run (outside any transaction) after replacing rows of `table` that held a secret in
 * clear, so that the replaced row versions no longer sit in the database's files. SQLite: VACUUM
 * (the file rebuilt: SQLite leaves replaced rows in its free pages) and the WAL written back and
 * emptied. PostgreSQL: VACUUM FULL of the table (rewritten into a new file, the old one truncated;
 * dead row versions would otherwise stay until their space is reused). Slow on large tables: for
 * a rare event (clear text encrypted once), not for routine writes.
 */
export function purgeReplacedRows(d: DialectName, table: string): RawBuilder<unknown>[] {
  checkPath([table]);
  return d === 'sqlite' ? [sql`VACUUM`, ...flushWriteLog(d)] : [sql`VACUUM FULL ${sql.table(table)}`];
}

/**
 * Writes SQLite's WAL back into the database file and empties it (after rewriting secrets, so no
 * old frame keeps them); nothing on PostgreSQL, whose log is the server's to recycle.
 */
export function flushWriteLog(d: DialectName): RawBuilder<unknown>[] {
  return d === 'sqlite' ? [sql`PRAGMA wal_checkpoint(TRUNCATE)`] : [];
}

/**
 * Statements that make concurrent transactions asking for the same `key` run one after the other:
 * PostgreSQL's transaction-scoped advisory lock (released at commit or rollback), so a
 * check-and-insert that no unique index can express ("not already recorded within the window")
 * sees what the previous holder committed (each statement under READ COMMITTED reads afresh once
 * the lock is held). Nothing on SQLite, which runs one writing transaction at a time. Run first
 * inside the transaction.
 */
export function transactionLock(d: DialectName, key: string): RawBuilder<unknown>[] {
  return d === 'postgres' ? [sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`] : [];
}

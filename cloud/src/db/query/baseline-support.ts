import { sql, type ColumnDefinitionBuilder, type Expression, type Kysely } from 'kysely';

/** The two databases the cloud runs on. */
export type DialectName = 'sqlite' | 'postgres';

/*
 * Column types of the baseline. SQLite keeps the declared types the legacy chain wrote (so its
 * affinities, and INTEGER PRIMARY KEY's rowid alias, stay); PostgreSQL gets types wide enough for
 * what SQLite stores there: INTEGER holds millisecond timestamps, which overflow int4.
 */
export const integer = (d: DialectName) => (d === 'sqlite' ? 'integer' : 'bigint');
export const text = (_d: DialectName) => 'text' as const;
export const real = (d: DialectName) => (d === 'sqlite' ? 'real' : 'double precision');
export const blob = (d: DialectName) => (d === 'sqlite' ? 'blob' : 'bytea');

/** A key the database numbers: SQLite's AUTOINCREMENT rowid, PostgreSQL's identity (explicit values still allowed, for migrate-data). */
export function identity(d: DialectName, c: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
  return d === 'sqlite' ? c.autoIncrement() : c.generatedByDefaultAsIdentity();
}

/**
 * An INTEGER PRIMARY KEY without AUTOINCREMENT: SQLite numbers it as the rowid (left as the legacy
 * chain declared it), PostgreSQL through an identity column (explicit values still allowed).
 */
export function rowid(d: DialectName, c: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
  return d === 'sqlite' ? c : c.generatedByDefaultAsIdentity();
}

/** SQLite compares the column case-insensitively; PostgreSQL has no such collation built in (see noCaseIndex and eqNoCase). */
export function noCase(d: DialectName): Expression<unknown> {
  return d === 'sqlite' ? sql`collate nocase` : sql``;
}

/** On PostgreSQL a NOCASE column gets an index on lower(column), unique when the column is: 'Admin' and 'admin' stay one name. */
export async function noCaseIndex(db: Kysely<any>, d: DialectName, table: string, column: string, unique: boolean): Promise<void> {
  if (d === 'sqlite') return;
  let index = db.schema.createIndex(`${table}_${column}_nocase`).on(table).expression(sql`lower(${sql.ref(column)})`);
  if (unique) index = index.unique();
  await index.execute();
}

/** A trigger that refuses every DELETE or UPDATE of a table (the audit log is append-only). */
export async function refuseChange(
  db: Kysely<any>,
  d: DialectName,
  name: string,
  table: string,
  operation: 'DELETE' | 'UPDATE',
  message: string,
): Promise<void> {
  if (d === 'sqlite') {
    await sql.raw(`CREATE TRIGGER ${name} BEFORE ${operation} ON ${table} BEGIN SELECT RAISE(ABORT, '${message.replace(/'/g, "''")}'); END`).execute(db);
    return;
  }
  await sql`CREATE OR REPLACE FUNCTION sc_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$`.execute(db);
  await sql
    .raw(`CREATE TRIGGER ${name} BEFORE ${operation} ON ${table} FOR EACH ROW EXECUTE FUNCTION sc_refuse_change('${message.replace(/'/g, "''")}')`)
    .execute(db);
}

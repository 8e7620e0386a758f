/**
 * `sc-cloud migrate-data`: copies a commune's SQLite database into PostgreSQL. The target is first
 * migrated to the same schema version; tables are copied in foreign-key order, in batches (memory
 * stays bounded whatever the size), in one transaction (a failure leaves the target as it was);
 * identity sequences continue after the highest id SQLite ever gave; then both sides are counted
 * and checksummed table by table.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { postgresQueryDatabase, sqliteQueryDatabase, type QueryDatabase } from './connect.js';
import { migrateQueryDatabase, schemaVersion } from './migrate.js';
import { dependencyOrder, readSqliteSchema, rowidKey, type SqliteTable } from './sqlite-schema.js';

export interface TableReport {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
}

export interface MigrateDataOptions {
  from: string;
  to: string;
  force?: boolean;
  /** Rows per INSERT (also bounded by PostgreSQL's 65535 parameters). */
  batchRows?: number;
  progress?: (line: string) => void;
}

export class MigrateDataError extends Error {}

/** The copy walks tables by name from the SQLite schema, so it cannot use the typed tables. */
type AnyDb = Kysely<any>;
type Row = Record<string, unknown>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * An order-independent checksum of rows: the sum modulo 2^64 of each row's SHA-256 (first 8
 * bytes) over its values in column order. Both databases' own orders may differ (collations), the
 * sum does not; a changed, missing or extra row changes it.
 */
class Checksum {
  private sum = 0n;
  add(values: unknown[]): void {
    const text = JSON.stringify(values.map((v) => (Buffer.isBuffer(v) ? `b64:${v.toString('base64')}` : v)));
    this.sum = (this.sum + createHash('sha256').update(text).digest().readBigUInt64BE(0)) & 0xffff_ffff_ffff_ffffn;
  }
  hex(): string {
    return this.sum.toString(16).padStart(16, '0');
  }
}

function sqliteRows(db: Database.Database, table: SqliteTable, batch: number): Iterable<Row[]> {
  const columns = table.columns.map((c) => quote(c.name)).join(', ');
  const page = db.prepare(`SELECT rowid AS sc_rowid, ${columns} FROM ${quote(table.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?`);
  return {
    *[Symbol.iterator]() {
      let last = -Infinity;
      for (;;) {
        const rows = page.all(last === -Infinity ? Number.MIN_SAFE_INTEGER : last, batch) as Row[];
        if (rows.length === 0) return;
        last = rows[rows.length - 1]!.sc_rowid as number;
        for (const row of rows) delete row.sc_rowid;
        yield rows;
      }
    },
  };
}

/** PostgreSQL's rows in pages by physical position (ctid): any table, with or without a key, in bounded memory. */
async function* postgresRows(db: AnyDb, table: SqliteTable, batch: number): AsyncIterable<Row[]> {
  const columns = sql.raw(table.columns.map((c) => quote(c.name)).join(', '));
  let last = '(0,0)';
  for (;;) {
    const page = await sql<Row & { sc_ctid: string }>`SELECT ctid::text AS sc_ctid, ${columns} FROM ${sql.table(table.name)}
      WHERE ctid > ${last}::tid ORDER BY ctid LIMIT ${batch}`.execute(db);
    if (page.rows.length === 0) return;
    last = page.rows[page.rows.length - 1]!.sc_ctid;
    yield page.rows.map(({ sc_ctid: _, ...row }) => row);
  }
}

async function targetHasRows(db: AnyDb, tables: readonly SqliteTable[]): Promise<string[]> {
  const full: string[] = [];
  for (const table of tables) {
    const exists = await sql<{ t: string | null }>`SELECT to_regclass(${table.name})::text AS t`.execute(db);
    if (!exists.rows[0]?.t) continue;
    const any = await sql`SELECT 1 FROM ${sql.table(table.name)} LIMIT 1`.execute(db);
    if (any.rows.length) full.push(table.name);
  }
  return full;
}

/** A self-reference (alerts.replaces) is filled in after its table, so row order never matters. */
const selfReferences = (table: SqliteTable) => table.foreignKeys.filter((fk) => fk.table === table.name && fk.columns.length === 1);

async function copyTable(source: Database.Database, target: AnyDb, table: SqliteTable, batchRows: number): Promise<number> {
  const deferred = selfReferences(table).map((fk) => fk.columns[0]!);
  const perInsert = Math.max(1, Math.min(batchRows, Math.floor(60_000 / table.columns.length)));
  let copied = 0;
  for (const rows of sqliteRows(source, table, perInsert)) {
    const values = rows.map((row) => (deferred.length ? { ...row, ...Object.fromEntries(deferred.map((c) => [c, null])) } : row));
    await target.insertInto(table.name).values(values).execute();
    copied += rows.length;
  }
  const key = table.columns.filter((c) => c.pk > 0).map((c) => c.name);
  for (const column of deferred) {
    const refs = source.prepare(`SELECT ${key.map(quote).join(', ')}, ${quote(column)} AS ref FROM ${quote(table.name)} WHERE ${quote(column)} IS NOT NULL`);
    for (const row of refs.iterate() as Iterable<Row>) {
      let update = target.updateTable(table.name).set({ [column]: row.ref });
      for (const k of key) update = update.where(k, '=', row[k]);
      await update.execute();
    }
  }
  if (table.autoIncrement || rowidKey(table)) {
    // SQLite never reuses an AUTOINCREMENT id (audit entries); the sequence continues after the highest it gave
    // (a plain rowid key has no sqlite_sequence entry: after the highest id stored)
    const pk = table.columns.find((c) => c.pk === 1)!.name;
    const max = source.prepare(`SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), COALESCE((SELECT max(${quote(pk)}) FROM ${quote(table.name)}), 0)) AS n`).get(table.name) as { n: number };
    if (max.n > 0) await sql`SELECT setval(pg_get_serial_sequence(${table.name}, ${pk}), ${max.n}, true)`.execute(target);
  }
  return copied;
}

async function summarise(table: SqliteTable, source: Database.Database, target: AnyDb, batch: number): Promise<TableReport> {
  const sourceSum = new Checksum();
  let sourceRows = 0;
  for (const rows of sqliteRows(source, table, batch))
    for (const row of rows) {
      sourceSum.add(table.columns.map((c) => row[c.name]));
      sourceRows++;
    }
  const targetSum = new Checksum();
  let targetRows = 0;
  for await (const rows of postgresRows(target, table, batch))
    for (const row of rows) {
      targetSum.add(table.columns.map((c) => row[c.name]));
      targetRows++;
    }
  return { table: table.name, sourceRows, targetRows, sourceChecksum: sourceSum.hex(), targetChecksum: targetSum.hex() };
}

/** Copies `from` (a SQLite file) into `to` (postgres://…); returns one report per table. */
export async function migrateData(options: MigrateDataOptions): Promise<TableReport[]> {
  const progress = options.progress ?? (() => {});
  const batchRows = options.batchRows ?? 1000;
  const sqlite = new Database(options.from, { fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  let source: QueryDatabase | undefined;
  const target = postgresQueryDatabase(options.to, { max: 2 });
  try {
    source = sqliteQueryDatabase(sqlite);
    // the source is brought to the schema this software knows (what starting sc-cloud on it would do)
    const version = await migrateQueryDatabase(source);
    const tables = dependencyOrder(readSqliteSchema(sqlite).tables);
    const full = await targetHasRows(target.db, tables);
    if (full.length && !options.force) {
      throw new MigrateDataError(`the target database is not empty (rows in ${full.join(', ')}): give --force to replace its contents`);
    }
    await migrateQueryDatabase(target);
    const targetVersion = await schemaVersion(target);
    if (targetVersion !== version) throw new MigrateDataError(`target schema version ${targetVersion} differs from the source's ${version}`);
    await target.db.transaction().execute(async (trx) => {
      if (full.length) await sql.raw(`TRUNCATE ${tables.map((t) => quote(t.name)).join(', ')} RESTART IDENTITY`).execute(trx);
      for (const table of tables) {
        const copied = await copyTable(sqlite, trx, table, batchRows);
        progress(`copied ${table.name}: ${copied} rows`);
      }
    });
    const reports: TableReport[] = [];
    for (const table of tables) reports.push(await summarise(table, sqlite, target.db, batchRows));
    return reports;
  } finally {
    await target.close();
    if (source) await source.close();
    else sqlite.close();
  }
}

/** Counts and checksums both sides again without copying (after a copy, or to check one made earlier). */
export async function compareDatabases(from: string, to: string, batchRows = 1000): Promise<TableReport[]> {
  const sqlite = new Database(from, { readonly: true, fileMustExist: true });
  const target = postgresQueryDatabase(to, { max: 1 });
  try {
    const reports: TableReport[] = [];
    for (const table of dependencyOrder(readSqliteSchema(sqlite).tables)) reports.push(await summarise(table, sqlite, target.db, batchRows));
    return reports;
  } finally {
    await target.close();
    sqlite.close();
  }
}

/** The report as a table for the terminal; true when every table has the same rows on both sides. */
export function formatReport(reports: readonly TableReport[]): { text: string; ok: boolean } {
  const width = Math.max(5, ...reports.map((r) => r.table.length));
  const lines = [`${'table'.padEnd(width)}  ${'sqlite rows'.padStart(11)}  ${'pg rows'.padStart(11)}  ${'sqlite checksum'.padEnd(16)}  ${'pg checksum'.padEnd(16)}  result`];
  let ok = true;
  for (const r of reports) {
    const same = r.sourceRows === r.targetRows && r.sourceChecksum === r.targetChecksum;
    ok &&= same;
    lines.push(
      `${r.table.padEnd(width)}  ${String(r.sourceRows).padStart(11)}  ${String(r.targetRows).padStart(11)}  ${r.sourceChecksum}  ${r.targetChecksum}  ${same ? 'ok' : 'DIFFERS'}`,
    );
  }
  return { text: lines.join('\n'), ok };
}

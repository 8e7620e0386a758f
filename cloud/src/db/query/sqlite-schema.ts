import type { Db } from '../database.js';

/**
 * A SQLite database's schema read into plain data: what the baseline generator writes as Kysely
 * code, what the baseline test compares (legacy chain against baseline), and what migrate-data
 * walks to copy tables in dependency order. Read from the pragmas, plus the CREATE text for what
 * no pragma tells (CHECK constraints, COLLATE NOCASE, AUTOINCREMENT, partial and expression indexes).
 */
export interface SqliteColumn {
  name: string;
  /** Declared type as written (TEXT, INTEGER, REAL): SQLite's affinity follows from it. */
  type: string;
  notNull: boolean;
  /** The DEFAULT expression's text, or null. */
  defaultSql: string | null;
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number;
  noCase: boolean;
}

export interface SqliteForeignKey {
  columns: string[];
  table: string;
  references: string[];
  onDelete: string;
}

export interface SqliteIndex {
  name: string;
  unique: boolean;
  /** Plain column names, or null when the index is on expressions (then `expressionSql` says which). */
  columns: string[] | null;
  expressionSql: string | null;
  whereSql: string | null;
}

export interface SqliteTable {
  name: string;
  columns: SqliteColumn[];
  autoIncrement: boolean;
  foreignKeys: SqliteForeignKey[];
  /** CHECK expressions (column and table level alike), whitespace-normalised. */
  checks: string[];
  /** Column sets of UNIQUE constraints (the automatic indexes SQLite makes for them). */
  uniques: string[][];
  indexes: SqliteIndex[];
}

export interface SqliteTrigger {
  name: string;
  table: string;
  sql: string;
}

export interface SqliteSchema {
  tables: SqliteTable[];
  triggers: SqliteTrigger[];
}

const norm = (sql: string) => sql.replace(/\s+/g, ' ').replace(/\(\s+/g, '(').replace(/\s+\)/g, ')').trim();

/** Splits text at commas that are outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** The text inside the parentheses that open at `open` (which must be a '('). */
function balanced(text: string, open: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced parentheses in: ${text}`);
}

/** Every CHECK (...) in a piece of a CREATE TABLE. */
function checksIn(part: string): string[] {
  const found: string[] = [];
  const re = /\bCHECK\s*\(/gi;
  for (let m = re.exec(part); m; m = re.exec(part)) found.push(norm(balanced(part, m.index + m[0].length - 1)));
  return found;
}

function parseCreateTable(sql: string) {
  const body = balanced(sql, sql.indexOf('('));
  const checks: string[] = [];
  const noCase = new Set<string>();
  for (const part of splitTopLevel(body)) {
    checks.push(...checksIn(part));
    const isConstraint = /^(CONSTRAINT|CHECK|PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY)\b/i.test(part);
    if (!isConstraint && /\bCOLLATE\s+NOCASE\b/i.test(part)) noCase.add(part.split(/\s+/)[0]!.replace(/^["`[]|["`\]]$/g, ''));
  }
  return { checks, noCase, autoIncrement: /\bAUTOINCREMENT\b/i.test(sql) };
}

function parseIndex(sql: string): Pick<SqliteIndex, 'columns' | 'expressionSql' | 'whereSql'> {
  const open = sql.indexOf('(');
  const inside = balanced(sql, open);
  const afterCols = sql.slice(open + inside.length + 2);
  const where = /^\s*WHERE\s+([\s\S]+)$/i.exec(afterCols);
  const parts = splitTopLevel(inside);
  const simple = parts.every((p) => /^[a-z_][a-z0-9_]*$/i.test(p));
  return {
    columns: simple ? parts : null,
    expressionSql: simple ? null : norm(inside),
    whereSql: where ? norm(where[1]!) : null,
  };
}

/** Reads the schema of an open SQLite database (tables in name order). */
export function readSqliteSchema(db: Db): SqliteSchema {
  const objects = db
    .prepare(`SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all() as { type: string; name: string; tableName: string; sql: string | null }[];
  const tables: SqliteTable[] = [];
  for (const object of objects.filter((o) => o.type === 'table')) {
    const parsed = parseCreateTable(object.sql!);
    const info = db.pragma(`table_xinfo("${object.name}")`) as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number; hidden: number }[];
    const fkRows = db.pragma(`foreign_key_list("${object.name}")`) as { id: number; seq: number; table: string; from: string; to: string | null; on_delete: string }[];
    const foreignKeys = new Map<number, SqliteForeignKey>();
    for (const row of fkRows) {
      const fk = foreignKeys.get(row.id) ?? { columns: [], table: row.table, references: [], onDelete: row.on_delete };
      fk.columns.push(row.from);
      fk.references.push(row.to ?? '');
      foreignKeys.set(row.id, fk);
    }
    const indexList = db.pragma(`index_list("${object.name}")`) as { name: string; unique: number; origin: string }[];
    const uniques = indexList
      .filter((i) => i.origin === 'u')
      .map((i) => (db.pragma(`index_info("${i.name}")`) as { name: string }[]).map((c) => c.name));
    const indexes = objects
      .filter((o) => o.type === 'index' && o.tableName === object.name && o.sql)
      .map((o) => ({ name: o.name, unique: /^CREATE\s+UNIQUE/i.test(o.sql!), ...parseIndex(o.sql!) }));
    tables.push({
      name: object.name,
      columns: info
        .filter((c) => c.hidden === 0)
        .map((c) => ({ name: c.name, type: c.type.toUpperCase(), notNull: c.notnull === 1, defaultSql: c.dflt_value, pk: c.pk, noCase: parsed.noCase.has(c.name) })),
      autoIncrement: parsed.autoIncrement,
      foreignKeys: [...foreignKeys.values()],
      checks: parsed.checks,
      uniques,
      indexes,
    });
  }
  const triggers = objects.filter((o) => o.type === 'trigger').map((o) => ({ name: o.name, table: o.tableName, sql: norm(o.sql!) }));
  return { tables, triggers };
}

/**
 * Tables ordered so that every table comes after the tables its foreign keys point to (a table's
 * reference to itself is allowed). Creating or filling tables in this order never breaks a key.
 */
export function dependencyOrder<T extends { name: string; foreignKeys: { table: string }[] }>(tables: readonly T[]): T[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const ordered: T[] = [];
  const visit = (table: T) => {
    if (done.has(table.name)) return;
    if (visiting.has(table.name)) throw new Error(`foreign keys form a cycle through ${table.name}`);
    visiting.add(table.name);
    for (const fk of table.foreignKeys) {
      const target = byName.get(fk.table);
      if (target && target.name !== table.name) visit(target);
    }
    visiting.delete(table.name);
    done.add(table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}

/** A table whose key is one INTEGER PRIMARY KEY column without AUTOINCREMENT: SQLite's rowid alias. */
export function rowidKey(table: SqliteTable): boolean {
  const key = table.columns.filter((col) => col.pk > 0);
  return !table.autoIncrement && key.length === 1 && key[0]!.type.toUpperCase() === 'INTEGER';
}

import { affinity } from './affinity.js';
import type { SqliteSchema, SqliteTable } from './sqlite-schema.js';

const lower = (s: string | null) => (s === null ? null : s.replace(/"/g, '').toLowerCase());

function columnShape(table: SqliteTable, name: string) {
  const c = table.columns.find((col) => col.name === name)!;
  return JSON.stringify({ affinity: affinity(c.type), notNull: c.notNull, default: lower(c.defaultSql), pk: c.pk, noCase: c.noCase });
}

function sameSet(a: readonly string[], b: readonly string[]) {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/**
 * What differs between two SQLite schemas, one line each (empty when they agree): tables, columns
 * (affinity, NOT NULL, default, key, NOCASE), foreign keys, CHECKs, UNIQUE constraints, indexes and
 * triggers. `expected` is the legacy chain's, `actual` the baseline's.
 */
export function diffSchemas(expected: SqliteSchema, actual: SqliteSchema): string[] {
  const out: string[] = [];
  const actualTables = new Map(actual.tables.map((t) => [t.name, t]));
  for (const e of expected.tables) {
    const a = actualTables.get(e.name);
    if (!a) {
      out.push(`table ${e.name}: missing from the baseline`);
      continue;
    }
    for (const c of e.columns) {
      if (!a.columns.some((col) => col.name === c.name)) out.push(`column ${e.name}.${c.name}: missing from the baseline`);
      else if (columnShape(e, c.name) !== columnShape(a, c.name)) out.push(`column ${e.name}.${c.name}: legacy ${columnShape(e, c.name)}, baseline ${columnShape(a, c.name)}`);
    }
    for (const c of a.columns) if (!e.columns.some((col) => col.name === c.name)) out.push(`column ${e.name}.${c.name}: only in the baseline`);
    if (e.autoIncrement !== a.autoIncrement) out.push(`table ${e.name}: AUTOINCREMENT legacy ${e.autoIncrement}, baseline ${a.autoIncrement}`);
    const fk = (t: SqliteTable) => t.foreignKeys.map((f) => `${f.columns.join(',')}->${f.table}(${f.references.join(',')}) on delete ${f.onDelete}`);
    if (!sameSet(fk(e), fk(a))) out.push(`foreign keys of ${e.name}: legacy [${fk(e).join('; ')}], baseline [${fk(a).join('; ')}]`);
    const checks = (t: SqliteTable) => t.checks.map((c) => lower(c)!);
    if (!sameSet(checks(e), checks(a))) out.push(`checks of ${e.name}: legacy [${checks(e).join('; ')}], baseline [${checks(a).join('; ')}]`);
    const uniques = (t: SqliteTable) => t.uniques.map((u) => u.join(','));
    if (!sameSet(uniques(e), uniques(a))) out.push(`unique constraints of ${e.name}: legacy [${uniques(e).join('; ')}], baseline [${uniques(a).join('; ')}]`);
    const index = (t: SqliteTable) =>
      t.indexes.map((i) => `${i.name}${i.unique ? ' unique' : ''} (${lower(i.columns?.join(', ') ?? i.expressionSql)})${i.whereSql ? ` where ${lower(i.whereSql)}` : ''}`);
    for (const i of index(e)) if (!index(a).includes(i)) out.push(`index ${i} on ${e.name}: missing from the baseline${a.indexes.some((x) => i.startsWith(`${x.name} `)) ? ' (differs)' : ''}`);
    for (const i of index(a)) if (!index(e).includes(i)) out.push(`index ${i} on ${e.name}: only in the baseline`);
  }
  for (const a of actual.tables) if (!expected.tables.some((t) => t.name === a.name)) out.push(`table ${a.name}: only in the baseline`);
  const triggers = (s: SqliteSchema) => s.triggers.map((t) => lower(t.sql)!);
  for (const t of triggers(expected)) if (!triggers(actual).includes(t)) out.push(`trigger missing from the baseline: ${t}`);
  for (const t of triggers(actual)) if (!triggers(expected).includes(t)) out.push(`trigger only in the baseline: ${t}`);
  return out;
}

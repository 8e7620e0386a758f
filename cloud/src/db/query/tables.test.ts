import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '@smart-commune/shared/runtime';
import { cloudMigrations } from '../migrations.js';
import { affinity } from './affinity.js';
import { tableColumns } from './tables.js';

const REGENERATE = 'the legacy SQLite chain and tables.ts disagree: run `npx tsx cloud/src/db/query/generate.ts` and review the diff';

/** What differs between tables.ts and the schema the legacy chain makes, one line each. */
function differences(): string[] {
  const db = new Database(':memory:');
  migrate(db, cloudMigrations);
  const out: string[] = [];
  const typed = tableColumns as Record<string, Record<string, string>>;
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[]).sort();
  for (const table of tables) {
    const columns = db.pragma(`table_info("${table}")`) as { name: string; type: string; notnull: number; pk: number }[];
    if (!typed[table]) {
      out.push(`table ${table} has no interface`);
      continue;
    }
    for (const c of columns) {
      const kind = `${affinity(c.type)}${c.notnull === 0 && c.pk === 0 ? '?' : ''}`;
      if (!(c.name in typed[table]!)) out.push(`${table}.${c.name} (${kind}) is missing from the interface`);
      else if (typed[table]![c.name] !== kind) out.push(`${table}.${c.name} is ${kind} in SQLite, ${typed[table]![c.name]} in the interface`);
    }
    for (const name of Object.keys(typed[table]!)) if (!columns.some((c) => c.name === name)) out.push(`${table}.${name} is in the interface only`);
  }
  for (const table of Object.keys(typed)) if (!tables.includes(table)) out.push(`interface ${table} names no table`);
  db.close();
  return out;
}

describe('typed tables', () => {
  it('has one interface per table with each column, its affinity and NULL-ability as the SQLite schema has them', () => {
    expect(differences(), REGENERATE).toEqual([]);
  });

  it('covers every table of the schema', () => {
    expect(Object.keys(tableColumns).length).toBeGreaterThanOrEqual(49);
    expect(tableColumns.claim_tokens).toEqual({
      token_hash: 'TEXT',
      edge_id: 'TEXT',
      created_by: 'TEXT?',
      created_at: 'INTEGER',
      expires_at: 'INTEGER',
      used_at: 'INTEGER?',
    });
  });
});

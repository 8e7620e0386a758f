import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ensureColumns, migrate, tuneDatabase } from '@smart-commune/shared/runtime';
import { edgeAddedColumns, edgeMigrations } from './migrations.js';

export type Db = Database.Database;
export const DATABASE_FILE = 'edge.db';

/** Opens the box's own SQLite file in the data dir and brings its schema up to date. */
export function openEdgeDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  tuneDatabase(db);
  migrate(db, edgeMigrations);
  ensureColumns(db, edgeAddedColumns);
  return db;
}

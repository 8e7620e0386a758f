import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, tuneDatabase } from '@smart-commune/shared/runtime';
import { cloudMigrations } from './migrations.js';

export type Db = Database.Database;

/** Opens (creating if needed) the cloud database file and brings its schema up to date. */
export function openCloudDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  tuneDatabase(db);
  migrate(db, cloudMigrations);
  return db;
}

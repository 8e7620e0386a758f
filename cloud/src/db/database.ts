import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, tuneDatabase } from '@smart-commune/shared/runtime';
import { makePrivateDir, makePrivateFile } from '../private-files.js';
import { cloudMigrations } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the cloud database file and brings its schema up to date. The file is
 * 0600 in a 0700 directory (SQLite gives its -wal and -shm files the database's mode).
 */
export function openCloudDatabase(file: string): Db {
  if (file !== ':memory:') {
    makePrivateDir(dirname(file));
    makePrivateFile(file);
    for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) makePrivateFile(companion);
  }
  const db = new Database(file);
  tuneDatabase(db);
  migrate(db, cloudMigrations);
  return db;
}

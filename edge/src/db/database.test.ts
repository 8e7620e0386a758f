import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runEdgeCli } from '../../../test-support/edge.js';
import { sleep } from '../../../test-support/wait.js';
import { DATABASE_FILE, openEdgeDatabase } from './database.js';
import { migrate } from '@smart-commune/shared/runtime';
import { edgeMigrations } from './migrations.js';

describe('the box database', () => {
  it('is migrated once when several processes open it at the same moment, each waiting for the others (the daemon and sc-edge status)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-edge-db-'));
    writeFileSync(join(dataDir, 'edge.json'), JSON.stringify({ edgeId: 'edg_concurrent1', name: 'Tủ thử', hamletCode: 'ap-1', cloudUrl: 'http://127.0.0.1:1', mqttUrl: 'mqtt://127.0.0.1:1', telemetryIntervalS: 10, provisionedAt: 1 }));
    // a third process holds the write lock of the new, empty file while they start (as a daemon does while it migrates)
    const holder = new Database(join(dataDir, DATABASE_FILE));
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    const runs = Promise.all(Array.from({ length: 3 }, () => runEdgeCli(['status', '--data-dir', dataDir, '--json'])));
    await sleep(1500);
    holder.exec('COMMIT');
    holder.close();
    for (const run of await runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(3); // not running, and said so
      expect(JSON.parse(run.stdout)).toMatchObject({ config: { edgeId: 'edg_concurrent1' }, daemon: null, outboxPending: 0 });
    }
    const db = openEdgeDatabase(dataDir);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(edgeMigrations.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('gains an added column without a newer numbered schema, so the release before it still opens the file after a rollback', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-edge-db-'));
    const db = openEdgeDatabase(dataDir);
    db.prepare('INSERT INTO outbox (event_id, topic, payload, created_at) VALUES (?, ?, ?, ?)').run('evt_rollback0001', 't', '{}', 1);
    db.prepare('UPDATE outbox SET awaiting_since = 5').run();
    db.close();
    // the previous release: the same numbered migrations, no added columns; it refuses a newer user_version
    const older = new Database(join(dataDir, DATABASE_FILE));
    try {
      expect(migrate(older, edgeMigrations)).toBe(edgeMigrations.length);
      expect(() => migrate(older, edgeMigrations.slice(0, -1))).toThrow(/newer than this software knows/);
      // its statements name their columns: the extra one is ignored
      older.prepare('INSERT INTO outbox (event_id, topic, payload, created_at) VALUES (?, ?, ?, ?)').run('evt_rollback0002', 't', '{}', 2);
      expect(older.prepare('SELECT event_id FROM outbox ORDER BY seq').pluck().all()).toEqual(['evt_rollback0001', 'evt_rollback0002']);
    } finally {
      older.close();
    }
    // opened again by this release: nothing to add, the value kept
    const again = openEdgeDatabase(dataDir);
    try {
      expect(again.prepare('SELECT awaiting_since FROM outbox WHERE event_id = ?').pluck().get('evt_rollback0001')).toBe(5);
    } finally {
      again.close();
    }
  });
});

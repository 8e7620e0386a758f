import Database from 'better-sqlite3';
import { migrate } from '@smart-commune/shared/runtime';
import { describe, expect, it } from 'vitest';
import { cloudMigrations } from './migrations.js';

describe('cloud migrations', () => {
  it("drops the old default detect height from stored cameras, so they follow their own aspect, and raises the document's version", () => {
    const db = new Database(':memory:');
    try {
      // the migrations before this one (later ones are appended after it)
      const at = cloudMigrations.findIndex((m) => m.includes("json_remove(c.value, '$.detect.height')"));
      migrate(db, cloudMigrations.slice(0, at));
      db.pragma('foreign_keys = OFF'); // documents of boxes this test does not create
      const camera = (id: string, detect: object) => ({ id, name: id, detect: { fps: 5, classes: ['person'], ...detect }, zones: [] });
      const body = { telemetryIntervalS: 10, surveillance: { cameras: [camera('cu', { width: 640, height: 360 }), camera('chon', { width: 800, height: 600 }), camera('moi', { width: 640 })], model: '416x416' } };
      const insert = db.prepare("INSERT INTO documents (edge_id, doc, version, body, issued_at) VALUES (?, 'config', ?, ?, 1)");
      insert.run('edg_old', 4, JSON.stringify(body));
      insert.run('edg_none', 2, JSON.stringify({ telemetryIntervalS: 10 }));
      migrate(db, cloudMigrations);
      const read = (edgeId: string) => db.prepare('SELECT version, body FROM documents WHERE edge_id = ?').get(edgeId) as { version: number; body: string };
      const old = read('edg_old');
      expect(old.version).toBe(5);
      expect(JSON.parse(old.body)).toEqual({ ...body, surveillance: { ...body.surveillance, cameras: [camera('cu', { width: 640 }), camera('chon', { width: 800, height: 600 }), camera('moi', { width: 640 })] } });
      expect(read('edg_none')).toEqual({ version: 2, body: JSON.stringify({ telemetryIntervalS: 10 }) });
    } finally {
      db.close();
    }
  });
});

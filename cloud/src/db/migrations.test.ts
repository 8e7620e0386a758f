import Database from 'better-sqlite3';
import { migrate } from '@smart-commune/shared/runtime';
import { describe, expect, it } from 'vitest';
import { cloudMigrations } from './migrations.js';

/** The migrations before the one containing `marker` (found by content: others append after it). */
const before = (marker: string) => {
  const index = cloudMigrations.findIndex((m) => m.includes(marker));
  expect(index).toBeGreaterThan(0);
  return cloudMigrations.slice(0, index);
};

describe('cloud migrations', () => {
  it("drops the old default detect height from stored cameras, so they follow their own aspect, and raises the document's version", () => {
    const db = new Database(':memory:');
    try {
      migrate(db, before("json_remove(c.value, '$.detect.height')"));
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

  it('gives existing incidents a received time from their creation, which retention then counts from', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, before('ADD COLUMN received_at'));
      db.pragma('foreign_keys = OFF'); // an incident of a box this test does not create
      db.prepare(
        `INSERT INTO incidents (id, edge_id, camera_id, rule_id, label, score, track_id, started_at, detected_at, box, facts_ts, created_at, updated_at)
         VALUES ('inc_0000000001', 'edg_a', 'cam', 'rule', 'person', 0.8, 1, 0, 0, '{}', 5, 1795000000000, 1795000001000)`,
      ).run();
      migrate(db, cloudMigrations);
      expect(db.prepare('SELECT received_at FROM incidents').pluck().get()).toBe(1795000000000);
    } finally {
      db.close();
    }
  });

  it("records the occurrences of the plans boxes hold now, so their proof of play keeps being accepted", () => {
    const db = new Database(':memory:');
    try {
      migrate(db, before('CREATE TABLE plan_occurrences'));
      db.pragma('foreign_keys = OFF'); // documents of boxes this test does not create
      const item = (occurrenceId: string, scheduleId: string, bulletinId: string | null, startAt: number) => ({ occurrenceId, scheduleId, bulletinId, startAt });
      const plan = { windowStart: 0, windowEnd: 10, items: [item('sch_a:5', 'sch_a', 'bul_a', 5), item('alert:alt_b:0', 'alt_b', 'bul_b', 7)] };
      db.prepare("INSERT INTO documents (edge_id, doc, version, body, issued_at) VALUES ('edg_a', 'schedule', 3, ?, 1)").run(JSON.stringify(plan));
      db.prepare("INSERT INTO documents (edge_id, doc, version, body, issued_at) VALUES ('edg_a', 'config', 1, '{}', 1)").run();
      migrate(db, cloudMigrations);
      expect(db.prepare('SELECT edge_id, occurrence_id, schedule_id, bulletin_id, start_at FROM plan_occurrences ORDER BY start_at').raw().all()).toEqual([
        ['edg_a', 'sch_a:5', 'sch_a', 'bul_a', 5],
        ['edg_a', 'alert:alt_b:0', 'alt_b', 'bul_b', 7],
      ]);
    } finally {
      db.close();
    }
  });
  it('turns existing incidents into closed alert items of one object, keeping their files, verification, notes and audit trail', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, before('CREATE TABLE incident_objects'));
      db.pragma('foreign_keys = OFF'); // incidents of a box this test does not create
      const insert = db.prepare(
        `INSERT INTO incidents (id, edge_id, camera_id, rule_id, zone_id, label, score, track_id, started_at, detected_at, ended_at, box, facts_ts,
           snapshot_sha256, snapshot_bytes, snapshot_received_at, clip_sha256, clip_bytes, clip_duration_ms, clip_received_at, status, received_at, created_at, updated_at)
         VALUES (@id, 'edg_a', 'cong', 'dem', @zone, 'person', 0.8, 7, 1000, 2000, @ended, '{"x":0.1,"y":0.2,"width":0.3,"height":0.4}', 5,
           'aa', 10, 3000, @clip, 20, @duration, @clipReceived, 'confirmed', 1, 1, 1)`,
      );
      insert.run({ id: 'inc_0000000001', zone: 'san', ended: 12_000, clip: 'bb', duration: 10_000, clipReceived: 13_000 });
      insert.run({ id: 'inc_0000000002', zone: null, ended: null, clip: null, duration: null, clipReceived: null });
      db.prepare("INSERT INTO incident_notes (id, incident_id, text, author_id, author_name, created_at) VALUES ('note_1', 'inc_0000000001', 'xem lại', NULL, 'Công an', 1)").run();
      migrate(db, cloudMigrations);
      expect(db.prepare('SELECT id, severity, state, continues, status, timeline FROM incidents ORDER BY id').all()).toEqual([
        { id: 'inc_0000000001', severity: 'alert', state: 'closed', continues: null, status: 'confirmed', timeline: '[{"at":1000,"trackId":7,"label":"person","kind":"entered","zoneId":"san"}]' },
        { id: 'inc_0000000002', severity: 'alert', state: 'closed', continues: null, status: 'confirmed', timeline: '[{"at":1000,"trackId":7,"label":"person","kind":"entered"}]' },
      ]);
      expect(db.prepare('SELECT * FROM incident_objects ORDER BY incident_id').all()).toEqual([
        { incident_id: 'inc_0000000001', track_id: 7, label: 'person', score: 0.8, zone_ids: '["san"]', rule_ids: '["dem"]', first_seen_at: 1000, last_seen_at: 12_000,
          box: '{"x":0.1,"y":0.2,"width":0.3,"height":0.4}', snapshot_sha256: 'aa', snapshot_bytes: 10, snapshot_received_at: 3000 },
        { incident_id: 'inc_0000000002', track_id: 7, label: 'person', score: 0.8, zone_ids: '[]', rule_ids: '["dem"]', first_seen_at: 1000, last_seen_at: 2000,
          box: '{"x":0.1,"y":0.2,"width":0.3,"height":0.4}', snapshot_sha256: 'aa', snapshot_bytes: 10, snapshot_received_at: 3000 },
      ]);
      expect(db.prepare('SELECT * FROM incident_clip_parts').all()).toEqual([
        { incident_id: 'inc_0000000001', idx: 0, start_ms: 2000, duration_ms: 10_000, sha256: 'bb', bytes: 20, received_at: 13_000 },
      ]);
      expect(db.prepare('SELECT incident_id FROM incident_notes').pluck().all()).toEqual(['inc_0000000001']);
    } finally {
      db.close();
    }
  });

  it('issue 13: keeps each zone state as its first history row, gives old proof of play its schedule priority, and the speaker kind to people who chose kinds', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, before('CREATE TABLE speaker_history'));
      db.pragma('foreign_keys = OFF'); // rows of boxes and people this test does not create
      db.prepare("INSERT INTO speaker_state (edge_id, zone, state, changed_at) VALUES ('edg_a', 'cho', 'offline', 1000)").run();
      db.prepare(
        `INSERT INTO schedules (id, title, bulletin_id, duration_ms, starts_local, time_zone, rrule, priority, volume, targets, created_at, updated_at)
         VALUES ('sch_p', 'Tin', 'bul_p', 3000, '2026-12-01T05:30', 'Asia/Ho_Chi_Minh', NULL, 'priority', 80, '{"all":true}', 1, 1)`,
      ).run();
      const play = db.prepare(
        `INSERT INTO playback (event_id, edge_id, occurrence_id, schedule_id, bulletin_id, state, planned_start_at, received_at) VALUES (?, 'edg_a', ?, ?, NULL, 'completed', 5, 6)`,
      );
      play.run('ev_1', 'sch_p:5', 'sch_p');
      play.run('ev_2', 'sch_gone:5', 'sch_gone');
      const prefs = db.prepare("INSERT INTO push_preferences (user_id, kinds, updated_at) VALUES (?, ?, 1)");
      prefs.run('usr_tech', '["device"]');
      prefs.run('usr_op', '[]');
      migrate(db, cloudMigrations);
      expect(db.prepare('SELECT edge_id, zone, state, at FROM speaker_history').all()).toEqual([{ edge_id: 'edg_a', zone: 'cho', state: 'offline', at: 1000 }]);
      expect(db.prepare('SELECT event_id, priority FROM playback ORDER BY event_id').all()).toEqual([{ event_id: 'ev_1', priority: 'priority' }, { event_id: 'ev_2', priority: null }]);
      // someone who turned every kind off chose nothing new either: they get the new one, as everyone does until they turn it off
      expect(db.prepare('SELECT user_id, kinds FROM push_preferences ORDER BY user_id').all()).toEqual([{ user_id: 'usr_op', kinds: '["speaker"]' }, { user_id: 'usr_tech', kinds: '["device","speaker"]' }]);
    } finally {
      db.close();
    }
  });

  it('issue 10: claims each box for its newest rollout under way, even where an earlier race let two rollouts take it', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, before('ADD COLUMN under_way'));
      db.pragma('foreign_keys = OFF'); // boxes this test does not create
      const rollout = db.prepare("INSERT INTO rollouts (id, version, scope, waves, soak_s, failure_threshold, state, created_by, created_at, updated_at) VALUES (?, '2.0.0', '{}', '[]', 0, 0, ?, 'admin', ?, 1)");
      rollout.run('rol_old', 'paused', 1000);
      rollout.run('rol_new', 'running', 2000);
      rollout.run('rol_done', 'completed', 3000);
      const box = db.prepare("INSERT INTO rollout_boxes (rollout_id, edge_id, position, wave, state, updated_at) VALUES (?, ?, 0, 0, 'pending', 1)");
      box.run('rol_old', 'e1');
      box.run('rol_new', 'e1'); // the race the index now refuses
      box.run('rol_old', 'e2');
      box.run('rol_done', 'e3');
      migrate(db, cloudMigrations);
      expect(db.prepare('SELECT rollout_id, edge_id, under_way FROM rollout_boxes ORDER BY edge_id, rollout_id').all()).toEqual([
        { rollout_id: 'rol_new', edge_id: 'e1', under_way: 1 },
        { rollout_id: 'rol_old', edge_id: 'e1', under_way: null },
        { rollout_id: 'rol_old', edge_id: 'e2', under_way: 1 },
        { rollout_id: 'rol_done', edge_id: 'e3', under_way: null },
      ]);
      expect(() => box.run('rol_x', 'e2')).not.toThrow(); // a row without a claim is no conflict
      expect(() => db.prepare("INSERT INTO rollout_boxes (rollout_id, edge_id, position, wave, state, updated_at, under_way) VALUES ('rol_y', 'e2', 0, 0, 'pending', 1, 1)").run()).toThrow(/UNIQUE/);
    } finally {
      db.close();
    }
  });
});

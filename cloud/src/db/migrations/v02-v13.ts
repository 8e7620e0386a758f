import type { Migration } from '@smart-commune/shared/runtime';

/** Versions 2–13: radio (bulletins, schedules, alerts, proof of play), audit, incidents, cameras, citizens' reports. Never edit a shipped one. */
export const schemaV02toV13: Migration[] = [
  `
  CREATE TABLE audio_assets (
    sha256 TEXT PRIMARY KEY,
    bytes INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    mime TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE bulletins (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('tts','upload')),
    text TEXT,
    spoken_text TEXT,
    voice TEXT,
    speed INTEGER,
    original_name TEXT,
    asset_sha256 TEXT NOT NULL REFERENCES audio_assets(sha256),
    duration_ms INTEGER NOT NULL,
    loudness_lufs REAL NOT NULL,
    true_peak_dbtp REAL NOT NULL,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    bulletin_id TEXT REFERENCES bulletins(id),
    stream_url TEXT,
    duration_ms INTEGER NOT NULL,
    starts_local TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    rrule TEXT,
    priority TEXT NOT NULL CHECK (priority IN ('normal','priority','emergency')),
    volume INTEGER NOT NULL,
    targets TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((bulletin_id IS NULL) <> (stream_url IS NULL))
  );
  CREATE TABLE schedule_exceptions (
    schedule_id TEXT NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    occurrence_local TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('skip','move')),
    moved_to_local TEXT,
    PRIMARY KEY (schedule_id, occurrence_local)
  );
  CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    severity TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('json','cap')),
    cap_identifier TEXT UNIQUE,
    cap_sender TEXT,
    bulletin_id TEXT NOT NULL REFERENCES bulletins(id),
    priority TEXT NOT NULL,
    volume INTEGER NOT NULL,
    repeat_every_ms INTEGER,
    starts_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    targets TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active','cancelled','expired')),
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    cancelled_at INTEGER
  );
  CREATE TABLE playback (
    event_id TEXT PRIMARY KEY,
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    occurrence_id TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    bulletin_id TEXT,
    state TEXT NOT NULL,
    planned_start_at INTEGER NOT NULL,
    actual_start_at INTEGER,
    duration_ms INTEGER,
    reason TEXT,
    zones TEXT,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX playback_edge_planned ON playback(edge_id, planned_start_at);
  CREATE INDEX playback_planned ON playback(planned_start_at);
  `,
  `
  ALTER TABLE alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'other';
  ALTER TABLE alerts ADD COLUMN replaces TEXT REFERENCES alerts(id);
  CREATE INDEX alerts_replaces ON alerts(replaces);
  CREATE INDEX alerts_status_expires ON alerts(status, expires_at);
  ALTER TABLE playback ADD COLUMN hamlet_code TEXT;
  ALTER TABLE playback ADD COLUMN title TEXT NOT NULL DEFAULT '';
  CREATE INDEX playback_hamlet_planned ON playback(hamlet_code, planned_start_at);
  `,
  `
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    details TEXT,
    ip TEXT
  );
  CREATE INDEX audit_log_at ON audit_log(at);
  CREATE INDEX audit_log_target_at ON audit_log(target, at);
  CREATE INDEX audit_log_actor_at ON audit_log(actor, at);
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    edge_id TEXT NOT NULL,
    hamlet_code TEXT,
    camera_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    zone_id TEXT,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    track_id INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    ended_at INTEGER,
    box TEXT NOT NULL,
    facts_ts INTEGER NOT NULL,
    snapshot_sha256 TEXT,
    snapshot_bytes INTEGER,
    snapshot_received_at INTEGER,
    clip_sha256 TEXT,
    clip_bytes INTEGER,
    clip_duration_ms INTEGER,
    clip_received_at INTEGER,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','reviewing','confirmed','dismissed')),
    assignee_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    legal_hold INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX incidents_detected ON incidents(detected_at);
  CREATE INDEX incidents_hamlet_detected ON incidents(hamlet_code, detected_at);
  CREATE INDEX incidents_edge_detected ON incidents(edge_id, detected_at);
  CREATE INDEX incidents_status_detected ON incidents(status, detected_at);
  CREATE INDEX incidents_snapshot ON incidents(snapshot_sha256);
  CREATE INDEX incidents_clip ON incidents(clip_sha256);
  CREATE TABLE incident_events (
    edge_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    PRIMARY KEY (edge_id, event_id)
  );
  CREATE INDEX incident_events_incident ON incident_events(incident_id);
  CREATE TABLE incident_notes (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    author_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX incident_notes_incident ON incident_notes(incident_id, created_at);
  `,
  `
  CREATE TABLE camera_status (
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    camera_id TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (edge_id, camera_id)
  );
  CREATE TABLE discovered_cameras (
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    urn TEXT NOT NULL,
    xaddr TEXT NOT NULL,
    name TEXT,
    hardware TEXT,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (edge_id, urn)
  );
  `,
  `
  CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    hamlet_code TEXT NOT NULL REFERENCES hamlets(code),
    lat REAL,
    lon REAL,
    phone TEXT,
    photo_sha256 TEXT,
    photo_bytes INTEGER,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','in_progress','resolved','rejected')),
    public_reply TEXT,
    replied_at INTEGER,
    handled_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX reports_created ON reports(created_at);
  CREATE INDEX reports_status_created ON reports(status, created_at);
  `,
  // the audit page's action filter and list, the police queue's camera and class filters, an alert's progress
  `
  CREATE INDEX audit_log_action_at ON audit_log(action, at);
  CREATE INDEX incidents_camera_detected ON incidents(camera_id, detected_at);
  CREATE INDEX incidents_label_detected ON incidents(label, detected_at);
  CREATE INDEX playback_schedule_hamlet ON playback(schedule_id, hamlet_code);
  `,
  // detect.height used to be written out as its old default 360: cameras then follow their own
  // aspect ratio (a 16:9 camera comes out at 640x360 again, a 4:3 one is no longer stretched);
  // the new version makes the boxes apply it
  `
  UPDATE documents
  SET version = version + 1,
      body = json_set(body, '$.surveillance.cameras', (
        SELECT json_group_array(json(CASE
          WHEN json_extract(c.value, '$.detect.width') = 640 AND json_extract(c.value, '$.detect.height') = 360 THEN json_remove(c.value, '$.detect.height')
          ELSE c.value END))
        FROM json_each(documents.body, '$.surveillance.cameras') c))
  WHERE doc = 'config' AND EXISTS (
    SELECT 1 FROM json_each(documents.body, '$.surveillance.cameras') c
    WHERE json_extract(c.value, '$.detect.width') = 640 AND json_extract(c.value, '$.detect.height') = 360);
  `,
  // a password an admin set (a new account, a reset) must be changed by its owner at the next login
  `
  ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
  `,
  // Retention counts from when the cloud received an incident (a box's detectedAt can say anything;
  // rows from before count from their creation). A box's later report that differs from facts
  // already under review is kept as a version of the incident, never applied.
  `
  ALTER TABLE incidents ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
  UPDATE incidents SET received_at = created_at;
  CREATE INDEX incidents_received ON incidents(received_at);
  CREATE TABLE incident_versions (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    facts TEXT NOT NULL,
    changed TEXT NOT NULL,
    PRIMARY KEY (incident_id, version)
  );
  `,
  // Every occurrence each box was given in a plan: proof of play is accepted only for these.
  // Filled from the plans stored now; the bulletin is part of the key (a schedule's bulletin can change).
  `
  CREATE TABLE plan_occurrences (
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    occurrence_id TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    bulletin_id TEXT,
    start_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX plan_occurrences_key ON plan_occurrences(edge_id, occurrence_id, schedule_id, COALESCE(bulletin_id, ''));
  CREATE INDEX plan_occurrences_start ON plan_occurrences(start_at);
  INSERT OR IGNORE INTO plan_occurrences (edge_id, occurrence_id, schedule_id, bulletin_id, start_at)
  SELECT d.edge_id, json_extract(i.value, '$.occurrenceId'), json_extract(i.value, '$.scheduleId'), json_extract(i.value, '$.bulletinId'), json_extract(i.value, '$.startAt')
  FROM documents d, json_each(d.body, '$.items') i WHERE d.doc = 'schedule';
  `,
  // issue 16: where hamlets lie and the administrative unit codes (geography of CAP alerts), the
  // disaster risk level of an alert, the trusted CAP senders, and CAP messages held for an operator
  `
  ALTER TABLE communes ADD COLUMN admin_code TEXT;
  ALTER TABLE communes ADD COLUMN province_admin_code TEXT;
  ALTER TABLE hamlets ADD COLUMN lat REAL;
  ALTER TABLE hamlets ADD COLUMN lon REAL;
  ALTER TABLE hamlets ADD COLUMN radius_m REAL;
  ALTER TABLE hamlets ADD COLUMN outline TEXT;
  ALTER TABLE alerts ADD COLUMN risk_level INTEGER;
  CREATE TABLE cap_trusted_senders (
    sender TEXT PRIMARY KEY,
    note TEXT NOT NULL DEFAULT '',
    added_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    added_at INTEGER NOT NULL
  );
  CREATE TABLE held_alerts (
    id TEXT PRIMARY KEY,
    cap_sender TEXT NOT NULL,
    cap_identifier TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('held','confirmed','rejected','superseded','cancelled','expired')),
    reasons TEXT NOT NULL,
    candidate TEXT NOT NULL,
    source TEXT NOT NULL,
    received_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    received_at INTEGER NOT NULL,
    decided_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    decided_at INTEGER,
    alert_id TEXT REFERENCES alerts(id),
    note TEXT,
    UNIQUE (cap_sender, cap_identifier)
  );
  CREATE INDEX held_alerts_status_received ON held_alerts(status, received_at);
  `,
  // CAP feeds the cloud subscribes to, and every message met in them: kept after a feed is deleted
  // (its URL and CAP triple), so neither a restart nor a feed added again plays a message twice
  `
  CREATE TABLE cap_feeds (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL UNIQUE,
    enabled INTEGER NOT NULL DEFAULT 1,
    poll_every_s REAL,
    etag TEXT,
    last_modified TEXT,
    last_poll_at INTEGER,
    last_success_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since INTEGER,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE cap_feed_messages (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    feed_id TEXT REFERENCES cap_feeds(id) ON DELETE SET NULL,
    url TEXT,
    identifier TEXT,
    sender TEXT,
    sent INTEGER,
    state TEXT NOT NULL CHECK (state IN ('pending','taken','held','refused','duplicate','failed')),
    reason TEXT,
    alert_id TEXT,
    held_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    xml TEXT,
    appeared_at INTEGER NOT NULL,
    next_attempt_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX cap_feed_messages_feed ON cap_feed_messages(feed_id, state, seq);
  CREATE INDEX cap_feed_messages_cap ON cap_feed_messages(sender, identifier, sent);
  `,
];

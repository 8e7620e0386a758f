import type { Migration } from '@smart-commune/shared/runtime';

/** Versions 26 on: live sessions, station relays, communes of a province (issue 10), release key rotations. New versions are appended here. Never edit a shipped one. */
export const schemaV26On: Migration[] = [
  // issue 13, live sessions: the operator's voice or a relayed station played in step by chosen boxes;
  // edges, hamlet codes and zones are JSON arrays fixed at the start; file is the Ogg Opus recording
  `
  CREATE TABLE live_sessions (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL CHECK (source IN ('voice','relay')),
    title TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('normal','priority','emergency')),
    edges TEXT NOT NULL,
    hamlet_codes TEXT NOT NULL,
    zones TEXT,
    started_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    origin TEXT,
    started_at INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    ends_at INTEGER,
    ended_at INTEGER,
    end_reason TEXT CHECK (end_reason IN ('stopped','interrupted','failed')),
    end_detail TEXT,
    stopped_by TEXT,
    bytes INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    bulletin_id TEXT REFERENCES bulletins(id) ON DELETE SET NULL,
    file TEXT NOT NULL
  );
  CREATE INDEX live_sessions_started ON live_sessions(started_at);
  `,
  // issue 13, station relays (tiếp sóng): the stations operators relay (a stream URL and a fallback);
  // a schedule item may take a station as its source (the cloud pulls it and opens a relay live
  // session for each window; its stream_url holds `station:<id>`, as the table's CHECK wants exactly
  // one of bulletin_id and stream_url and rebuilding the table would cascade to its exceptions); each relay run keeps what actually played (ms of audio and of silence,
  // which URL) for the station's log
  `
  CREATE TABLE radio_stations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    fallback_url TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  ALTER TABLE schedules ADD COLUMN station_id TEXT REFERENCES radio_stations(id) ON DELETE RESTRICT;
  CREATE TABLE relay_runs (
    id TEXT PRIMARY KEY,
    station_id TEXT NOT NULL,
    station_name TEXT NOT NULL,
    schedule_id TEXT,
    occurrence_id TEXT,
    session_id TEXT,
    title TEXT NOT NULL,
    priority TEXT NOT NULL,
    targets TEXT NOT NULL,
    started_by TEXT,
    started_at INTEGER NOT NULL,
    ends_at INTEGER,
    ended_at INTEGER,
    end_reason TEXT,
    played_ms INTEGER NOT NULL DEFAULT 0,
    silence_ms INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    reconnects INTEGER NOT NULL DEFAULT 0,
    urls TEXT NOT NULL DEFAULT '[]',
    last_error TEXT
  );
  CREATE INDEX relay_runs_started ON relay_runs(started_at);
  CREATE INDEX relay_runs_occurrence ON relay_runs(occurrence_id);
  CREATE INDEX relay_runs_open ON relay_runs(ended_at) WHERE ended_at IS NULL;
  `,
  // Issue 10: a province of communes. A commune is retired, never deleted (its history stays). Everything
  // that belongs to a commune carries its code; NULL is the province's own (a province-wide programme, a
  // province-level person, an admin's action). An existing single-commune database moves into its commune:
  // its people (but the admins, who look after the whole deployment) and its rows.
  `
  ALTER TABLE communes ADD COLUMN created_at INTEGER;
  ALTER TABLE communes ADD COLUMN retired_at INTEGER;
  ALTER TABLE users ADD COLUMN commune_code TEXT REFERENCES communes(code);
  UPDATE users SET commune_code = (SELECT code FROM communes) WHERE role <> 'admin' AND (SELECT COUNT(*) FROM communes) = 1;
  ALTER TABLE bulletins ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE schedules ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE alerts ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE audio_assets ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE playback ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE incidents ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE reports ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE audit_log ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE live_sessions ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE radio_stations ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE relay_runs ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE footage_requests ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE held_alerts ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE cap_feeds ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE zalo_oa ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE speaker_alarms ADD COLUMN commune_code TEXT REFERENCES communes(code);
  ALTER TABLE notification_outbox ADD COLUMN commune_code TEXT REFERENCES communes(code);
  UPDATE bulletins SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE schedules SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE alerts SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE audio_assets SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE playback SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE incidents SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE reports SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE audit_log SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE live_sessions SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE radio_stations SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE relay_runs SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE footage_requests SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE held_alerts SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE cap_feeds SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE zalo_oa SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE speaker_alarms SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  UPDATE notification_outbox SET commune_code = (SELECT code FROM communes) WHERE (SELECT COUNT(*) FROM communes) = 1;
  CREATE INDEX users_commune ON users(commune_code);
  CREATE INDEX incidents_commune ON incidents(commune_code);
  CREATE INDEX reports_commune ON reports(commune_code);
  CREATE INDEX playback_commune ON playback(commune_code);
  CREATE INDEX audit_log_commune ON audit_log(commune_code);
  `,
  // Issue 10, communes and hamlets management: a hamlet is retired, never deleted (its boxes and
  // history keep pointing at it); a commune's official code (mã đơn vị hành chính) names one commune.
  // The seeded commune gets its creation time so lists sort it first.
  `
  ALTER TABLE hamlets ADD COLUMN retired_at INTEGER;
  UPDATE communes SET created_at = 0 WHERE created_at IS NULL;
  CREATE UNIQUE INDEX communes_admin_code ON communes(admin_code) WHERE admin_code IS NOT NULL;
  CREATE INDEX hamlets_commune ON hamlets(commune_code, position);
  `,
  // Issue 10: a commune's proof of play, newest first, under a province's millions of rows (the
  // commune filter and the planned-start order of the playback page in one index)
  `
  CREATE INDEX playback_commune_planned ON playback(commune_code, planned_start_at);
  `,
  // Issue 10: a commune police officer's queue is one commune's alerts (or everything), newest first, with
  // the id breaking ties: these indexes give it in order with no sort, whatever the other communes hold
  // (a million incidents in the province). detected_at DESC, id matches the queue's ORDER BY exactly. The
  // queue's camera and class choices for one commune are read from the covering (commune, camera|label) ones;
  // its "waiting" count (new alerts) and a status filter from (commune, status, severity, …).
  `
  CREATE INDEX incidents_commune_severity_queue ON incidents(commune_code, severity, detected_at DESC, id);
  CREATE INDEX incidents_commune_queue ON incidents(commune_code, detected_at DESC, id);
  CREATE INDEX incidents_commune_status_queue ON incidents(commune_code, status, severity, detected_at DESC, id);
  CREATE INDEX incidents_commune_camera ON incidents(commune_code, camera_id);
  CREATE INDEX incidents_commune_label ON incidents(commune_code, label);
  CREATE INDEX footage_requests_commune_created ON footage_requests(commune_code, created_at);
  CREATE INDEX audit_log_commune_at ON audit_log(commune_code, at);
  CREATE INDEX notification_outbox_commune ON notification_outbox(commune_code, id);
  -- the single-column ones of migration 28 are prefixes of these: one index fewer to write per row
  DROP INDEX incidents_commune;
  DROP INDEX audit_log_commune;
  DROP INDEX playback_commune;
  `,
  // Issue 15, release key rotations sent from the cloud: the signed message, and each box's delivery and answer
  `
  CREATE TABLE key_rotations (
    id TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL,
    key_ids TEXT NOT NULL,
    message TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    commune_code TEXT REFERENCES communes(code)
  );
  CREATE TABLE key_rotation_deliveries (
    rotation_id TEXT NOT NULL REFERENCES key_rotations(id) ON DELETE CASCADE,
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'refused')),
    code TEXT,
    detail TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER,
    answered_at INTEGER,
    PRIMARY KEY (rotation_id, edge_id)
  );
  CREATE INDEX key_rotation_deliveries_pending ON key_rotation_deliveries(edge_id) WHERE state = 'pending';
  `,
  // Issue 10, a Zalo Official Account per commune: a row per OA, `scope` its commune's code or '' for the
  // province's own (UNIQUE: one OA per commune, one for the province; a plain column because a NULL
  // commune_code is not unique). The one OA of before becomes the province's own, so a single-commune
  // install keeps sending through it (a commune with no OA of its own falls back to the province's).
  // A follower's Zalo user id is the OA's own (Zalo gives each OA its own id for a person), so
  // followers belong to one OA; the existing ones to the province's.
  `
  CREATE TABLE zalo_oa_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL UNIQUE,
    commune_code TEXT REFERENCES communes(code),
    app_id TEXT NOT NULL,
    oa_id TEXT,
    app_secret TEXT NOT NULL,
    webhook_secret TEXT,
    access_token TEXT,
    access_expires_at INTEGER,
    refresh_token TEXT,
    refresh_expires_at INTEGER,
    version INTEGER NOT NULL DEFAULT 0,
    refreshing_until INTEGER,
    state TEXT NOT NULL CHECK (state IN ('connected','needs_reconnect')),
    state_reason TEXT,
    connected_at INTEGER NOT NULL,
    refreshed_at INTEGER,
    updated_at INTEGER NOT NULL,
    CHECK (scope = COALESCE(commune_code, ''))
  );
  INSERT INTO zalo_oa_next (id, scope, commune_code, app_id, oa_id, app_secret, webhook_secret, access_token, access_expires_at, refresh_token, refresh_expires_at, version, refreshing_until, state, state_reason, connected_at, refreshed_at, updated_at)
    SELECT id, '', NULL, app_id, oa_id, app_secret, webhook_secret, access_token, access_expires_at, refresh_token, refresh_expires_at, version, refreshing_until, state, state_reason, connected_at, refreshed_at, updated_at FROM zalo_oa;
  DROP TABLE zalo_oa;
  ALTER TABLE zalo_oa_next RENAME TO zalo_oa;
  CREATE INDEX zalo_oa_app ON zalo_oa(app_id);
  CREATE TABLE zalo_followers_next (
    oa INTEGER NOT NULL REFERENCES zalo_oa(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    hamlet_code TEXT NOT NULL REFERENCES hamlets(code) ON DELETE CASCADE,
    subscribed_at INTEGER NOT NULL,
    PRIMARY KEY (oa, user_id, hamlet_code)
  );
  INSERT INTO zalo_followers_next (oa, user_id, hamlet_code, subscribed_at)
    SELECT o.id, f.user_id, f.hamlet_code, f.subscribed_at FROM zalo_followers f JOIN zalo_oa o ON o.scope = '';
  DROP TABLE zalo_followers;
  ALTER TABLE zalo_followers_next RENAME TO zalo_followers;
  CREATE INDEX zalo_followers_hamlet ON zalo_followers(hamlet_code, oa);
  `,
  `
  -- the police queue under a province's million incidents (scripts/bench/province): the class filter
  -- finds its items by their objects' label, and one camera's items are read newest first, no sort
  CREATE INDEX incident_objects_label ON incident_objects(label, incident_id);
  DROP INDEX incidents_commune_camera;
  CREATE INDEX incidents_commune_camera_queue ON incidents(commune_code, camera_id, detected_at DESC, id);
  `,
  `
  -- a box is in at most one rollout under way (issue 10, several cloud processes): rollout_boxes.under_way
  -- is 1 while the rollout runs or is paused, NULL once it finished; the unique index refuses a second
  -- rollout's claim of the box in the creating statement itself. Existing rollouts: each box's newest.
  ALTER TABLE rollout_boxes ADD COLUMN under_way INTEGER CHECK (under_way = 1);
  UPDATE rollout_boxes SET under_way = 1
    WHERE rollout_id = (SELECT r.id FROM rollout_boxes b JOIN rollouts r ON r.id = b.rollout_id
                        WHERE b.edge_id = rollout_boxes.edge_id AND r.state IN ('running','paused')
                        ORDER BY r.created_at DESC, r.id DESC LIMIT 1);
  CREATE UNIQUE INDEX rollout_boxes_under_way ON rollout_boxes(edge_id) WHERE under_way = 1;
  `,
  `
  -- an external Mosquitto keeps box accounts through its dynamic security plugin (issue 11): when the
  -- broker lost an account the cloud creates it again with the box's own secret, which it must be able
  -- to read back, so the secret (and a rotation's pending one) is also kept sealed with the cloud's
  -- SecretBox (SC_SECRET_KEY). Boxes claimed before have none: the cloud rotates them live.
  ALTER TABLE edges ADD COLUMN secret_sealed TEXT;
  ALTER TABLE edges ADD COLUMN pending_secret_sealed TEXT;
  `,
  `
  -- issue 11, several cloud processes: the login throttle and the citizens' report limit live in the
  -- database so every process counts the same attempts (auth/login-throttle.ts, reports/report-rate-limit.ts).
  -- Each write is one statement (an upsert, or a compare-and-set on version) that is right when two
  -- processes race; rows that say no more than an absent row would are purged.
  -- login_clients: a client address's failed logins as a GCRA bucket (tat: when the bucket is full
  -- again; a failure is allowed while tat - now <= (burst - 1) * interval), blocked_until when it overflowed.
  CREATE TABLE login_clients (
    client TEXT PRIMARY KEY,
    tat INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX login_clients_tat ON login_clients(tat);
  -- an (address, account) pair's wrong passwords and its lock; account = the name typed, trimmed and lowered
  CREATE TABLE login_pairs (
    client TEXT NOT NULL,
    account TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client, account)
  );
  CREATE INDEX login_pairs_last_at ON login_pairs(last_at);
  -- an account's guessing window: its failures since the window began, reported once per window (0/1)
  CREATE TABLE login_accounts (
    account TEXT PRIMARY KEY,
    since INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1))
  );
  CREATE INDEX login_accounts_since ON login_accounts(since);
  -- the addresses that failed for an account within its window (the window is named by its since)
  CREATE TABLE login_account_addresses (
    account TEXT NOT NULL,
    since INTEGER NOT NULL,
    client TEXT NOT NULL,
    PRIMARY KEY (account, since, client)
  );
  CREATE INDEX login_account_addresses_since ON login_account_addresses(since);
  -- a client address's citizens' reports in the sliding window: the times (JSON arrays of ms, oldest
  -- first) of the accepted (or being checked) and of the refused submissions; version for compare-and-set
  CREATE TABLE report_limits (
    client TEXT PRIMARY KEY,
    accepted TEXT NOT NULL,
    refused TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX report_limits_updated_at ON report_limits(updated_at);
  `,
  `
  -- issue 11, several cloud processes: each sc-cloud process registers itself (cluster/process-registry.ts)
  -- and beats every few seconds; a live session and a relay run record the process that has them on
  -- air (owner_process, NULL: before this migration, or recorded by a sole SQLite process). The leader
  -- ends the open sessions and runs whose owner stopped beating, and purges the dead process rows.
  CREATE TABLE cloud_processes (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    beat_at INTEGER NOT NULL
  );
  CREATE INDEX cloud_processes_beat_at ON cloud_processes(beat_at);
  ALTER TABLE live_sessions ADD COLUMN owner_process TEXT;
  ALTER TABLE relay_runs ADD COLUMN owner_process TEXT;
  `,
];

import type { Migration } from '@smart-commune/shared/runtime';
import { INITIAL_SCHEMA } from './initial-schema.js';

/** Cloud schema, one entry per version. Append only. */
export const cloudMigrations: Migration[] = [
  INITIAL_SCHEMA,
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
  // issue 16: the key a trusted CAP sender signs with (PEM X.509 certificate or public key); its
  // messages then play only with a valid XML signature by it
  `
  ALTER TABLE cap_trusted_senders ADD COLUMN signer_pem TEXT;
  `,
  // issue 14: the notifications outbox (notifications/outbox.ts): one row per message and idempotency
  // key, handed to its channel until sent or given up; each delivery attempt kept for the admins
  `
  CREATE TABLE notification_outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    event TEXT NOT NULL,
    content TEXT NOT NULL,
    data TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued','sending','sent','failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    provider_id TEXT
  );
  CREATE INDEX notification_outbox_due ON notification_outbox(status, channel, next_attempt_at);
  CREATE INDEX notification_outbox_subject ON notification_outbox(subject, channel);
  CREATE INDEX notification_outbox_created ON notification_outbox(created_at);
  CREATE TABLE notification_attempts (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES notification_outbox(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('sent','retry','failed','interrupted')),
    reason TEXT,
    duration_ms INTEGER NOT NULL
  );
  CREATE INDEX notification_attempts_message ON notification_attempts(message_id, id);
  `,
  // issue 14: "where it went" reads a bulletin's proof of play by its id
  `
  CREATE INDEX playback_bulletin ON playback(bulletin_id);
  `,
  // issue 14: each loudspeaker zone's last known health (not 'unknown'), so its going offline and
  // coming back are published once each, across restarts of the box and of the cloud
  `
  CREATE TABLE speaker_state (
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    zone TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ok','offline','muted')),
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (edge_id, zone)
  );
  `,
  // issue 12: footage police ask for by time; the box answers with an evidence item (an incident)
  `
  CREATE TABLE footage_requests (
    id TEXT PRIMARY KEY,
    edge_id TEXT NOT NULL,
    camera_id TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT,
    state TEXT NOT NULL CHECK (state IN ('waiting','done','partial','unavailable','failed')),
    incident_id TEXT,
    missing TEXT NOT NULL DEFAULT '[]',
    held TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    answered_at INTEGER
  );
  CREATE INDEX footage_requests_edge_state ON footage_requests(edge_id, state, created_at);
  CREATE INDEX footage_requests_created ON footage_requests(created_at);
  `,
  // issue 14 (Zalo): the commune's one Official Account connection, its tokens sealed with the secret
  // box; `version` makes a refresh conditional (a refresh token is single-use) and `refreshing_until`
  // is the lease of the one process refreshing. Followers subscribe by hamlet; a broadcast's article
  // is remembered so a retry broadcasts the same article, never a second one.
  `
  CREATE TABLE zalo_oa (
    id INTEGER PRIMARY KEY CHECK (id = 1),
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
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE zalo_followers (
    user_id TEXT NOT NULL,
    hamlet_code TEXT NOT NULL REFERENCES hamlets(code) ON DELETE CASCADE,
    subscribed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, hamlet_code)
  );
  CREATE INDEX zalo_followers_hamlet ON zalo_followers(hamlet_code);
  CREATE TABLE zalo_broadcast_articles (
    idempotency_key TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // issue 12: incidents become review items (one period of activity on one camera). Existing
  // incidents become closed alert items of one object each: their snapshot is that object's best
  // picture and their clip the item's only part, both with the verification they had; ids are unchanged,
  // so notes, versions and the audit trail (target incident:<id>) stay attached.
  `
  ALTER TABLE incidents ADD COLUMN severity TEXT NOT NULL DEFAULT 'alert' CHECK (severity IN ('alert','detection'));
  ALTER TABLE incidents ADD COLUMN state TEXT NOT NULL DEFAULT 'closed' CHECK (state IN ('open','closed'));
  ALTER TABLE incidents ADD COLUMN continues TEXT;
  ALTER TABLE incidents ADD COLUMN flood INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE incidents ADD COLUMN timeline TEXT NOT NULL DEFAULT '[]';
  CREATE INDEX incidents_severity_detected ON incidents(severity, detected_at);
  CREATE INDEX incidents_continues ON incidents(continues);
  CREATE TABLE incident_objects (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    track_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    zone_ids TEXT NOT NULL,
    rule_ids TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    box TEXT NOT NULL,
    snapshot_sha256 TEXT,
    snapshot_bytes INTEGER,
    snapshot_received_at INTEGER,
    PRIMARY KEY (incident_id, track_id)
  );
  CREATE INDEX incident_objects_snapshot ON incident_objects(snapshot_sha256);
  CREATE TABLE incident_clip_parts (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    received_at INTEGER,
    PRIMARY KEY (incident_id, idx)
  );
  CREATE INDEX incident_clip_parts_sha256 ON incident_clip_parts(sha256);
  INSERT INTO incident_objects (incident_id, track_id, label, score, zone_ids, rule_ids, first_seen_at, last_seen_at, box,
    snapshot_sha256, snapshot_bytes, snapshot_received_at)
  SELECT id, track_id, label, score, CASE WHEN zone_id IS NULL THEN '[]' ELSE json_array(zone_id) END, json_array(rule_id),
    started_at, COALESCE(ended_at, detected_at), box, snapshot_sha256, snapshot_bytes, snapshot_received_at FROM incidents;
  INSERT INTO incident_clip_parts (incident_id, idx, start_ms, duration_ms, sha256, bytes, received_at)
  SELECT id, 0, COALESCE(ended_at - clip_duration_ms, detected_at), clip_duration_ms, clip_sha256, clip_bytes, clip_received_at
  FROM incidents WHERE clip_sha256 IS NOT NULL;
  UPDATE incidents SET timeline = CASE WHEN zone_id IS NULL
    THEN json_array(json_object('at', started_at, 'trackId', track_id, 'label', label, 'kind', 'entered'))
    ELSE json_array(json_object('at', started_at, 'trackId', track_id, 'label', label, 'kind', 'entered', 'zoneId', zone_id)) END;
  `,
  // issue 14: staff Web Push. Each person's devices (a browser's PushSubscription), what they want
  // to be told and when not; the cooldown per person, kind and subject (a flapping box sends a pair,
  // then a summary); checks due later (still offline after the delay? alert started in each hamlet?),
  // kept so that a restart does not lose them
  `
  CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_success_at INTEGER,
    last_error TEXT
  );
  CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);
  CREATE TABLE push_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    kinds TEXT NOT NULL,
    quiet_start TEXT,
    quiet_end TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE push_cooldowns (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    notified_state TEXT,
    current_state TEXT,
    suppressed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind, subject)
  );
  CREATE TABLE push_checks (
    key TEXT PRIMARY KEY,
    due_at INTEGER NOT NULL,
    payload TEXT NOT NULL
  );
  `,
  // issue 14, push scope: the hamlets (codes) and cameras (`{edgeId}/{cameraId}`) a person wants pushes
  // about, as JSON arrays; empty = the whole commune, which is what everyone had before
  `
  ALTER TABLE push_preferences ADD COLUMN hamlets TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE push_preferences ADD COLUMN cameras TEXT NOT NULL DEFAULT '[]';
  `,
  // issue 13: each loudspeaker zone's transitions (history for the console and the monthly uptime,
  // pruned after SC_SPEAKER_HISTORY_DAYS), its alarms (a zone down longer than SC_SPEAKER_ALARM_AFTER_S),
  // the priority of each proof of play (for the monthly report), and the new push kind `speaker`
  // for everyone who had chosen kinds before it existed (a new kind is on until turned off)
  `
  CREATE TABLE speaker_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    zone TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ok','offline','muted')),
    reason TEXT,
    at INTEGER NOT NULL
  );
  CREATE INDEX speaker_history_zone ON speaker_history(edge_id, zone, at);
  CREATE INDEX speaker_history_at ON speaker_history(at);
  INSERT INTO speaker_history (edge_id, zone, state, reason, at) SELECT edge_id, zone, state, NULL, changed_at FROM speaker_state;
  CREATE TABLE speaker_alarms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    zone TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    down_since INTEGER NOT NULL,
    raised_at INTEGER NOT NULL,
    cleared_at INTEGER
  );
  CREATE UNIQUE INDEX speaker_alarms_open ON speaker_alarms(edge_id, zone) WHERE cleared_at IS NULL;
  ALTER TABLE speaker_state ADD COLUMN reason TEXT;
  ALTER TABLE playback ADD COLUMN priority TEXT;
  UPDATE playback SET priority = COALESCE(
    (SELECT s.priority FROM schedules s WHERE s.id = playback.schedule_id),
    (SELECT a.priority FROM alerts a WHERE a.id = playback.schedule_id));
  UPDATE push_preferences SET kinds = json_insert(kinds, '$[#]', 'speaker')
    WHERE json_valid(kinds) AND NOT EXISTS (SELECT 1 FROM json_each(push_preferences.kinds) WHERE value = 'speaker');
  `,
  // issue 15, mixed versions: the contract each box announced (JSON {version, features}; NULL before its
  // first telemetry), what the cloud left out of each document for its box (gateDocument) and what the
  // box reported leaving out (reported.ignored), both JSON arrays
  `
  ALTER TABLE edge_state ADD COLUMN contract TEXT;
  ALTER TABLE edge_state ADD COLUMN contract_at INTEGER;
  ALTER TABLE documents ADD COLUMN withheld TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE documents ADD COLUMN reported_ignored TEXT NOT NULL DEFAULT '[]';
  `,
  // issue 15, releases and rollouts: signed edge bundles stored as files (the row holds the checked manifest),
  // rollouts with their waves, and each box's progress in one (failures keep their reason and log lines)
  `
  CREATE TABLE releases (
    version TEXT NOT NULL,
    arch TEXT NOT NULL,
    product TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    manifest TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (version, arch)
  );
  CREATE TABLE rollouts (
    id TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    scope TEXT NOT NULL,
    waves TEXT NOT NULL,
    soak_s INTEGER NOT NULL,
    failure_threshold REAL NOT NULL,
    state TEXT NOT NULL,
    wave INTEGER NOT NULL DEFAULT 0,
    wave_started_at INTEGER,
    paused_reason TEXT,
    -- failures of the current wave an admin accepted by resuming: only new ones pause it again
    failures_accepted INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX rollouts_state ON rollouts(state);
  CREATE TABLE rollout_boxes (
    rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    wave INTEGER NOT NULL,
    state TEXT NOT NULL,
    from_version TEXT,
    bytes_done INTEGER,
    bytes_total INTEGER,
    reason TEXT,
    log_lines TEXT,
    sent_at INTEGER,
    healthy_at INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (rollout_id, edge_id)
  );
  CREATE INDEX rollout_boxes_edge ON rollout_boxes(edge_id);
  `,
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
];

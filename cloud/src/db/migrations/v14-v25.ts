import type { Migration } from '@smart-commune/shared/runtime';

/** Versions 14–25: plan occurrences, CAP (senders, held messages, feeds), the notifications outbox, loudspeakers, footage, Zalo, incident objects and clips, Web Push, releases and rollouts. Never edit a shipped one. */
export const schemaV14toV25: Migration[] = [
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
];

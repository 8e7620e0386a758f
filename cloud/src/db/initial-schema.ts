/**
 * Version 1 of the cloud schema: the commune and its hamlets, people and sessions, boxes with their
 * claim tokens, state, desired documents and events. Later versions are in migrations/ (gathered by migrations.ts).
 */
export const INITIAL_SCHEMA = `
  CREATE TABLE communes (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    district TEXT NOT NULL,
    province TEXT NOT NULL
  );
  CREATE TABLE hamlets (
    code TEXT PRIMARY KEY,
    commune_code TEXT NOT NULL REFERENCES communes(code),
    name TEXT NOT NULL,
    position INTEGER NOT NULL
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin','technician','operator','police','viewer')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE edges (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hamlet_code TEXT NOT NULL REFERENCES hamlets(code),
    lat REAL,
    lon REAL,
    notes TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('unclaimed','active','revoked')),
    secret_hash TEXT,
    pending_secret_hash TEXT,
    claimed_at INTEGER,
    hostname TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE edge_state (
    edge_id TEXT PRIMARY KEY REFERENCES edges(id) ON DELETE CASCADE,
    online INTEGER NOT NULL DEFAULT 0,
    last_seen_at INTEGER,
    availability_at INTEGER,
    telemetry TEXT,
    telemetry_at INTEGER,
    offline_reason TEXT
  );
  CREATE TABLE claim_tokens (
    token_hash TEXT PRIMARY KEY,
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  CREATE INDEX claim_tokens_edge ON claim_tokens(edge_id);
  CREATE TABLE documents (
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    doc TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    reported_version INTEGER,
    reported_status TEXT,
    reported_error TEXT,
    reported_at INTEGER,
    PRIMARY KEY (edge_id, doc)
  );
  CREATE TABLE edge_events (
    event_id TEXT NOT NULL,
    edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ts INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (edge_id, event_id)
  );
  CREATE INDEX edge_events_edge_ts ON edge_events(edge_id, ts);
`;

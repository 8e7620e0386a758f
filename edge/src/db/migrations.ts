import type { AddedColumn, Migration } from '@smart-commune/shared/runtime';

/** Edge schema, one entry per version. Append only. */
export const edgeMigrations: Migration[] = [
  `
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER
  );
  CREATE TABLE documents (
    doc TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  );
  CREATE TABLE state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    camera_id TEXT NOT NULL,
    body TEXT NOT NULL,
    snapshot_path TEXT,
    clip_path TEXT,
    clip_state TEXT NOT NULL CHECK (clip_state IN ('recording', 'written', 'none')),
    snapshot_uploaded_at INTEGER,
    clip_uploaded_at INTEGER,
    upload_attempts INTEGER NOT NULL DEFAULT 0,
    next_upload_at INTEGER NOT NULL DEFAULT 0,
    upload_error TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX incidents_created ON incidents(created_at);
  `,
  // issue 12: footage requests answered, so a resent document is not cut twice
  `
  CREATE TABLE footage_answered (
    id TEXT PRIMARY KEY,
    incident_id TEXT,
    answered_at INTEGER NOT NULL
  );
  `,
  // issue 12: review items. The item's own snapshot and first clip part stay in incidents (their
  // upload paths are the old ones); the other objects' pictures and the later parts are files here,
  // each uploaded, retried and kept like those
  `
  CREATE TABLE incident_files (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'clip')),
    path TEXT,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    uploaded_at INTEGER,
    upload_attempts INTEGER NOT NULL DEFAULT 0,
    next_upload_at INTEGER NOT NULL DEFAULT 0,
    upload_error TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, ref)
  );
  CREATE INDEX incident_files_pending ON incident_files(next_upload_at) WHERE uploaded_at IS NULL AND path IS NOT NULL;
  `,
];

/**
 * Columns added after a release shipped that an older release can ignore (it names its columns in
 * every statement): ensured at every open, not numbered, so the supervisor can roll a box back to
 * that older release, which refuses a database whose numbered schema is newer than it knows.
 */
export const edgeAddedColumns: readonly AddedColumn[] = [
  // issue 11: an event the broker acknowledged waits for the cloud's confirmation (contract revision 4,
  // events.confirmed) instead of being deleted at the PUBACK; NULL: to send. An older release sends such rows again (harmless: stored once)
  { table: 'outbox', column: 'awaiting_since', type: 'INTEGER' },
];

import type { IncidentEvent, ReviewSeverity } from '@smart-commune/shared';
import type { Selectable } from 'kysely';
import { edgeCommuneSql } from '../communes/edge-commune.js';
import type { IncidentClipPartsTable, IncidentObjectsTable, IncidentsTable } from '../db/query/tables.js';
import { whereOf } from '../db/where.js';
import type { IncidentFilter, IncidentRecord, ReviewStatus } from './incident-records.js';

/* The incidents tables' rows and statements, and how a row becomes a record: the store's SQL in one place. */

export type Row = Omit<Selectable<IncidentsTable>, 'severity' | 'state' | 'status'> & {
  severity: ReviewSeverity;
  state: 'open' | 'closed';
  status: ReviewStatus;
  /* Joined from edges, hamlets and users. */
  edge_name: string | null;
  hamlet_name: string | null;
  assignee_username: string | null;
  assignee_display_name: string | null;
};

export type ObjectRow = Omit<IncidentObjectsTable, 'incident_id'>;

export type PartRow = Omit<IncidentClipPartsTable, 'incident_id'>;

export const toRecord = (r: Row): IncidentRecord => ({
  id: r.id,
  edgeId: r.edge_id,
  edgeName: r.edge_name,
  hamletCode: r.hamlet_code,
  hamletName: r.hamlet_name,
  communeCode: r.commune_code,
  cameraId: r.camera_id,
  ruleId: r.rule_id,
  zoneId: r.zone_id,
  label: r.label,
  score: r.score,
  trackId: r.track_id,
  startedAt: r.started_at,
  detectedAt: r.detected_at,
  endedAt: r.ended_at,
  box: JSON.parse(r.box) as IncidentEvent['box'],
  snapshot: r.snapshot_sha256 === null ? null : { sha256: r.snapshot_sha256, bytes: r.snapshot_bytes!, receivedAt: r.snapshot_received_at },
  clip: r.clip_sha256 === null ? null : { sha256: r.clip_sha256, bytes: r.clip_bytes!, durationMs: r.clip_duration_ms!, receivedAt: r.clip_received_at },
  severity: r.severity,
  state: r.state,
  continues: r.continues,
  flood: r.flood === 1,
  status: r.status,
  assignee: r.assignee_id === null ? null : { id: r.assignee_id, username: r.assignee_username!, displayName: r.assignee_display_name! },
  legalHold: r.legal_hold === 1,
  receivedAt: r.received_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const SELECT = `
  SELECT i.*, e.name AS edge_name, h.name AS hamlet_name, u.username AS assignee_username, u.display_name AS assignee_display_name
  FROM incidents i LEFT JOIN edges e ON e.id = i.edge_id LEFT JOIN hamlets h ON h.code = i.hamlet_code LEFT JOIN users u ON u.id = i.assignee_id`;

export const whereFor = (f: IncidentFilter) =>
  whereOf([
    ['i.commune_code = @communeCode', 'communeCode', f.communeCode],
    ['i.severity = @severity', 'severity', f.severity],
    ['i.state = @state', 'state', f.state],
    ['i.hamlet_code = @hamletCode', 'hamletCode', f.hamletCode],
    ['i.edge_id = @edgeId', 'edgeId', f.edgeId],
    ['i.camera_id = @cameraId', 'cameraId', f.cameraId],
    // the class of any object the item took in, not only its main object's (a motorcycle that joined a person's item)
    ['(i.label = @label OR EXISTS (SELECT 1 FROM incident_objects o WHERE o.incident_id = i.id AND o.label = @label))', 'label', f.label],
    ['i.status = @status', 'status', f.status],
    ['i.assignee_id = @assigneeId', 'assigneeId', f.assigneeId],
    ['i.detected_at >= @from', 'from', f.from],
    ['i.detected_at < @to', 'to', f.to],
  ]);

/**
 * The queue's statements for a filter: its total and one page (newest first, the id breaking ties),
 * with their parameters (`@limit`, `@offset` to add). The order matches the commune queue's indexes
 * (migration: incidents_commune_severity_queue) so a commune's page is read in order, never sorted.
 */
export function pageQueries(filter: IncidentFilter): { count: string; page: string; params: Record<string, unknown> } {
  const where = whereFor(filter);
  return {
    count: `SELECT COUNT(*) AS n FROM incidents i ${where.sql}`,
    page: `${SELECT} ${where.sql} ORDER BY i.detected_at DESC, i.id LIMIT @limit OFFSET @offset`,
    params: where.params,
  };
}

/**
 * Applies an incident event. The edge's facts (times, score, box …) follow the newest event by its
 * timestamp, so a late resend of the first event cannot roll back the second; media hashes are only
 * ever filled in, never erased, and a file already received keeps the hash it was verified against.
 * (A settled incident never gets here with facts that differ: see IncidentStore.upsert.)
 * Like its hamlet, the commune is the box's when the incident first arrived: moving a box later does
 * not move its past incidents to another commune's police.
 */
export const UPSERT = `
  INSERT INTO incidents (id, edge_id, hamlet_code, commune_code, camera_id, rule_id, zone_id, label, score, track_id, started_at, detected_at, ended_at, box,
    facts_ts, snapshot_sha256, snapshot_bytes, clip_sha256, clip_bytes, clip_duration_ms, severity, state, continues, flood, timeline,
    received_at, created_at, updated_at)
  VALUES (@id, @edgeId, (SELECT hamlet_code FROM edges WHERE id = @edgeId), ${edgeCommuneSql('@edgeId')}, @cameraId, @ruleId, @zoneId, @label, @score, @trackId, @startedAt,
    @detectedAt, @endedAt, @box, @ts, @snapshotSha256, @snapshotBytes, @clipSha256, @clipBytes, @clipDurationMs, @severity, @state, @continues,
    @flood, @timeline, @receivedAt, @now, @now)
  ON CONFLICT (id) DO UPDATE SET
    severity = CASE WHEN @ts >= facts_ts THEN excluded.severity ELSE severity END,
    state = CASE WHEN @ts >= facts_ts THEN excluded.state ELSE state END,
    continues = COALESCE(continues, excluded.continues),
    flood = CASE WHEN @ts >= facts_ts THEN excluded.flood ELSE flood END,
    timeline = CASE WHEN @ts >= facts_ts THEN excluded.timeline ELSE timeline END,
    camera_id = CASE WHEN @ts >= facts_ts THEN excluded.camera_id ELSE camera_id END,
    rule_id = CASE WHEN @ts >= facts_ts THEN excluded.rule_id ELSE rule_id END,
    zone_id = CASE WHEN @ts >= facts_ts THEN excluded.zone_id ELSE zone_id END,
    label = CASE WHEN @ts >= facts_ts THEN excluded.label ELSE label END,
    score = CASE WHEN @ts >= facts_ts THEN excluded.score ELSE score END,
    track_id = CASE WHEN @ts >= facts_ts THEN excluded.track_id ELSE track_id END,
    started_at = CASE WHEN @ts >= facts_ts THEN excluded.started_at ELSE started_at END,
    detected_at = CASE WHEN @ts >= facts_ts THEN excluded.detected_at ELSE detected_at END,
    ended_at = CASE WHEN @ts >= facts_ts THEN COALESCE(excluded.ended_at, ended_at) ELSE COALESCE(ended_at, excluded.ended_at) END,
    box = CASE WHEN @ts >= facts_ts THEN excluded.box ELSE box END,
    snapshot_sha256 = CASE WHEN snapshot_received_at IS NULL AND excluded.snapshot_sha256 IS NOT NULL AND (@ts >= facts_ts OR snapshot_sha256 IS NULL)
      THEN excluded.snapshot_sha256 ELSE snapshot_sha256 END,
    snapshot_bytes = CASE WHEN snapshot_received_at IS NULL AND excluded.snapshot_sha256 IS NOT NULL AND (@ts >= facts_ts OR snapshot_sha256 IS NULL)
      THEN excluded.snapshot_bytes ELSE snapshot_bytes END,
    clip_sha256 = CASE WHEN clip_received_at IS NULL AND excluded.clip_sha256 IS NOT NULL AND (@ts >= facts_ts OR clip_sha256 IS NULL)
      THEN excluded.clip_sha256 ELSE clip_sha256 END,
    clip_bytes = CASE WHEN clip_received_at IS NULL AND excluded.clip_sha256 IS NOT NULL AND (@ts >= facts_ts OR clip_sha256 IS NULL)
      THEN excluded.clip_bytes ELSE clip_bytes END,
    clip_duration_ms = CASE WHEN clip_received_at IS NULL AND excluded.clip_sha256 IS NOT NULL AND (@ts >= facts_ts OR clip_sha256 IS NULL)
      THEN excluded.clip_duration_ms ELSE clip_duration_ms END,
    facts_ts = MAX(facts_ts, @ts),
    updated_at = @now
  WHERE incidents.edge_id = @edgeId`;

/**
 * An object's facts follow the newest event; its picture is filled in and, until verified, replaced
 * by a newer event's (the box found a better one). A verified picture stays.
 */
export const UPSERT_OBJECT = `
  INSERT INTO incident_objects (incident_id, track_id, label, score, zone_ids, rule_ids, first_seen_at, last_seen_at, box, snapshot_sha256, snapshot_bytes)
  VALUES (@incidentId, @trackId, @label, @score, @zoneIds, @ruleIds, @firstSeenAt, @lastSeenAt, @box, @sha256, @bytes)
  ON CONFLICT (incident_id, track_id) DO UPDATE SET
    label = CASE WHEN @newest THEN excluded.label ELSE label END,
    score = CASE WHEN @newest THEN excluded.score ELSE score END,
    zone_ids = CASE WHEN @newest THEN excluded.zone_ids ELSE zone_ids END,
    rule_ids = CASE WHEN @newest THEN excluded.rule_ids ELSE rule_ids END,
    first_seen_at = CASE WHEN @newest THEN excluded.first_seen_at ELSE first_seen_at END,
    last_seen_at = CASE WHEN @newest THEN excluded.last_seen_at ELSE last_seen_at END,
    box = CASE WHEN @newest THEN excluded.box ELSE box END,
    snapshot_bytes = CASE WHEN snapshot_received_at IS NULL AND excluded.snapshot_sha256 IS NOT NULL AND (@newest OR snapshot_sha256 IS NULL)
      THEN excluded.snapshot_bytes ELSE snapshot_bytes END,
    snapshot_sha256 = CASE WHEN snapshot_received_at IS NULL AND excluded.snapshot_sha256 IS NOT NULL AND (@newest OR snapshot_sha256 IS NULL)
      THEN excluded.snapshot_sha256 ELSE snapshot_sha256 END`;

/** A clip part is written once on the box; an index already known changes only while unverified and only by a newer event. */
export const UPSERT_PART = `
  INSERT INTO incident_clip_parts (incident_id, idx, start_ms, duration_ms, sha256, bytes)
  VALUES (@incidentId, @idx, @startMs, @durationMs, @sha256, @bytes)
  ON CONFLICT (incident_id, idx) DO UPDATE SET
    start_ms = excluded.start_ms, duration_ms = excluded.duration_ms, sha256 = excluded.sha256, bytes = excluded.bytes
  WHERE received_at IS NULL AND @newest`;

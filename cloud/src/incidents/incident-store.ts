import type { IncidentEvent, IncidentMediaKind } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import { whereOf } from '../db/where.js';
import { changedFacts, isSettled, type IncidentVersions } from './incident-versions.js';

export const reviewStatuses = ['new', 'reviewing', 'confirmed', 'dismissed'] as const;
export type ReviewStatus = (typeof reviewStatuses)[number];

/** One incident file as the edge announced it, and whether the cloud holds bytes matching its hash. */
export interface IncidentMedia {
  sha256: string;
  bytes: number;
  /** Set when an upload whose sha256 matched the edge's hash was stored. */
  receivedAt: number | null;
}

export interface IncidentRecord {
  id: string;
  edgeId: string;
  edgeName: string | null;
  /** The box's hamlet when the incident arrived. */
  hamletCode: string | null;
  hamletName: string | null;
  cameraId: string;
  ruleId: string;
  zoneId: string | null;
  label: string;
  score: number;
  trackId: number;
  startedAt: number;
  detectedAt: number;
  endedAt: number | null;
  box: IncidentEvent['box'];
  snapshot: IncidentMedia | null;
  clip: (IncidentMedia & { durationMs: number }) | null;
  status: ReviewStatus;
  assignee: { id: string; username: string; displayName: string } | null;
  legalHold: boolean;
  /** When the cloud received the incident's first report: what retention counts from. */
  receivedAt: number;
  createdAt: number;
  updatedAt: number;
}

export interface IncidentFilter {
  hamletCode?: string;
  edgeId?: string;
  cameraId?: string;
  label?: string;
  status?: ReviewStatus;
  assigneeId?: string;
  /** detectedAt in [from, to), epoch ms. */
  from?: number;
  to?: number;
}

interface Row {
  id: string;
  edge_id: string;
  edge_name: string | null;
  hamlet_code: string | null;
  hamlet_name: string | null;
  camera_id: string;
  rule_id: string;
  zone_id: string | null;
  label: string;
  score: number;
  track_id: number;
  started_at: number;
  detected_at: number;
  ended_at: number | null;
  box: string;
  snapshot_sha256: string | null;
  snapshot_bytes: number | null;
  snapshot_received_at: number | null;
  clip_sha256: string | null;
  clip_bytes: number | null;
  clip_duration_ms: number | null;
  clip_received_at: number | null;
  status: ReviewStatus;
  assignee_id: string | null;
  assignee_username: string | null;
  assignee_display_name: string | null;
  legal_hold: number;
  received_at: number;
  created_at: number;
  updated_at: number;
}

const toRecord = (r: Row): IncidentRecord => ({
  id: r.id,
  edgeId: r.edge_id,
  edgeName: r.edge_name,
  hamletCode: r.hamlet_code,
  hamletName: r.hamlet_name,
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
  status: r.status,
  assignee: r.assignee_id === null ? null : { id: r.assignee_id, username: r.assignee_username!, displayName: r.assignee_display_name! },
  legalHold: r.legal_hold === 1,
  receivedAt: r.received_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SELECT = `
  SELECT i.*, e.name AS edge_name, h.name AS hamlet_name, u.username AS assignee_username, u.display_name AS assignee_display_name
  FROM incidents i LEFT JOIN edges e ON e.id = i.edge_id LEFT JOIN hamlets h ON h.code = i.hamlet_code LEFT JOIN users u ON u.id = i.assignee_id`;

const whereFor = (f: IncidentFilter) =>
  whereOf([
    ['i.hamlet_code = @hamletCode', 'hamletCode', f.hamletCode],
    ['i.edge_id = @edgeId', 'edgeId', f.edgeId],
    ['i.camera_id = @cameraId', 'cameraId', f.cameraId],
    ['i.label = @label', 'label', f.label],
    ['i.status = @status', 'status', f.status],
    ['i.assignee_id = @assigneeId', 'assigneeId', f.assigneeId],
    ['i.detected_at >= @from', 'from', f.from],
    ['i.detected_at < @to', 'to', f.to],
  ]);

/**
 * Applies an incident event. The edge's facts (times, score, box …) follow the newest event by its
 * timestamp, so a late resend of the first event cannot roll back the second; media hashes are only
 * ever filled in, never erased, and a file already received keeps the hash it was verified against.
 * (A settled incident never gets here with facts that differ: see IncidentStore.upsert.)
 */
const UPSERT = `
  INSERT INTO incidents (id, edge_id, hamlet_code, camera_id, rule_id, zone_id, label, score, track_id, started_at, detected_at, ended_at, box,
    facts_ts, snapshot_sha256, snapshot_bytes, clip_sha256, clip_bytes, clip_duration_ms, received_at, created_at, updated_at)
  VALUES (@id, @edgeId, (SELECT hamlet_code FROM edges WHERE id = @edgeId), @cameraId, @ruleId, @zoneId, @label, @score, @trackId, @startedAt,
    @detectedAt, @endedAt, @box, @ts, @snapshotSha256, @snapshotBytes, @clipSha256, @clipBytes, @clipDurationMs, @receivedAt, @now, @now)
  ON CONFLICT (id) DO UPDATE SET
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
 * What became of an incident event: a new or updated incident, an event for another edge's incident
 * (ignored), or a report contradicting a settled incident, kept as its `version`.
 */
export type UpsertResult = { outcome: 'created' | 'updated' | 'foreign' } | { outcome: 'versioned'; version: number; changed: string[] };

/** Incidents and their review notes in SQLite. */
export class IncidentStore {
  constructor(
    private readonly db: Db,
    private readonly versions: IncidentVersions,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Applies one `events/incident` of `edgeId` (sent at `ts`, received by the cloud at `receivedAt`).
   * Once an incident is settled (under review, or a file verified), an event that contradicts its
   * facts is stored as a version and changes nothing; one that only completes it is applied.
   */
  upsert(edgeId: string, eventId: string, ts: number, event: IncidentEvent, receivedAt: number): UpsertResult {
    return this.db.transaction((): UpsertResult => {
      this.db.prepare('INSERT OR IGNORE INTO incident_events (edge_id, event_id, incident_id) VALUES (?, ?, ?)').run(edgeId, eventId, event.incidentId);
      const existed = this.get(event.incidentId);
      if (existed && existed.edgeId !== edgeId) return { outcome: 'foreign' };
      if (existed && isSettled(existed)) {
        const changed = changedFacts(existed, event);
        if (changed.length > 0) return { outcome: 'versioned', version: this.versions.add({ eventId, sentAt: ts, receivedAt, event, changed }), changed };
      }
      this.db.prepare(UPSERT).run({
        id: event.incidentId,
        edgeId,
        cameraId: event.cameraId,
        ruleId: event.ruleId,
        zoneId: event.zoneId,
        label: event.label,
        score: event.score,
        trackId: event.trackId,
        startedAt: event.startedAt,
        detectedAt: event.detectedAt,
        endedAt: event.endedAt,
        box: JSON.stringify(event.box),
        ts,
        snapshotSha256: event.snapshot?.sha256 ?? null,
        snapshotBytes: event.snapshot?.bytes ?? null,
        clipSha256: event.clip?.sha256 ?? null,
        clipBytes: event.clip?.bytes ?? null,
        clipDurationMs: event.clip?.durationMs ?? null,
        receivedAt,
        now: this.now(),
      });
      return { outcome: existed ? 'updated' : 'created' };
    })();
  }

  /** Incident events stored by the fleet but not applied here yet (they came while nobody listened), oldest first. */
  unapplied(): { edgeId: string; eventId: string; ts: number; receivedAt: number; body: string }[] {
    return this.db
      .prepare(
        `SELECT ev.edge_id AS edgeId, ev.event_id AS eventId, ev.ts, ev.received_at AS receivedAt, ev.body FROM edge_events ev
         WHERE ev.kind = 'incident' AND NOT EXISTS (SELECT 1 FROM incident_events ie WHERE ie.edge_id = ev.edge_id AND ie.event_id = ev.event_id)
         ORDER BY ev.ts`,
      )
      .all() as { edgeId: string; eventId: string; ts: number; receivedAt: number; body: string }[];
  }

  get(id: string): IncidentRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE i.id = ?`).get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Newest detection first. */
  page(filter: IncidentFilter, limit: number, offset: number): { items: IncidentRecord[]; total: number } {
    const where = whereFor(filter);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM incidents i ${where.sql}`).get(where.params) as { n: number }).n;
    const rows = this.db.prepare(`${SELECT} ${where.sql} ORDER BY i.detected_at DESC, i.id LIMIT @limit OFFSET @offset`).all({ ...where.params, limit, offset }) as Row[];
    return { items: rows.map(toRecord), total };
  }

  /** Marks a file as received after its bytes were verified against the announced hash. */
  markReceived(id: string, kind: IncidentMediaKind, sha256: string): void {
    const column = kind === 'snapshot' ? 'snapshot' : 'clip';
    this.db
      .prepare(`UPDATE incidents SET ${column}_received_at = @now, updated_at = @now WHERE id = @id AND ${column}_sha256 = @sha256 AND ${column}_received_at IS NULL`)
      .run({ id, sha256, now: this.now() });
  }

  update(id: string, patch: { status?: ReviewStatus; assigneeId?: string | null; legalHold?: boolean }): void {
    const current = this.db.prepare('SELECT status, assignee_id, legal_hold FROM incidents WHERE id = ?').get(id) as
      | { status: ReviewStatus; assignee_id: string | null; legal_hold: number }
      | undefined;
    if (!current) return;
    this.db.prepare('UPDATE incidents SET status = ?, assignee_id = ?, legal_hold = ?, updated_at = ? WHERE id = ?').run(
      patch.status ?? current.status,
      patch.assigneeId === undefined ? current.assignee_id : patch.assigneeId,
      patch.legalHold === undefined ? current.legal_hold : patch.legalHold ? 1 : 0,
      this.now(),
      id,
    );
  }

  /**
   * Incidents the cloud received before `before`, neither on legal hold nor confirmed: what retention
   * deletes. The box's own detectedAt plays no part (a box could set it to anything).
   */
  expired(before: number, limit: number): { id: string; snapshotSha256: string | null; clipSha256: string | null }[] {
    return this.db
      .prepare(
        `SELECT id, snapshot_sha256 AS snapshotSha256, clip_sha256 AS clipSha256 FROM incidents
         WHERE received_at < ? AND legal_hold = 0 AND status <> 'confirmed' ORDER BY received_at LIMIT ?`,
      )
      .all(before, limit) as { id: string; snapshotSha256: string | null; clipSha256: string | null }[];
  }

  /** Deletes an incident with its notes, versions and the edge events that carried it. */
  delete(id: string): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM edge_events WHERE kind = 'incident' AND json_extract(body, '$.incidentId') = ?").run(id);
      this.db.prepare('DELETE FROM incident_events WHERE incident_id = ?').run(id);
      this.db.prepare('DELETE FROM incidents WHERE id = ?').run(id);
    })();
  }

  /** Whether any incident still names this content (announced or received). */
  references(sha256: string): boolean {
    return this.db.prepare('SELECT 1 FROM incidents WHERE snapshot_sha256 = ? OR clip_sha256 = ? LIMIT 1').get(sha256, sha256) !== undefined;
  }
}

import type { IncidentEvent, IncidentMediaKind, IncidentMediaRef, IncidentObject, ReviewSeverity, TimelineEntry } from '@smart-commune/shared';
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

/** One object of an item, its best picture with the cloud's verification state. */
export interface IncidentObjectRecord extends Omit<IncidentObject, 'snapshot'> {
  snapshot: IncidentMedia | null;
}

/** One part of an item's clip; played in index order the parts are the whole item. */
export interface ClipPartRecord extends IncidentMedia {
  index: number;
  startMs: number;
  durationMs: number;
}

/**
 * An incident is a review item: one period of activity on one camera. The scalar facts (ruleId, label,
 * trackId, box, snapshot …) are the item's main object's; `objects`, `timeline` and `parts` are the whole item.
 */
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
  /** alert: the police queue; detection: kept and searchable. */
  severity: ReviewSeverity;
  /** open while the box still reports activity; closed once it ended (or an older box's incident). */
  state: 'open' | 'closed';
  /** The item this one continues (the earlier one reached its camera's maximum length). */
  continues: string | null;
  /** The camera was over its flood limit when this item opened. */
  flood: boolean;
  status: ReviewStatus;
  assignee: { id: string; username: string; displayName: string } | null;
  legalHold: boolean;
  /** When the cloud received the incident's first report: what retention counts from. */
  receivedAt: number;
  createdAt: number;
  updatedAt: number;
}

/** An item with its objects, timeline, clip parts and the item continuing it: what the item page shows. */
export interface IncidentItem extends IncidentRecord {
  objects: IncidentObjectRecord[];
  timeline: TimelineEntry[];
  parts: ClipPartRecord[];
  /** The item that continues this one, when it reached the maximum length. */
  continuedBy: string | null;
}

/** A queue row's view of an item's objects: how many, and how many of each label (most first). */
export interface ObjectSummary {
  count: number;
  labels: { label: string; count: number }[];
}

export interface IncidentFilter {
  severity?: ReviewSeverity;
  state?: 'open' | 'closed';
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
  severity: ReviewSeverity;
  state: 'open' | 'closed';
  continues: string | null;
  flood: number;
  timeline: string;
  facts_ts: number;
  status: ReviewStatus;
  assignee_id: string | null;
  assignee_username: string | null;
  assignee_display_name: string | null;
  legal_hold: number;
  received_at: number;
  created_at: number;
  updated_at: number;
}

interface ObjectRow {
  track_id: number;
  label: string;
  score: number;
  zone_ids: string;
  rule_ids: string;
  first_seen_at: number;
  last_seen_at: number;
  box: string;
  snapshot_sha256: string | null;
  snapshot_bytes: number | null;
  snapshot_received_at: number | null;
}

interface PartRow {
  idx: number;
  start_ms: number;
  duration_ms: number;
  sha256: string;
  bytes: number;
  received_at: number | null;
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

const SELECT = `
  SELECT i.*, e.name AS edge_name, h.name AS hamlet_name, u.username AS assignee_username, u.display_name AS assignee_display_name
  FROM incidents i LEFT JOIN edges e ON e.id = i.edge_id LEFT JOIN hamlets h ON h.code = i.hamlet_code LEFT JOIN users u ON u.id = i.assignee_id`;

const whereFor = (f: IncidentFilter) =>
  whereOf([
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
 * Applies an incident event. The edge's facts (times, score, box …) follow the newest event by its
 * timestamp, so a late resend of the first event cannot roll back the second; media hashes are only
 * ever filled in, never erased, and a file already received keeps the hash it was verified against.
 * (A settled incident never gets here with facts that differ: see IncidentStore.upsert.)
 */
const UPSERT = `
  INSERT INTO incidents (id, edge_id, hamlet_code, camera_id, rule_id, zone_id, label, score, track_id, started_at, detected_at, ended_at, box,
    facts_ts, snapshot_sha256, snapshot_bytes, clip_sha256, clip_bytes, clip_duration_ms, severity, state, continues, flood, timeline,
    received_at, created_at, updated_at)
  VALUES (@id, @edgeId, (SELECT hamlet_code FROM edges WHERE id = @edgeId), @cameraId, @ruleId, @zoneId, @label, @score, @trackId, @startedAt,
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
const UPSERT_OBJECT = `
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
const UPSERT_PART = `
  INSERT INTO incident_clip_parts (incident_id, idx, start_ms, duration_ms, sha256, bytes)
  VALUES (@incidentId, @idx, @startMs, @durationMs, @sha256, @bytes)
  ON CONFLICT (incident_id, idx) DO UPDATE SET
    start_ms = excluded.start_ms, duration_ms = excluded.duration_ms, sha256 = excluded.sha256, bytes = excluded.bytes
  WHERE received_at IS NULL AND @newest`;

/**
 * An event as an item. A box from before review items sends one tracked object and one clip without
 * `objects`, `timeline` or `clipParts`: those are made from its main facts, so both kinds read alike.
 */
export function asItem(event: IncidentEvent): IncidentEvent {
  const objects = event.objects.length
    ? event.objects
    : [
        {
          trackId: event.trackId,
          label: event.label,
          score: event.score,
          zoneIds: event.zoneId === null ? [] : [event.zoneId],
          ruleIds: [event.ruleId],
          firstSeenAt: event.startedAt,
          lastSeenAt: event.endedAt ?? event.detectedAt,
          box: event.box,
          snapshot: event.snapshot,
        },
      ];
  const timeline = event.timeline.length
    ? event.timeline
    : [{ at: event.startedAt, trackId: event.trackId, label: event.label, kind: 'entered' as const, ...(event.zoneId === null ? {} : { zoneId: event.zoneId }) }];
  const clipParts =
    event.clipParts.length || event.clip === null
      ? event.clipParts
      : [{ index: 0, startMs: event.endedAt === null ? event.detectedAt : Math.max(0, event.endedAt - event.clip.durationMs), ...event.clip }];
  return { ...event, objects, timeline, clipParts };
}

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
  upsert(edgeId: string, eventId: string, ts: number, received: IncidentEvent, receivedAt: number): UpsertResult {
    const event = asItem(received);
    return this.db.transaction((): UpsertResult => {
      this.db.prepare('INSERT OR IGNORE INTO incident_events (edge_id, event_id, incident_id) VALUES (?, ?, ?)').run(edgeId, eventId, event.incidentId);
      const existed = this.get(event.incidentId);
      if (existed && existed.edgeId !== edgeId) return { outcome: 'foreign' };
      const factsTs = existed ? (this.db.prepare('SELECT facts_ts FROM incidents WHERE id = ?').pluck().get(event.incidentId) as number) : ts;
      // an open item is still being reported (objects join, parts are written); once closed it settles
      // like any evidence. An item's report older than the facts on record is a late delivery of what
      // it said while open (its main object's score grew since), not a contradiction.
      const lateItemReport = received.objects.length > 0 && ts < factsTs;
      if (existed && existed.state === 'closed' && isSettled(existed) && !lateItemReport) {
        const changed = changedFacts(existed, event);
        if (changed.length > 0) return { outcome: 'versioned', version: this.versions.add({ eventId, sentAt: ts, receivedAt, event: received, changed }), changed };
      }
      const newest = ts >= factsTs;
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
        severity: event.severity,
        state: event.state,
        continues: event.continues,
        flood: event.flood ? 1 : 0,
        timeline: JSON.stringify(event.timeline),
        receivedAt,
        now: this.now(),
      });
      const object = this.db.prepare(UPSERT_OBJECT);
      for (const o of event.objects) {
        object.run({
          incidentId: event.incidentId,
          trackId: o.trackId,
          label: o.label,
          score: o.score,
          zoneIds: JSON.stringify(o.zoneIds),
          ruleIds: JSON.stringify(o.ruleIds),
          firstSeenAt: o.firstSeenAt,
          lastSeenAt: o.lastSeenAt,
          box: JSON.stringify(o.box),
          sha256: o.snapshot?.sha256 ?? null,
          bytes: o.snapshot?.bytes ?? null,
          newest: newest ? 1 : 0,
        });
      }
      const part = this.db.prepare(UPSERT_PART);
      for (const p of event.clipParts) {
        part.run({ incidentId: event.incidentId, idx: p.index, startMs: p.startMs, durationMs: p.durationMs, sha256: p.sha256, bytes: p.bytes, newest: newest ? 1 : 0 });
      }
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

  /** The cameras incidents come from and the classes of their objects, for the queue's filter choices. */
  filterChoices(): { cameras: string[]; labels: string[] } {
    const cameras = this.db.prepare('SELECT DISTINCT camera_id FROM incidents ORDER BY 1').pluck().all() as string[];
    const labels = this.db.prepare('SELECT label FROM incidents UNION SELECT label FROM incident_objects ORDER BY 1').pluck().all() as string[];
    return { cameras, labels };
  }

  /** How many objects each item took in and their labels (most frequent first): what a queue row shows. */
  objectSummaries(ids: readonly string[]): Map<string, ObjectSummary> {
    const summaries = new Map<string, ObjectSummary>();
    if (ids.length === 0) return summaries;
    const rows = this.db
      .prepare(
        `SELECT incident_id AS id, label, COUNT(*) AS n FROM incident_objects WHERE incident_id IN (SELECT value FROM json_each(?))
         GROUP BY incident_id, label ORDER BY incident_id, n DESC, label`,
      )
      .all(JSON.stringify(ids)) as { id: string; label: string; n: number }[];
    for (const r of rows) {
      const s = summaries.get(r.id) ?? { count: 0, labels: [] };
      s.count += r.n;
      s.labels.push({ label: r.label, count: r.n });
      summaries.set(r.id, s);
    }
    return summaries;
  }

  /** The announced file a media upload must match: the item's own, an object's picture or a clip part. */
  announced(id: string, kind: IncidentMediaKind, ref?: IncidentMediaRef): IncidentMedia | null {
    if (ref === undefined) return this.get(id)?.[kind] ?? null;
    if ('trackId' in ref) {
      if (kind !== 'snapshot') return null;
      return this.objects(id).find((o) => o.trackId === ref.trackId)?.snapshot ?? null;
    }
    if (kind !== 'clip') return null;
    const part = this.parts(id).find((p) => p.index === ref.part);
    return part ? { sha256: part.sha256, bytes: part.bytes, receivedAt: part.receivedAt } : null;
  }

  /**
   * Marks a file as received after its bytes were verified against the announced hash: everywhere the
   * item names that content (files are stored once per content, so the first part of an item and its
   * `clip`, or the main object's picture and its `snapshot`, are one upload).
   */
  markReceived(id: string, kind: IncidentMediaKind, sha256: string): void {
    const column = kind === 'snapshot' ? 'snapshot' : 'clip';
    const params = { id, sha256, now: this.now() };
    this.db.transaction(() => {
      this.db.prepare(`UPDATE incidents SET ${column}_received_at = @now, updated_at = @now WHERE id = @id AND ${column}_sha256 = @sha256 AND ${column}_received_at IS NULL`).run(params);
      if (kind === 'snapshot') {
        this.db.prepare('UPDATE incident_objects SET snapshot_received_at = @now WHERE incident_id = @id AND snapshot_sha256 = @sha256 AND snapshot_received_at IS NULL').run(params);
      } else {
        this.db.prepare('UPDATE incident_clip_parts SET received_at = @now WHERE incident_id = @id AND sha256 = @sha256 AND received_at IS NULL').run(params);
      }
    })();
  }

  objects(id: string): IncidentObjectRecord[] {
    const rows = this.db.prepare('SELECT * FROM incident_objects WHERE incident_id = ? ORDER BY first_seen_at, track_id').all(id) as ObjectRow[];
    return rows.map((r) => ({
      trackId: r.track_id,
      label: r.label,
      score: r.score,
      zoneIds: JSON.parse(r.zone_ids) as string[],
      ruleIds: JSON.parse(r.rule_ids) as string[],
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
      box: JSON.parse(r.box) as IncidentEvent['box'],
      snapshot: r.snapshot_sha256 === null ? null : { sha256: r.snapshot_sha256, bytes: r.snapshot_bytes!, receivedAt: r.snapshot_received_at },
    }));
  }

  parts(id: string): ClipPartRecord[] {
    const rows = this.db.prepare('SELECT * FROM incident_clip_parts WHERE incident_id = ? ORDER BY idx').all(id) as PartRow[];
    return rows.map((r) => ({ index: r.idx, startMs: r.start_ms, durationMs: r.duration_ms, sha256: r.sha256, bytes: r.bytes, receivedAt: r.received_at }));
  }

  /** The whole item: objects, timeline, clip parts and the links to the items before and after it. */
  item(id: string): IncidentItem | null {
    const record = this.get(id);
    if (!record) return null;
    const timeline = JSON.parse((this.db.prepare('SELECT timeline FROM incidents WHERE id = ?').pluck().get(id) as string | undefined) ?? '[]') as TimelineEntry[];
    const continuedBy = (this.db.prepare('SELECT id FROM incidents WHERE continues = ? ORDER BY detected_at LIMIT 1').pluck().get(id) as string | undefined) ?? null;
    return { ...record, objects: this.objects(id), timeline, parts: this.parts(id), continuedBy };
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
  expired(before: number, limit: number): { id: string; sha256s: string[] }[] {
    const rows = this.db
      .prepare(
        `SELECT id, snapshot_sha256 AS snapshotSha256, clip_sha256 AS clipSha256 FROM incidents
         WHERE received_at < ? AND legal_hold = 0 AND status <> 'confirmed' ORDER BY received_at LIMIT ?`,
      )
      .all(before, limit) as { id: string; snapshotSha256: string | null; clipSha256: string | null }[];
    return rows.map((r) => ({ id: r.id, sha256s: this.contentHashes(r.id, [r.snapshotSha256, r.clipSha256]) }));
  }

  /**
   * Every content hash an item names: its own files, its objects' pictures and its clip parts (what
   * retention and the byte budget free when they delete it). `own` spares re-reading the item's row.
   */
  contentHashes(id: string, own?: (string | null)[]): string[] {
    own ??= Object.values(
      (this.db.prepare('SELECT snapshot_sha256, clip_sha256 FROM incidents WHERE id = ?').get(id) as Record<string, string | null> | undefined) ?? {},
    );
    const objects = this.db.prepare('SELECT snapshot_sha256 FROM incident_objects WHERE incident_id = ? AND snapshot_sha256 IS NOT NULL').pluck().all(id) as string[];
    const parts = this.db.prepare('SELECT sha256 FROM incident_clip_parts WHERE incident_id = ?').pluck().all(id) as string[];
    return [...new Set([...own.filter((s): s is string => s !== null), ...objects, ...parts])];
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
    return (
      this.db.prepare('SELECT 1 FROM incidents WHERE snapshot_sha256 = ? OR clip_sha256 = ? LIMIT 1').get(sha256, sha256) !== undefined ||
      this.db.prepare('SELECT 1 FROM incident_objects WHERE snapshot_sha256 = ? LIMIT 1').get(sha256) !== undefined ||
      this.db.prepare('SELECT 1 FROM incident_clip_parts WHERE sha256 = ? LIMIT 1').get(sha256) !== undefined
    );
  }
}

import type { IncidentEvent, IncidentMediaKind, IncidentMediaRef, TimelineEntry } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import { asItem } from './as-item.js';
import type { ClipPartRecord, IncidentFilter, IncidentItem, IncidentMedia, IncidentObjectRecord, IncidentRecord, ObjectSummary, ReviewStatus } from './incident-records.js';
import { pageQueries, SELECT, toRecord, UPSERT, UPSERT_OBJECT, UPSERT_PART, type ObjectRow, type PartRow, type Row } from './incident-rows.js';
import { changedFacts, isSettled, type IncidentVersions } from './incident-versions.js';

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
    const q = pageQueries(filter);
    const total = (this.db.prepare(q.count).get(q.params) as { n: number }).n;
    const rows = this.db.prepare(q.page).all({ ...q.params, limit, offset }) as Row[];
    return { items: rows.map(toRecord), total };
  }

  /**
   * The cameras incidents come from and the classes of their objects, for the queue's filter choices;
   * `communeCode` keeps them to one commune's (another commune's camera names are not theirs to see).
   */
  filterChoices(communeCode?: string): { cameras: string[]; labels: string[] } {
    if (communeCode === undefined) {
      const cameras = this.db.prepare('SELECT DISTINCT camera_id FROM incidents ORDER BY 1').pluck().all() as string[];
      const labels = this.db.prepare('SELECT label FROM incidents UNION SELECT label FROM incident_objects ORDER BY 1').pluck().all() as string[];
      return { cameras, labels };
    }
    const cameras = this.db.prepare('SELECT DISTINCT camera_id FROM incidents WHERE commune_code = ? ORDER BY 1').pluck().all(communeCode) as string[];
    const labels = this.db
      .prepare(
        `SELECT label FROM incidents WHERE commune_code = @communeCode
         UNION SELECT o.label FROM incident_objects o JOIN incidents i ON i.id = o.incident_id WHERE i.commune_code = @communeCode ORDER BY 1`,
      )
      .pluck()
      .all({ communeCode }) as string[];
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

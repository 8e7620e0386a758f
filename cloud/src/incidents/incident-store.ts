import type { IncidentEvent, IncidentMediaKind, IncidentMediaRef, TimelineEntry } from '@smart-commune/shared';
import type { Kysely } from 'kysely';
import { jsonText, type QueryDatabase } from '../db/query/index.js';
import type { Database } from '../db/query/tables.js';
import { asItem } from './as-item.js';
import type { ClipPartRecord, IncidentFilter, IncidentItem, IncidentMedia, IncidentObjectRecord, IncidentRecord, ObjectSummary, ReviewStatus } from './incident-records.js';
import { queuePage, selectIncidents, toRecord, upsertIncident, upsertObject, upsertPart, type Row } from './incident-rows.js';
import { changedFacts, isSettled, type IncidentVersions } from './incident-versions.js';

/**
 * What became of an incident event: a new or updated incident, an event for another edge's incident
 * (ignored), or a report contradicting a settled incident, kept as its `version`.
 */
export type UpsertResult = { outcome: 'created' | 'updated' | 'foreign' } | { outcome: 'versioned'; version: number; changed: string[] };

/** Incidents and their review notes, through the query layer (SQLite or PostgreSQL). */
export class IncidentStore {
  constructor(
    private readonly q: QueryDatabase,
    private readonly versions: IncidentVersions,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Applies one `events/incident` of `edgeId` (sent at `ts`, received by the cloud at `receivedAt`).
   * Once an incident is settled (under review, or a file verified), an event that contradicts its
   * facts is stored as a version and changes nothing; one that only completes it is applied.
   * `wasOpen`: the incident was open before this event (so a closing event is said once).
   */
  async upsert(edgeId: string, eventId: string, ts: number, received: IncidentEvent, receivedAt: number): Promise<UpsertResult & { wasOpen: boolean }> {
    const event = asItem(received);
    const id = event.incidentId;
    return this.q.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('incident_events')
        .values({ edge_id: edgeId, event_id: eventId, incident_id: id })
        .onConflict((oc) => oc.columns(['edge_id', 'event_id']).doNothing())
        .execute();
      // a no-op update locks the incident's row until the transaction ends: on PostgreSQL another
      // process applying an event of the same incident waits here, so the settled check, the next
      // version number and the upsert below see one order of events
      const locked = await trx
        .updateTable('incidents')
        .set((eb) => ({ facts_ts: eb.ref('incidents.facts_ts') }))
        .where('id', '=', id)
        .returning('facts_ts')
        .executeTakeFirst();
      const existed = locked ? await this.getWith(trx, id) : null;
      const wasOpen = existed?.state === 'open';
      if (existed && existed.edgeId !== edgeId) return { outcome: 'foreign', wasOpen };
      const factsTs = locked?.facts_ts ?? ts;
      // an open item is still being reported (objects join, parts are written); once closed it settles
      // like any evidence. An item's report older than the facts on record is a late delivery of what
      // it said while open (its main object's score grew since), not a contradiction.
      const lateItemReport = received.objects.length > 0 && ts < factsTs;
      if (existed && existed.state === 'closed' && isSettled(existed) && !lateItemReport) {
        const changed = changedFacts(existed, event);
        if (changed.length > 0) {
          const version = await this.versions.add({ eventId, sentAt: ts, receivedAt, event: received, changed }, trx);
          return { outcome: 'versioned', version, changed, wasOpen };
        }
      }
      const newest = ts >= factsTs;
      await upsertIncident(trx, this.q.dialect, { id, edgeId, event, ts, receivedAt, now: this.now() });
      for (const o of event.objects) await upsertObject(trx, id, o, newest);
      for (const p of event.clipParts) await upsertPart(trx, id, p, newest);
      return { outcome: existed ? 'updated' : 'created', wasOpen };
    });
  }

  /** Incident events stored by the fleet but not applied here yet (they came while nobody listened), oldest first. */
  async unapplied(): Promise<{ edgeId: string; eventId: string; ts: number; receivedAt: number; body: string }[]> {
    return this.q.db
      .selectFrom('edge_events as ev')
      .select(['ev.edge_id as edgeId', 'ev.event_id as eventId', 'ev.ts', 'ev.received_at as receivedAt', 'ev.body'])
      .where('ev.kind', '=', 'incident')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('incident_events as ie').select('ie.incident_id').whereRef('ie.edge_id', '=', 'ev.edge_id').whereRef('ie.event_id', '=', 'ev.event_id'))),
      )
      .orderBy('ev.ts')
      .execute();
  }

  get(id: string): Promise<IncidentRecord | null> {
    return this.getWith(this.q.db, id);
  }

  private async getWith(db: Kysely<Database>, id: string): Promise<IncidentRecord | null> {
    const row = await selectIncidents(db).where('i.id', '=', id).executeTakeFirst();
    return row ? toRecord(row as Row) : null;
  }

  /** Newest detection first. */
  async page(filter: IncidentFilter, limit: number, offset: number): Promise<{ items: IncidentRecord[]; total: number }> {
    const { rows, total } = await queuePage(this.q.db, filter, limit, offset);
    return { items: rows.map(toRecord), total };
  }

  /**
   * The cameras incidents come from and the classes of their objects, for the queue's filter choices;
   * `communeCode` keeps them to one commune's (another commune's camera names are not theirs to see).
   */
  async filterChoices(communeCode?: string): Promise<{ cameras: string[]; labels: string[] }> {
    const { db } = this.q;
    let cameras = db.selectFrom('incidents').select('camera_id').distinct().orderBy('camera_id');
    let labels = db.selectFrom('incidents').select('label');
    let objectLabels = db.selectFrom('incident_objects as o').select('o.label');
    if (communeCode !== undefined) {
      cameras = cameras.where('commune_code', '=', communeCode);
      labels = labels.where('commune_code', '=', communeCode);
      objectLabels = objectLabels.innerJoin('incidents as i', 'i.id', 'o.incident_id').where('i.commune_code', '=', communeCode);
    }
    const [cameraRows, labelRows] = await Promise.all([cameras.execute(), labels.union(objectLabels).orderBy('label').execute()]);
    return { cameras: cameraRows.map((r) => r.camera_id), labels: labelRows.map((r) => r.label) };
  }

  /** How many objects each item took in and their labels (most frequent first): what a queue row shows. */
  async objectSummaries(ids: readonly string[]): Promise<Map<string, ObjectSummary>> {
    const summaries = new Map<string, ObjectSummary>();
    if (ids.length === 0) return summaries;
    const rows = await this.q.db
      .selectFrom('incident_objects')
      .select((eb) => ['incident_id as id', 'label', eb.fn.countAll<number>().as('n')])
      .where('incident_id', 'in', [...ids])
      .groupBy(['incident_id', 'label'])
      .orderBy('incident_id')
      .orderBy('n', 'desc')
      .orderBy('label')
      .execute();
    for (const r of rows) {
      const s = summaries.get(r.id) ?? { count: 0, labels: [] };
      const n = Number(r.n);
      s.count += n;
      s.labels.push({ label: r.label, count: n });
      summaries.set(r.id, s);
    }
    return summaries;
  }

  /** The announced file a media upload must match: the item's own, an object's picture or a clip part. */
  async announced(id: string, kind: IncidentMediaKind, ref?: IncidentMediaRef): Promise<IncidentMedia | null> {
    if (ref === undefined) return (await this.get(id))?.[kind] ?? null;
    if ('trackId' in ref) {
      if (kind !== 'snapshot') return null;
      return (await this.objects(id)).find((o) => o.trackId === ref.trackId)?.snapshot ?? null;
    }
    if (kind !== 'clip') return null;
    const part = (await this.parts(id)).find((p) => p.index === ref.part);
    return part ? { sha256: part.sha256, bytes: part.bytes, receivedAt: part.receivedAt } : null;
  }

  /**
   * Marks a file as received after its bytes were verified against the announced hash: everywhere the
   * item names that content (files are stored once per content, so the first part of an item and its
   * `clip`, or the main object's picture and its `snapshot`, are one upload).
   */
  async markReceived(id: string, kind: IncidentMediaKind, sha256: string): Promise<void> {
    const now = this.now();
    await this.q.db.transaction().execute(async (trx) => {
      if (kind === 'snapshot') {
        await trx
          .updateTable('incidents')
          .set({ snapshot_received_at: now, updated_at: now })
          .where('id', '=', id)
          .where('snapshot_sha256', '=', sha256)
          .where('snapshot_received_at', 'is', null)
          .execute();
        await trx
          .updateTable('incident_objects')
          .set({ snapshot_received_at: now })
          .where('incident_id', '=', id)
          .where('snapshot_sha256', '=', sha256)
          .where('snapshot_received_at', 'is', null)
          .execute();
      } else {
        await trx
          .updateTable('incidents')
          .set({ clip_received_at: now, updated_at: now })
          .where('id', '=', id)
          .where('clip_sha256', '=', sha256)
          .where('clip_received_at', 'is', null)
          .execute();
        await trx.updateTable('incident_clip_parts').set({ received_at: now }).where('incident_id', '=', id).where('sha256', '=', sha256).where('received_at', 'is', null).execute();
      }
    });
  }

  async objects(id: string): Promise<IncidentObjectRecord[]> {
    const rows = await this.q.db.selectFrom('incident_objects').selectAll().where('incident_id', '=', id).orderBy('first_seen_at').orderBy('track_id').execute();
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

  async parts(id: string): Promise<ClipPartRecord[]> {
    const rows = await this.q.db.selectFrom('incident_clip_parts').selectAll().where('incident_id', '=', id).orderBy('idx').execute();
    return rows.map((r) => ({ index: r.idx, startMs: r.start_ms, durationMs: r.duration_ms, sha256: r.sha256, bytes: r.bytes, receivedAt: r.received_at }));
  }

  /** The whole item: objects, timeline, clip parts and the links to the items before and after it. */
  async item(id: string): Promise<IncidentItem | null> {
    const { db } = this.q;
    const record = await this.get(id);
    if (!record) return null;
    const [row, next, objects, parts] = await Promise.all([
      db.selectFrom('incidents').select('timeline').where('id', '=', id).executeTakeFirst(),
      db.selectFrom('incidents').select('id').where('continues', '=', id).orderBy('detected_at').limit(1).executeTakeFirst(),
      this.objects(id),
      this.parts(id),
    ]);
    const timeline = JSON.parse(row?.timeline ?? '[]') as TimelineEntry[];
    return { ...record, objects, timeline, parts, continuedBy: next?.id ?? null };
  }

  /**
   * One statement: each field given is set, the others keep their value (no read-then-write, so two
   * reviewers changing different fields at once both keep their change).
   */
  async update(id: string, patch: { status?: ReviewStatus; assigneeId?: string | null; legalHold?: boolean }): Promise<void> {
    await this.q.db
      .updateTable('incidents')
      .set({
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.assigneeId !== undefined && { assignee_id: patch.assigneeId }),
        ...(patch.legalHold !== undefined && { legal_hold: patch.legalHold ? 1 : 0 }),
        updated_at: this.now(),
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Incidents the cloud received before `before`, neither on legal hold nor confirmed: what retention
   * deletes. The box's own detectedAt plays no part (a box could set it to anything).
   */
  async expired(before: number, limit: number): Promise<{ id: string; sha256s: string[] }[]> {
    const rows = await this.q.db
      .selectFrom('incidents')
      .select(['id', 'snapshot_sha256', 'clip_sha256'])
      .where('received_at', '<', before)
      .where('legal_hold', '=', 0)
      .where('status', '<>', 'confirmed')
      .orderBy('received_at')
      .limit(limit)
      .execute();
    const expired: { id: string; sha256s: string[] }[] = [];
    for (const r of rows) expired.push({ id: r.id, sha256s: await this.contentHashes(r.id, [r.snapshot_sha256, r.clip_sha256]) });
    return expired;
  }

  /**
   * Every content hash an item names: its own files, its objects' pictures and its clip parts (what
   * retention and the byte budget free when they delete it). `own` spares re-reading the item's row.
   */
  async contentHashes(id: string, own?: (string | null)[]): Promise<string[]> {
    const { db } = this.q;
    if (!own) {
      const row = await db.selectFrom('incidents').select(['snapshot_sha256', 'clip_sha256']).where('id', '=', id).executeTakeFirst();
      own = row ? [row.snapshot_sha256, row.clip_sha256] : [];
    }
    const [objects, parts] = await Promise.all([
      db.selectFrom('incident_objects').select('snapshot_sha256').where('incident_id', '=', id).where('snapshot_sha256', 'is not', null).execute(),
      db.selectFrom('incident_clip_parts').select('sha256').where('incident_id', '=', id).execute(),
    ]);
    const all = [...own, ...objects.map((o) => o.snapshot_sha256), ...parts.map((p) => p.sha256)];
    return [...new Set(all.filter((s): s is string => s !== null))];
  }

  /** Deletes an incident with its notes, versions and the edge events that carried it. */
  async delete(id: string): Promise<void> {
    const { dialect } = this.q;
    await this.q.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('edge_events')
        .where('kind', '=', 'incident')
        .where((eb) => eb(jsonText(dialect, eb.ref('body'), ['incidentId']), '=', id))
        .execute();
      await trx.deleteFrom('incident_events').where('incident_id', '=', id).execute();
      await trx.deleteFrom('incidents').where('id', '=', id).execute();
    });
  }

  /** Whether any incident still names this content (announced or received). */
  async references(sha256: string): Promise<boolean> {
    const { db } = this.q;
    const named = await db
      .selectFrom('incidents')
      .select('id')
      .where((eb) => eb.or([eb('snapshot_sha256', '=', sha256), eb('clip_sha256', '=', sha256)]))
      .limit(1)
      .executeTakeFirst();
    if (named) return true;
    if (await db.selectFrom('incident_objects').select('incident_id').where('snapshot_sha256', '=', sha256).limit(1).executeTakeFirst()) return true;
    return (await db.selectFrom('incident_clip_parts').select('incident_id').where('sha256', '=', sha256).limit(1).executeTakeFirst()) !== undefined;
  }
}

import type { IncidentEvent, ReviewSeverity } from '@smart-commune/shared';
import { sql, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import { fromExcluded, greatest, toDbBool, type DialectName } from '../db/query/index.js';
import type { Database, IncidentClipPartsTable, IncidentObjectsTable, IncidentsTable } from '../db/query/tables.js';
import type { IncidentFilter, IncidentRecord, ReviewStatus } from './incident-records.js';

/* The incidents tables' rows and statements (Kysely, one for both databases), and how a row becomes a record: the store's SQL in one place. */

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

/** The joined columns a record is read with: the incident, its box's and hamlet's names and its assignee's. */
export function selectIncidents(db: Kysely<Database>) {
  return db
    .selectFrom('incidents as i')
    .leftJoin('edges as e', 'e.id', 'i.edge_id')
    .leftJoin('hamlets as h', 'h.code', 'i.hamlet_code')
    .leftJoin('users as u', 'u.id', 'i.assignee_id')
    .selectAll('i')
    .select(['e.name as edge_name', 'h.name as hamlet_name', 'u.username as assignee_username', 'u.display_name as assignee_display_name']);
}

/**
 * The filters that are set, each a plain comparison on its column: a condition written
 * `(x IS NULL OR col = x)` would hide the column from the planners, which then scan the table.
 */
export function whereFor<O>(query: SelectQueryBuilder<Database & { i: IncidentsTable }, 'i', O>, f: IncidentFilter) {
  let q = query;
  if (f.communeCode !== undefined) q = q.where('i.commune_code', '=', f.communeCode);
  if (f.severity !== undefined) q = q.where('i.severity', '=', f.severity);
  if (f.state !== undefined) q = q.where('i.state', '=', f.state);
  if (f.hamletCode !== undefined) q = q.where('i.hamlet_code', '=', f.hamletCode);
  if (f.edgeId !== undefined) q = q.where('i.edge_id', '=', f.edgeId);
  if (f.cameraId !== undefined) q = q.where('i.camera_id', '=', f.cameraId);
  // the class of any object the item took in, not only its main object's (a motorcycle that joined a person's item).
  // An uncorrelated IN: both databases read the objects of that class once (a hash or a temporary index), where
  // a correlated EXISTS looked up every row of the commune's queue (scripts/bench/province: 0.3–0.6 s at 1M items)
  const label = f.label;
  if (label !== undefined) {
    q = q.where((eb) => eb.or([eb('i.label', '=', label), eb('i.id', 'in', eb.selectFrom('incident_objects as o').select('o.incident_id').where('o.label', '=', label))]));
  }
  if (f.status !== undefined) q = q.where('i.status', '=', f.status);
  if (f.assigneeId !== undefined) q = q.where('i.assignee_id', '=', f.assigneeId);
  if (f.from !== undefined) q = q.where('i.detected_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('i.detected_at', '<', f.to);
  return q;
}

/**
 * The queue's statements for a filter: its total and one page, newest first, the id breaking ties.
 * The order matches the commune queue's indexes (migration: incidents_commune_severity_queue) so a
 * commune's page is read in order, never sorted.
 */
export function queueQueries(db: Kysely<Database>, filter: IncidentFilter, limit: number, offset: number) {
  return {
    count: whereFor(db.selectFrom('incidents as i').select((eb) => eb.fn.countAll<number>().as('n')), filter),
    page: whereFor(selectIncidents(db), filter).orderBy('i.detected_at', 'desc').orderBy('i.id').limit(limit).offset(offset),
  };
}

/** One page of the queue and the total of the filter. */
export async function queuePage(db: Kysely<Database>, filter: IncidentFilter, limit: number, offset: number): Promise<{ rows: Row[]; total: number }> {
  const q = queueQueries(db, filter, limit, offset);
  const [count, rows] = await Promise.all([q.count.executeTakeFirstOrThrow(), q.page.execute()]);
  return { rows: rows as Row[], total: Number(count.n) };
}

/** The values of an incident event as its row is first written. */
export interface IncidentValues {
  id: string;
  edgeId: string;
  event: IncidentEvent;
  ts: number;
  receivedAt: number;
  now: number;
}

/**
 * Applies an incident event. The edge's facts (times, score, box …) follow the newest event by its
 * timestamp, so a late resend of the first event cannot roll back the second; media hashes are only
 * ever filled in, never erased, and a file already received keeps the hash it was verified against.
 * (A settled incident never gets here with facts that differ: see IncidentStore.upsert.)
 * Like its hamlet, the commune is the box's when the incident first arrived: moving a box later does
 * not move its past incidents to another commune's police. The event's timestamp is the refused row's
 * `excluded.facts_ts`; the existing row's columns are named with their table (`incidents.x`):
 * PostgreSQL calls a bare one in an upsert ambiguous.
 */
export async function upsertIncident(db: Kysely<Database>, dialect: DialectName, v: IncidentValues): Promise<void> {
  const { event, ts } = v;
  // each CASE has its column's type, which a raw expression cannot carry: any, as dialect.ts's fromExcluded
  const newer = (column: keyof IncidentsTable) => sql<any>`CASE WHEN excluded.facts_ts >= incidents.facts_ts THEN ${sql.ref(`excluded.${column}`)} ELSE ${sql.ref(`incidents.${column}`)} END`;
  // a file's announced hash, bytes (and duration) fill in or follow a newer event until the bytes were verified
  const media = (file: 'snapshot' | 'clip', column: keyof IncidentsTable) =>
    sql<any>`CASE WHEN ${sql.ref(`incidents.${file}_received_at`)} IS NULL AND ${sql.ref(`excluded.${file}_sha256`)} IS NOT NULL
      AND (excluded.facts_ts >= incidents.facts_ts OR ${sql.ref(`incidents.${file}_sha256`)} IS NULL)
      THEN ${sql.ref(`excluded.${column}`)} ELSE ${sql.ref(`incidents.${column}`)} END`;
  await db
    .insertInto('incidents')
    .values((eb) => ({
      id: v.id,
      edge_id: v.edgeId,
      hamlet_code: eb.selectFrom('edges').select('hamlet_code').where('id', '=', v.edgeId),
      commune_code: eb
        .selectFrom('edges as e')
        .innerJoin('hamlets as h', 'h.code', 'e.hamlet_code')
        .select('h.commune_code')
        .where('e.id', '=', v.edgeId),
      camera_id: event.cameraId,
      rule_id: event.ruleId,
      zone_id: event.zoneId,
      label: event.label,
      score: event.score,
      track_id: event.trackId,
      started_at: event.startedAt,
      detected_at: event.detectedAt,
      ended_at: event.endedAt,
      box: JSON.stringify(event.box),
      facts_ts: ts,
      snapshot_sha256: event.snapshot?.sha256 ?? null,
      snapshot_bytes: event.snapshot?.bytes ?? null,
      clip_sha256: event.clip?.sha256 ?? null,
      clip_bytes: event.clip?.bytes ?? null,
      clip_duration_ms: event.clip?.durationMs ?? null,
      severity: event.severity,
      state: event.state,
      continues: event.continues,
      flood: toDbBool(event.flood),
      timeline: JSON.stringify(event.timeline),
      received_at: v.receivedAt,
      created_at: v.now,
      updated_at: v.now,
    }))
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({
          severity: newer('severity'),
          state: newer('state'),
          continues: sql<string | null>`COALESCE(incidents.continues, excluded.continues)`,
          flood: newer('flood'),
          timeline: newer('timeline'),
          camera_id: newer('camera_id'),
          rule_id: newer('rule_id'),
          zone_id: newer('zone_id'),
          label: newer('label'),
          score: newer('score'),
          track_id: newer('track_id'),
          started_at: newer('started_at'),
          detected_at: newer('detected_at'),
          ended_at: sql<number | null>`CASE WHEN excluded.facts_ts >= incidents.facts_ts THEN COALESCE(excluded.ended_at, incidents.ended_at) ELSE COALESCE(incidents.ended_at, excluded.ended_at) END`,
          box: newer('box'),
          snapshot_sha256: media('snapshot', 'snapshot_sha256'),
          snapshot_bytes: media('snapshot', 'snapshot_bytes'),
          clip_sha256: media('clip', 'clip_sha256'),
          clip_bytes: media('clip', 'clip_bytes'),
          clip_duration_ms: media('clip', 'clip_duration_ms'),
          facts_ts: greatest(dialect, sql.ref<number>('incidents.facts_ts'), sql.ref<number>('excluded.facts_ts')),
          updated_at: v.now,
        })
        .where('incidents.edge_id', '=', v.edgeId),
    )
    .execute();
}

/**
 * An object's facts follow the newest event (`newest`: this event is not older than the facts on
 * record); its picture is filled in and, until verified, replaced by a newer event's (the box found a
 * better one). A verified picture stays.
 */
export async function upsertObject(db: Kysely<Database>, incidentId: string, o: IncidentEvent['objects'][number], newest: boolean): Promise<void> {
  // typed any for the reason upsertIncident gives
  const kept = (column: keyof IncidentObjectsTable) => (newest ? sql.ref<any>(`excluded.${column}`) : sql.ref<any>(`incident_objects.${column}`));
  const picture = (column: 'snapshot_sha256' | 'snapshot_bytes') =>
    sql<any>`CASE WHEN incident_objects.snapshot_received_at IS NULL AND excluded.snapshot_sha256 IS NOT NULL
      AND (${sql.lit(newest)} OR incident_objects.snapshot_sha256 IS NULL) THEN ${sql.ref(`excluded.${column}`)} ELSE ${sql.ref(`incident_objects.${column}`)} END`;
  await db
    .insertInto('incident_objects')
    .values({
      incident_id: incidentId,
      track_id: o.trackId,
      label: o.label,
      score: o.score,
      zone_ids: JSON.stringify(o.zoneIds),
      rule_ids: JSON.stringify(o.ruleIds),
      first_seen_at: o.firstSeenAt,
      last_seen_at: o.lastSeenAt,
      box: JSON.stringify(o.box),
      snapshot_sha256: o.snapshot?.sha256 ?? null,
      snapshot_bytes: o.snapshot?.bytes ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['incident_id', 'track_id']).doUpdateSet({
        label: kept('label'),
        score: kept('score'),
        zone_ids: kept('zone_ids'),
        rule_ids: kept('rule_ids'),
        first_seen_at: kept('first_seen_at'),
        last_seen_at: kept('last_seen_at'),
        box: kept('box'),
        snapshot_bytes: picture('snapshot_bytes'),
        snapshot_sha256: picture('snapshot_sha256'),
      }),
    )
    .execute();
}

/** A clip part is written once on the box; an index already known changes only while unverified and only by a newer event. */
export async function upsertPart(db: Kysely<Database>, incidentId: string, p: IncidentEvent['clipParts'][number], newest: boolean): Promise<void> {
  await db
    .insertInto('incident_clip_parts')
    .values({ incident_id: incidentId, idx: p.index, start_ms: p.startMs, duration_ms: p.durationMs, sha256: p.sha256, bytes: p.bytes })
    .onConflict((oc) =>
      newest
        ? oc
            .columns(['incident_id', 'idx'])
            .doUpdateSet(fromExcluded(['start_ms', 'duration_ms', 'sha256', 'bytes']))
            .where('incident_clip_parts.received_at', 'is', null)
        : oc.columns(['incident_id', 'idx']).doNothing(),
    )
    .execute();
}

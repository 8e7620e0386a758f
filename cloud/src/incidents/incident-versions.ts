import type { IncidentEvent } from '@smart-commune/shared';
import type { Kysely } from 'kysely';
import type { QueryDatabase } from '../db/query/index.js';
import type { Database } from '../db/query/tables.js';
import type { IncidentRecord } from './incident-records.js';

/** What a box says about an incident: the event without its id. */
export type IncidentFacts = Omit<IncidentEvent, 'incidentId'>;

/**
 * A report from the box that differed from the facts on record once the incident was under review
 * or had a verified file: kept, never applied. Numbered from 2; version 1 is the facts on record.
 */
export interface IncidentVersion {
  version: number;
  eventId: string;
  /** The event's own timestamp, as the box sent it. */
  sentAt: number;
  receivedAt: number;
  /** Names of the facts that differ from the record (label, detectedAt, clip …). */
  changed: string[];
  facts: IncidentFacts;
}

/**
 * Evidence police have begun to handle, or whose file the cloud verified, is settled: from then on
 * a box may only complete it (its end, a file not announced before), not change it.
 */
export const isSettled = (incident: IncidentRecord): boolean =>
  incident.status !== 'new' || (incident.snapshot?.receivedAt ?? null) !== null || (incident.clip?.receivedAt ?? null) !== null;

const SCALARS = ['cameraId', 'ruleId', 'zoneId', 'label', 'score', 'trackId', 'startedAt', 'detectedAt'] as const;

/**
 * The facts of `event` that contradict the record. A value the record lacks (no end yet, a file
 * not announced yet) is being completed, not changed; a value the event lacks is a late resend of
 * an earlier report, which says nothing new.
 */
export function changedFacts(incident: IncidentRecord, event: IncidentEvent): string[] {
  const changed: string[] = SCALARS.filter((key) => incident[key] !== event[key]);
  const { box } = incident;
  if (box.x !== event.box.x || box.y !== event.box.y || box.width !== event.box.width || box.height !== event.box.height) changed.push('box');
  if (incident.endedAt !== null && event.endedAt !== null && incident.endedAt !== event.endedAt) changed.push('endedAt');
  const { snapshot, clip } = incident;
  if (snapshot && event.snapshot && (snapshot.sha256 !== event.snapshot.sha256 || snapshot.bytes !== event.snapshot.bytes)) changed.push('snapshot');
  if (clip && event.clip && (clip.sha256 !== event.clip.sha256 || clip.bytes !== event.clip.bytes || clip.durationMs !== event.clip.durationMs)) changed.push('clip');
  return changed;
}

/** The versions of each incident (deleted with the incident), through the query layer. */
export class IncidentVersions {
  constructor(private readonly q: QueryDatabase) {}

  /**
   * Stores the event as the incident's next version; returns its number. `db` is the transaction
   * the incident's row is locked in (IncidentStore.upsert), so two versions never get one number.
   */
  async add(input: { eventId: string; sentAt: number; receivedAt: number; event: IncidentEvent; changed: string[] }, db: Kysely<Database> = this.q.db): Promise<number> {
    const { incidentId, ...facts } = input.event;
    const last = await db
      .selectFrom('incident_versions')
      .select((eb) => eb.fn.max('version').as('version'))
      .where('incident_id', '=', incidentId)
      .executeTakeFirst();
    const version = (last?.version ?? 1) + 1;
    await db
      .insertInto('incident_versions')
      .values({
        incident_id: incidentId,
        version,
        event_id: input.eventId,
        sent_at: input.sentAt,
        received_at: input.receivedAt,
        facts: JSON.stringify(facts),
        changed: JSON.stringify(input.changed),
      })
      .execute();
    return version;
  }

  /** Oldest first. */
  async list(incidentId: string): Promise<IncidentVersion[]> {
    const rows = await this.q.db.selectFrom('incident_versions').selectAll().where('incident_id', '=', incidentId).orderBy('version').execute();
    return rows.map((r) => ({
      version: r.version,
      eventId: r.event_id,
      sentAt: r.sent_at,
      receivedAt: r.received_at,
      changed: JSON.parse(r.changed) as string[],
      facts: JSON.parse(r.facts) as IncidentFacts,
    }));
  }
}

import type { IncidentEvent } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import type { IncidentVersionsTable } from '../db/query/tables.js';
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

type Row = Omit<IncidentVersionsTable, 'incident_id'>;

/** The versions of each incident in SQLite (deleted with the incident). */
export class IncidentVersions {
  constructor(private readonly db: Db) {}

  /** Stores the event as the incident's next version; returns its number. */
  add(input: { eventId: string; sentAt: number; receivedAt: number; event: IncidentEvent; changed: string[] }): number {
    const { incidentId, ...facts } = input.event;
    const last = this.db.prepare('SELECT MAX(version) FROM incident_versions WHERE incident_id = ?').pluck().get(incidentId) as number | null;
    const version = (last ?? 1) + 1;
    this.db
      .prepare('INSERT INTO incident_versions (incident_id, version, event_id, sent_at, received_at, facts, changed) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(incidentId, version, input.eventId, input.sentAt, input.receivedAt, JSON.stringify(facts), JSON.stringify(input.changed));
    return version;
  }

  /** Oldest first. */
  list(incidentId: string): IncidentVersion[] {
    const rows = this.db.prepare('SELECT * FROM incident_versions WHERE incident_id = ? ORDER BY version').all(incidentId) as Row[];
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

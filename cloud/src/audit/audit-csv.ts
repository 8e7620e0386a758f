import { excelCsv } from '../http/csv.js';
import { isoInZone } from '../radio/schedules/local-time.js';
import type { AuditEntry } from './audit-log.js';

export const AUDIT_CSV_HEADER = ['id', 'time', 'actor', 'action', 'target', 'details', 'ip'];

/** The audit log as CSV for Excel: times in the zone as ISO 8601, details as JSON. */
export function auditCsv(entries: readonly AuditEntry[], zone: string): string {
  return excelCsv(
    AUDIT_CSV_HEADER,
    entries.map((e) => [e.id, isoInZone(e.at, zone), e.actor, e.action, e.target, e.details === null ? null : JSON.stringify(e.details), e.ip]),
  );
}

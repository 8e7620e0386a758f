import { excelCsv } from '../http/csv.js';
import { isoInZone } from '../radio/schedules/local-time.js';
import type { AuditEntry } from './audit-log.js';

export const AUDIT_CSV_HEADER = ['id', 'time', 'actor', 'action', 'target', 'details', 'ip', 'commune_code', 'commune'];

/** What the commune column says of the province's own entries (commune_code empty), as the console says it. */
export const PROVINCE_LEVEL = 'Cấp tỉnh';

/**
 * The audit log as CSV for Excel: times in the zone as ISO 8601, details as JSON, and the entry's
 * commune by code and name (issue 10; a commune since removed keeps its code as its name).
 * The commune columns come last, so a sheet built on the first seven keeps working.
 */
export function auditCsv(entries: readonly AuditEntry[], zone: string, communeNames: ReadonlyMap<string, string> = new Map()): string {
  return excelCsv(
    AUDIT_CSV_HEADER,
    entries.map((e) => [
      e.id,
      isoInZone(e.at, zone),
      e.actor,
      e.action,
      e.target,
      e.details === null ? null : JSON.stringify(e.details),
      e.ip,
      e.communeCode,
      e.communeCode === null ? PROVINCE_LEVEL : (communeNames.get(e.communeCode) ?? e.communeCode),
    ]),
  );
}

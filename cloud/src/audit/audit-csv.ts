import { isoInZone } from '../radio/schedules/local-time.js';
import type { AuditEntry } from './audit-log.js';

/** Byte order mark: without it Excel reads UTF-8 as the local code page and garbles Vietnamese. */
const BOM = '\uFEFF';

export const AUDIT_CSV_HEADER = ['id', 'time', 'actor', 'action', 'target', 'details', 'ip'];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text a spreadsheet
 * would run as a formula (= + - @ at the start) is prefixed with an apostrophe: actors, targets and
 * details can hold what a visitor typed (a login name).
 */
function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The audit log as CSV for Excel: BOM, header row, CRLF lines, times in the zone as ISO 8601, details as JSON. */
export function auditCsv(entries: readonly AuditEntry[], zone: string): string {
  const lines = [AUDIT_CSV_HEADER.map(field).join(',')];
  for (const e of entries) {
    lines.push([e.id, isoInZone(e.at, zone), e.actor, e.action, e.target, e.details === null ? null : JSON.stringify(e.details), e.ip].map(field).join(','));
  }
  return `${BOM}${lines.join('\r\n')}\r\n`;
}

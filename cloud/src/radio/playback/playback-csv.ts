import { isoInZone } from '../schedules/local-time.js';
import type { PlaybackRecord } from './playback-store.js';

/** Byte order mark: without it Excel reads UTF-8 as the local code page and garbles Vietnamese. */
const BOM = '\uFEFF';

export const PLAYBACK_CSV_HEADER = ['hamlet', 'edge', 'title', 'occurrence', 'state', 'planned start', 'actual start', 'offset ms', 'duration s', 'reason'];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (= + - @ at the start) is prefixed with an apostrophe.
 */
function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The proof-of-play log as CSV for Excel: BOM, header row, CRLF lines, times in the zone as ISO 8601. */
export function playbackCsv(records: readonly PlaybackRecord[], zone: string): string {
  const lines = [PLAYBACK_CSV_HEADER.map(field).join(',')];
  for (const r of records) {
    lines.push(
      [
        r.hamletName ?? r.hamletCode,
        r.edgeName,
        r.title,
        r.occurrenceId,
        r.state,
        isoInZone(r.plannedStartAt, zone),
        r.actualStartAt === null ? null : isoInZone(r.actualStartAt, zone),
        r.offsetMs,
        r.durationMs === null ? null : Math.round(r.durationMs / 100) / 10,
        r.reason,
      ]
        .map(field)
        .join(','),
    );
  }
  return `${BOM}${lines.join('\r\n')}\r\n`;
}

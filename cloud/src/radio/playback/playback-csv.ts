import { excelCsv } from '../../http/csv.js';
import { isoInZone } from '../schedules/local-time.js';
import type { PlaybackRecord } from './playback-store.js';

export const PLAYBACK_CSV_HEADER = ['hamlet', 'edge', 'title', 'occurrence', 'state', 'planned start', 'actual start', 'offset ms', 'duration s', 'reason'];

/** The proof-of-play log as CSV for Excel, times in the zone as ISO 8601. */
export function playbackCsv(records: readonly PlaybackRecord[], zone: string): string {
  return excelCsv(
    PLAYBACK_CSV_HEADER,
    records.map((r) => [
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
    ]),
  );
}

/**
 * The week calendar (what plays where, GET /schedules/occurrences and the console's calendar): every
 * occurrence of enabled schedules in a range, read through the query layer so that it runs the same
 * on SQLite and PostgreSQL. A commune's person gets their commune's items and the province's own that
 * reach their commune, each with their commune's hamlets only; the scope is applied in SQL, so a
 * commune's calendar reads its own items and the province's, never every commune's.
 */
import type { Scoped } from '../../communes/scope.js';
import { sees } from '../../communes/scope.js';
import { expandSeries, type Occurrence } from './recurrence.js';
import type { Schedule, ScheduleStore } from './schedule-store.js';
import { hamletsOf } from './targets.js';

export interface CalendarEntry {
  schedule: Schedule;
  occurrence: Occurrence;
  /** The hamlets it reaches (a commune's viewer: only their commune's). */
  hamlets: string[];
}

export interface CalendarQuery {
  /** Occurrences starting in [from, to), epoch ms. */
  from: number;
  to: number;
  /** Only those reaching this hamlet. */
  hamlet?: string;
  /** Absent: everything (the relay scheduler); a commune's person: their commune's view. */
  viewer?: Scoped;
}

/** The occurrences by start (then schedule id). */
export async function weekCalendar(store: ScheduleStore, { from, to, hamlet, viewer }: CalendarQuery): Promise<CalendarEntry[]> {
  const commune = viewer?.communeCode ?? null;
  const [schedules, places] = await Promise.all([store.list({ commune, enabledOnly: true }), store.places(commune)]);
  const result: CalendarEntry[] = [];
  for (const schedule of schedules) {
    if (viewer && !sees(viewer, schedule.communeCode)) continue;
    const hamlets = hamletsOf(schedule.targets, places.hamlets, places.hamletOfEdge, schedule.communeCode);
    if (commune !== null && hamlets.length === 0) continue; // a province programme for other communes
    if (hamlet !== undefined && !hamlets.includes(hamlet)) continue;
    for (const occurrence of expandSeries(schedule, from, to)) result.push({ schedule, occurrence, hamlets });
  }
  return result.sort((a, b) => a.occurrence.startAt - b.occurrence.startAt || a.schedule.id.localeCompare(b.schedule.id));
}

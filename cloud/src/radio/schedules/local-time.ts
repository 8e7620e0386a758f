import { DateTime, IANAZone } from 'luxon';

/**
 * A wall-clock time in some time zone, as the operator types it: `YYYY-MM-DDTHH:mm`, with optional
 * seconds (`:ss`) for automation that needs them.
 */
export interface LocalMinute {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const LOCAL_MINUTE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const isValidZone = (zone: string): boolean => IANAZone.isValidZone(zone);

/** The fields of `YYYY-MM-DDTHH:mm`, or null when it is malformed or not a real calendar minute. */
export function parseLocalMinute(text: string): LocalMinute | null {
  const m = LOCAL_MINUTE.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return null;
  // zone-free check of the calendar (31 February, 24:00 and the like)
  const fields = { year, month, day, hour, minute, second };
  return DateTime.fromObject(fields, { zone: 'UTC' }).isValid ? fields : null;
}

export const formatLocalMinute = (f: LocalMinute): string =>
  `${String(f.year).padStart(4, '0')}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}${f.second ? `:${pad(f.second)}` : ''}`;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The instant a wall-clock minute denotes in the zone. Luxon resolves the two DST oddities: a time in
 * a spring-forward gap moves forward by the gap, an ambiguous fall-back time takes the first offset.
 */
export function localToInstant(local: LocalMinute, zone: string): number {
  return DateTime.fromObject(local, { zone }).toMillis();
}

export function instantToLocal(ms: number, zone: string): LocalMinute {
  const t = DateTime.fromMillis(ms, { zone });
  return { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
}

/** ISO 8601 with the zone's offset, e.g. `2026-12-01T05:30:00.000+07:00`. */
export const isoInZone = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toISO()!;

/**
 * "Floating" time for RRULE expansion: the wall-clock fields stored as if they were UTC, so the
 * expansion never sees a zone; each result is turned into an instant in the real zone afterwards.
 */
export const toFloating = (f: LocalMinute): Date => new Date(Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second));

export const fromFloating = (d: Date): LocalMinute => ({
  year: d.getUTCFullYear(),
  month: d.getUTCMonth() + 1,
  day: d.getUTCDate(),
  hour: d.getUTCHours(),
  minute: d.getUTCMinutes(),
  second: d.getUTCSeconds(),
});

/**
 * A range bound given as a local date (`YYYY-MM-DD`, the day's start in the zone; as an end, the
 * next day's start so the day is included) or as an ISO 8601 date-time with an offset. Null when malformed.
 */
export function parseRangeBound(text: string, zone: string, bound: 'start' | 'end'): number | null {
  if (LOCAL_DATE.test(text)) {
    const day = DateTime.fromISO(text, { zone });
    if (!day.isValid) return null;
    return (bound === 'end' ? day.plus({ days: 1 }) : day).toMillis();
  }
  if (!/T.*(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
  const t = DateTime.fromISO(text, { setZone: true });
  return t.isValid ? t.toMillis() : null;
}

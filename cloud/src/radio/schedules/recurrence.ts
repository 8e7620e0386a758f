import rrulePkg from 'rrule';
import {
  formatLocalMinute,
  fromFloating,
  instantToLocal,
  localToInstant,
  parseLocalMinute,
  toFloating,
  type LocalMinute,
} from './local-time.js';

const { RRule } = rrulePkg;
type RRuleOptions = ReturnType<typeof RRule.parseString>;

/** Skip or move one occurrence, named by its original local start (iCalendar's RECURRENCE-ID). */
export interface OccurrenceException {
  occurrenceLocal: string;
  action: 'skip' | 'move';
  movedToLocal: string | null;
}

/** What expansion needs of a schedule: its first local start, zone, rule and exceptions. */
export interface Series {
  startsLocal: string;
  timeZone: string;
  /** RFC 5545 RRULE without DTSTART; null for a one-off. */
  rrule: string | null;
  exceptions: readonly OccurrenceException[];
}

export interface Occurrence {
  /** The rule's own local start: the occurrence's identity, kept when it is moved. */
  originalLocal: string;
  originalAt: number;
  startLocal: string;
  startAt: number;
  moved: boolean;
}

export class RecurrenceError extends Error {
  override name = 'RecurrenceError';
}

const ALLOWED_FREQS = new Set<number>([RRule.YEARLY, RRule.MONTHLY, RRule.WEEKLY, RRule.DAILY, RRule.HOURLY]);
const DAY_MS = 86_400_000;
/** How far ahead a schedule's next occurrence is looked for: one later than this counts as none. */
export const LOOKAHEAD_MS = 5 * 366 * DAY_MS;

/**
 * Checks an RRULE (optionally prefixed `RRULE:`) and returns it upper-cased without the prefix.
 * Refuses DTSTART (the schedule's local start carries it), unknown parts, sub-hourly frequencies,
 * and COUNT together with UNTIL (RFC 5545 forbids it).
 */
export function normalizeRrule(text: string): string {
  const rule = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  if (/DTSTART|[\r\n]/.test(rule)) throw new RecurrenceError('give the RRULE alone, without DTSTART: the schedule\'s startsLocal is its start');
  let options: RRuleOptions;
  try {
    options = RRule.parseString(rule);
  } catch (err) {
    throw new RecurrenceError(`not a valid RRULE: ${(err as Error).message}`);
  }
  if (options.freq === undefined || options.freq === null) throw new RecurrenceError('the RRULE needs FREQ (YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY)');
  if (!ALLOWED_FREQS.has(options.freq)) throw new RecurrenceError('FREQ must be YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY');
  if (options.interval !== undefined && !(Number.isInteger(options.interval) && options.interval >= 1)) throw new RecurrenceError('INTERVAL must be a whole number of at least 1');
  if (options.count !== undefined && options.count !== null && options.count < 1) throw new RecurrenceError('COUNT must be at least 1');
  if (options.count != null && options.until != null) throw new RecurrenceError('COUNT and UNTIL must not both be given');
  return rule;
}

/**
 * The rule in floating time. UNTIL with `Z` is an instant (RFC 5545) and becomes the zone's wall
 * clock; UNTIL without `Z` is read as the zone's wall clock, a bare date as the whole of that day.
 */
function floatingRule(series: Series & { rrule: string }) {
  const options = RRule.parseString(series.rrule);
  const until = /UNTIL=(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?(Z?)/.exec(series.rrule);
  if (until) {
    const [year, month, day, hour, minute, second] = until.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v)));
    if (until[7] === 'Z') {
      const instant = Date.UTC(year!, month! - 1, day!, hour ?? 0, minute ?? 0, second ?? 0);
      options.until = new Date(toFloating(instantToLocal(instant, series.timeZone)).getTime() + (second ?? 0) * 1000);
    } else {
      options.until = hour === undefined ? new Date(Date.UTC(year!, month! - 1, day!, 23, 59, 59)) : new Date(Date.UTC(year!, month! - 1, day!, hour, minute!, second!));
    }
  }
  return new RRule({ ...options, dtstart: toFloating(local(series.startsLocal)) });
}

function local(text: string): LocalMinute {
  const parsed = parseLocalMinute(text);
  if (!parsed) throw new RecurrenceError(`"${text}" is not a local time YYYY-MM-DDTHH:mm`);
  return parsed;
}

/** The rule's original local starts whose wall-clock time lies between the two floating bounds. */
function originalsBetween(series: Series, from: LocalMinute, to: LocalMinute): string[] {
  if (series.rrule === null) {
    const start = toFloating(local(series.startsLocal)).getTime();
    return start >= toFloating(from).getTime() && start <= toFloating(to).getTime() ? [series.startsLocal] : [];
  }
  return floatingRule({ ...series, rrule: series.rrule })
    .between(toFloating(from), toFloating(to), true)
    .map((d) => formatLocalMinute(fromFloating(d)));
}

/** True when the local time is one of the rule's own occurrences (before exceptions). */
export function isRuleOccurrence(series: Series, localText: string): boolean {
  const at = local(localText);
  return originalsBetween(series, at, at).includes(formatLocalMinute(at));
}

/**
 * Occurrences starting in [fromMs, toMs), after skips and moves, sorted by start. Expansion runs in
 * floating local time with a day of margin each side, then each wall-clock time becomes an instant
 * in the series' zone, so DST and any offset are handled by the zone database.
 */
export function expandSeries(series: Series, fromMs: number, toMs: number): Occurrence[] {
  if (toMs <= fromMs) return [];
  const zone = series.timeZone;
  const margin = (ms: number, days: number) => instantToLocal(ms + days * DAY_MS, zone);
  const exceptions = new Map(series.exceptions.map((e) => [e.occurrenceLocal, e]));
  const originals = new Set(originalsBetween(series, margin(fromMs, -1), margin(toMs, 1)));
  // a move may bring an occurrence from outside the expanded range into it
  for (const e of series.exceptions) {
    if (e.action === 'move' && !originals.has(e.occurrenceLocal) && isRuleOccurrence(series, e.occurrenceLocal)) originals.add(e.occurrenceLocal);
  }
  const result: Occurrence[] = [];
  for (const originalLocal of originals) {
    const exception = exceptions.get(originalLocal);
    if (exception?.action === 'skip') continue;
    const startLocal = exception?.action === 'move' && exception.movedToLocal ? exception.movedToLocal : originalLocal;
    const startAt = localToInstant(local(startLocal), zone);
    if (startAt < fromMs || startAt >= toMs) continue;
    result.push({ originalLocal, originalAt: localToInstant(local(originalLocal), zone), startLocal, startAt, moved: startLocal !== originalLocal });
  }
  return result.sort((a, b) => a.startAt - b.startAt || a.originalAt - b.originalAt);
}

/** The first occurrence starting at or after `fromMs`, looking ahead at most `horizonMs`. */
export function nextOccurrence(series: Series, fromMs: number, horizonMs: number): Occurrence | null {
  // look ahead in growing steps so a daily rule does not expand years of occurrences
  for (let span = 31 * DAY_MS; ; span *= 4) {
    const found = expandSeries(series, fromMs, fromMs + Math.min(span, horizonMs))[0];
    if (found || span >= horizonMs) return found ?? null;
  }
}

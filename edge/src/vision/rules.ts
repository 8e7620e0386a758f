import type { Track } from './tracker.js';

/** Local wall-clock times "HH:MM"; a window whose end is before its start crosses midnight (22:00-05:00). */
export interface TimeWindow {
  start: string;
  end: string;
}

export interface Rule {
  id: string;
  /** Only this camera; any camera when absent. */
  camera?: string;
  /** Only objects in this zone; anywhere in the picture when absent. */
  zone?: string;
  /** Only these labels (person, car...); any tracked object when absent. */
  classes?: readonly string[];
  /** Only within these local times; always when absent. */
  windows?: readonly TimeWindow[];
  /** Seconds an object must stay (in the zone) before it counts: loitering. Default 0. */
  minDwellSeconds?: number;
  /** After a hit, objects that qualify within this many seconds are not reported (nor later). Default 0. */
  cooldownSeconds?: number;
}

export interface RuleHit {
  ruleId: string;
  camera: string;
  zone: string | undefined;
  trackId: number;
  label: string;
  bestScore: number;
  /** When the object entered the zone (or appeared), ms since the epoch. */
  startMs: number;
  /** When the rule fired. */
  timeMs: number;
}

export interface RuleOptions {
  /** IANA time zone of the windows; default the commune's, Asia/Ho_Chi_Minh. */
  timeZone?: string;
}

/** Where the tracks stand: when a track entered a zone, undefined when it is not in it. */
export type ZoneEntry = (trackId: number, zoneId: string) => number | undefined;

export interface CompiledRule extends Rule {
  minutes: ReadonlyArray<readonly [number, number]>;
}

/**
 * Turns tracked objects into alerts: each rule reports a track at most once, when camera, zone,
 * class, time window and dwell all hold, unless the rule is cooling down after an earlier hit.
 */
export class RuleEngine {
  readonly rules: readonly CompiledRule[];
  private readonly clock: Intl.DateTimeFormat;
  /** Per rule and camera: tracks already reported or passed over, and the last hit. */
  private readonly state = new Map<string, { done: Set<number>; lastHitMs: number }>();

  constructor(rules: readonly Rule[], options: RuleOptions = {}) {
    this.clock = new Intl.DateTimeFormat('en-GB', { timeZone: options.timeZone ?? 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const ids = new Set<string>();
    this.rules = rules.map((rule) => {
      if (ids.has(rule.id)) throw new RangeError(`rule ${rule.id} is defined twice`);
      ids.add(rule.id);
      return { ...rule, minutes: (rule.windows ?? []).map((w) => [toMinutes(w.start, rule.id), toMinutes(w.end, rule.id)] as const) };
    });
  }

  /** The hits of this frame, for the confirmed tracks of one camera. */
  evaluate(camera: string, timeMs: number, tracks: readonly Track[], zoneEntry: ZoneEntry): RuleHit[] {
    const hits: RuleHit[] = [];
    let minuteOfDay: number | undefined;
    for (const rule of this.rules) {
      if (rule.camera !== undefined && rule.camera !== camera) continue;
      if (rule.minutes.length) {
        minuteOfDay ??= this.localMinutes(timeMs);
        if (!rule.minutes.some(([start, end]) => inWindow(minuteOfDay!, start, end))) continue;
      }
      const key = `${rule.id}\n${camera}`;
      let state = this.state.get(key);
      if (!state) this.state.set(key, (state = { done: new Set(), lastHitMs: -Infinity }));
      for (const track of tracks) {
        if (!track.confirmed || state.done.has(track.id)) continue;
        if (rule.classes && !rule.classes.includes(track.label)) continue;
        const startMs = rule.zone === undefined ? track.firstSeenMs : zoneEntry(track.id, rule.zone);
        if (startMs === undefined || timeMs - startMs < (rule.minDwellSeconds ?? 0) * 1000) continue;
        state.done.add(track.id);
        if (timeMs - state.lastHitMs < (rule.cooldownSeconds ?? 0) * 1000) continue;
        state.lastHitMs = timeMs;
        hits.push({ ruleId: rule.id, camera, zone: rule.zone, trackId: track.id, label: track.label, bestScore: track.bestScore, startMs, timeMs });
      }
    }
    return hits;
  }

  /** Drops what is known of an ended track. */
  forget(camera: string, trackId: number): void {
    for (const [key, state] of this.state) if (key.endsWith(`\n${camera}`)) state.done.delete(trackId);
  }

  private localMinutes(timeMs: number): number {
    let hour = 0;
    let minute = 0;
    for (const part of this.clock.formatToParts(timeMs)) {
      if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
    }
    return hour * 60 + minute;
  }
}

function toMinutes(hhmm: string, ruleId: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`rule ${ruleId}: time "${hhmm}" is not HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** start == end is the whole day; start > end crosses midnight. */
export function inWindow(minute: number, start: number, end: number): boolean {
  if (start === end) return true;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

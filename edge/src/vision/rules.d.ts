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
export declare class RuleEngine {
    readonly rules: readonly CompiledRule[];
    private readonly clock;
    /** Per rule and camera: tracks already reported or passed over, and the last hit. */
    private readonly state;
    constructor(rules: readonly Rule[], options?: RuleOptions);
    /** The hits of this frame, for the confirmed tracks of one camera. */
    evaluate(camera: string, timeMs: number, tracks: readonly Track[], zoneEntry: ZoneEntry): RuleHit[];
    /** Drops what is known of an ended track. */
    forget(camera: string, trackId: number): void;
    private localMinutes;
}
/** start == end is the whole day; start > end crosses midnight. */
export declare function inWindow(minute: number, start: number, end: number): boolean;
//# sourceMappingURL=rules.d.ts.map
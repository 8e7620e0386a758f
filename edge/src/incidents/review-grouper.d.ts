import { type IncidentObject, type ReviewSettings, type ReviewSeverity, type TimelineEntry } from '@smart-commune/shared';
/** A box in normalised picture coordinates (0..1). */
export interface NormalisedBox {
    x: number;
    y: number;
    width: number;
    height: number;
}
/** A rule matched a tracked object (what the pipeline's rule-hit says, normalised). */
export interface MatchedObject {
    trackId: number;
    label: string;
    score: number;
    ruleId: string;
    zoneId: string | null;
    severity: ReviewSeverity;
    /** When it appeared (or entered the rule's zone). */
    startMs: number;
    /** When the rule fired. */
    timeMs: number;
    box: NormalisedBox;
}
/** An object of an item as the contract reports it (without its picture, which the incidents layer adds). */
export interface GroupedObject extends Omit<IncidentObject, 'snapshot'> {
    /** Moving and still in the picture: keeps the item open. */
    active: boolean;
}
/** The item as the grouper sees it: what the box reports, without files. */
export interface GroupedItem {
    /** Numbered by the grouper; the incidents layer gives each its incidentId. */
    seq: number;
    cameraId: string;
    /** The item this one continues (it reached the maximum length). */
    continues: number | null;
    severity: ReviewSeverity;
    /** The object whose rule opened it, with that rule and zone. */
    main: {
        trackId: number;
        ruleId: string;
        zoneId: string | null;
    };
    startedAt: number;
    detectedAt: number;
    /** Last activity: the latest time an object was seen active. */
    lastActivityAt: number;
    objects: GroupedObject[];
    timeline: TimelineEntry[];
    flood: boolean;
    state: 'open' | 'closed';
}
export type GroupChange = {
    type: 'opened';
    item: GroupedItem;
    trackId: number;
} | {
    type: 'joined';
    item: GroupedItem;
    trackId: number;
} | {
    type: 'updated';
    item: GroupedItem;
} | {
    type: 'closed';
    item: GroupedItem;
};
/** A flood warning: more items in the last hour than the camera's limit, with the fix suggested. */
export interface FloodState {
    since: number;
    itemsLastHour: number;
    limit: number;
    suggestion: FloodSuggestion;
}
export interface FloodSuggestion {
    fix: 'zone' | 'mask' | 'cooldown' | 'min-size';
    ruleId: string;
    label: string;
    zoneId: string | null;
    /** The area where the triggering objects were (normalised), for a mask or a zone. */
    area: NormalisedBox;
    /** What to do, for a technician (Vietnamese first). */
    advice: string;
}
/** What opened each item of the last hour, for the flood suggestion. */
interface Trigger {
    at: number;
    ruleId: string;
    label: string;
    zoneId: string | null;
    box: NormalisedBox;
    /** The object had been stationary before (a parked vehicle moving a little). */
    wasStationary: boolean;
}
/**
 * Groups one camera's matched objects into review items (Frigate's review segments): an item opens
 * when a rule first fires, takes in every object a rule matches while it lasts, and closes
 * `closeAfterSeconds` after its last active object left or stopped moving, or at `maxSeconds`, when a
 * new item continues it if objects are still active. Pure: time comes in with each call.
 */
export declare class ReviewGrouper {
    private readonly cameraId;
    private settings;
    private item;
    private seq;
    /** Tracks a rule matched, until they end: a matched object that moves again reopens activity. */
    private readonly matched;
    private readonly triggers;
    private flood;
    /** Told each time an item opens in a flood (the box logs it). */
    onFlood?: (flood: FloodState) => void;
    constructor(cameraId: string, settings: ReviewSettings, options?: {
        firstSeq?: number;
    });
    get current(): GroupedItem | null;
    get floodState(): FloodState | null;
    /** Items opened in the hour before `nowMs`. */
    itemsLastHour(nowMs: number): number;
    configure(settings: ReviewSettings): void;
    /** A rule matched an object: it opens an item or joins the open one. */
    hit(hit: MatchedObject): GroupChange[];
    /** The tracker's news of an object: it stopped moving, moved again, or is gone. */
    track(kind: 'stationary' | 'moving' | 'end', trackId: number, timeMs: number): GroupChange[];
    /**
     * Time passes: a quiet item closes `closeAfterSeconds` after its last activity (in a flood, not before
     * its maximum length, so activity merges); any item closes at `maxSeconds`, continued if still active.
     */
    tick(nowMs: number): GroupChange[];
    /**
     * The camera's stream was reopened or stopped: its tracker starts again (track numbers from 1), so
     * every object followed so far has left the picture as far as the items know.
     */
    reset(nowMs: number): GroupChange[];
    /** Takes up an item that was open when the box stopped (its objects are gone: their tracks did not survive). */
    resume(item: GroupedItem): void;
    private open;
    private addObject;
    private activate;
    private line;
    /** More items in the last hour than the limit: a warning with the fix suggested from what opened them. */
    private updateFlood;
}
/**
 * The likeliest fix for a flood, from what opened the hour's items: the commonest rule, label and zone;
 * parked objects moving a little → a cooldown; small boxes (far away, or leaves) → a minimum size; a
 * rule without a zone → a zone around where things happen; otherwise a mask over that area.
 */
export declare function suggestFix(triggers: readonly Trigger[]): FloodSuggestion;
export {};
//# sourceMappingURL=review-grouper.d.ts.map
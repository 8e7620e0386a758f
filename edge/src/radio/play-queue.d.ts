import type { PlanItem, RadioSettings } from '@smart-commune/shared';
import type { ItemPreparer } from './item-preparer.js';
import type { PlaybackJournal } from './journal.js';
import type { PlaybackReporter } from './playback-reporter.js';
import { type Entry, type QueueItem } from './player-entry.js';
import { type LatenessLimits } from './queue.js';
export interface PlayQueueDeps {
    journal: PlaybackJournal;
    reporter: PlaybackReporter;
    preparer: ItemPreparer;
    lateness: LatenessLimits;
    interruptedPolicy(): RadioSettings['interruptedPolicy'];
    /** The zones of an item that exist on this edge. */
    targetZones(e: Entry): string[];
    /** The occurrence playing now, if any. */
    playingId(): string | null;
}
/** What waits to play: admission of plan and ad-hoc items (each occurrence once), lateness limits, the next to start. */
export declare class PlayQueue {
    private readonly deps;
    private readonly entries;
    private seq;
    constructor(deps: PlayQueueDeps);
    get size(): number;
    all(): Entry[];
    has(e: Entry): boolean;
    newEntry(item: QueueItem, fromPlan: boolean): Entry;
    /** Puts an entry (back) in the queue: an ad-hoc item, or an interrupted one to resume. */
    put(e: Entry): void;
    /** Takes an entry out of the queue (it starts), keeping its audio. */
    take(e: Entry): void;
    /** Takes an entry out of the queue and lets go of its audio. */
    drop(e: Entry): void;
    clear(): void;
    /** Plan entries no longer in the plan (nor alerts still on, nor items someone waits for) leave the queue. */
    dropStalePlanEntries(planIds: ReadonlySet<string>): void;
    /** Drops the waiting entries whose occurrence id starts with `prefix` (an alert's), but those in `keep`. */
    dropPrefixed(prefix: string, keep: ReadonlySet<string> | null): void;
    admit(item: PlanItem, how: {
        fromPlan: boolean;
        now: number;
        missedReason: string | null;
    }): void;
    /** The last instant an entry may start (or resume); past it, it is missed. */
    deadline(e: Entry): number;
    /** Reports as missed, and drops, every entry past its deadline; `busyWith` is what held the timeline. */
    expireMissed(now: number, busyWith: Entry | null): void;
    /** The due and ready entry that goes first (see queue.ts for the order). */
    best(now: number): Entry | null;
    private isAdhocAlert;
    private cancelledAlert;
}
//# sourceMappingURL=play-queue.d.ts.map
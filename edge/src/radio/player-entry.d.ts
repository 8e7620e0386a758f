import type { PlanItem, PlaybackEvent, PlaySource } from '@smart-commune/shared';
import type { LiveDecoder } from './decode.js';
/** A queued item: a plan item, or an ad-hoc one whose PCM is given (test tone). */
export type QueueItem = Omit<PlanItem, 'source'> & {
    source: PlaySource | {
        kind: 'pcm';
    };
};
/** An item in the player's queue with what the player knows of it. */
export interface Entry {
    item: QueueItem;
    seq: number;
    fromPlan: boolean;
    /** Waiting for its first start, or interrupted and waiting to resume. */
    status: 'pending' | 'suspended';
    pcm: Buffer | null;
    live: LiveDecoder | null;
    preparing: boolean;
    /** A transient problem (asset not downloaded yet, relay not answering): retried at retryAt. */
    problem: string | null;
    retryAt: number;
    offsetFrames: number;
    actualStartAt: number | null;
    interruptedAt: number | null;
    /** Ad-hoc items never resume after an interruption (a test tone is not worth resuming). */
    resumable: boolean;
    latenessMs: number | null;
    listeners: Array<(event: PlaybackEvent) => void>;
}
export declare function newEntry(item: QueueItem, seq: number, fromPlan: boolean): Entry;
export declare function rankOf(e: Entry): {
    priority: "normal" | "priority" | "emergency";
    startAt: number;
    seq: number;
};
/** Same key: same audio (a plan reload that keeps it keeps the decoded PCM). */
export declare function sourceKey(source: QueueItem['source']): string;
/** The alert id of an alert occurrence (`alert:{alertId}:{n}`), null for anything else. */
export declare function alertIdOf(occurrenceId: string): string | null;
//# sourceMappingURL=player-entry.d.ts.map
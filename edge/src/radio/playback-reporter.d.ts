import type { PlaybackEvent } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { OccurrenceRecord, PlaybackJournal } from './journal.js';
import type { Entry } from './player-entry.js';
export type FinalState = 'completed' | 'interrupted' | 'missed' | 'failed';
export interface EventDetails {
    actualStartAt?: number | null;
    durationMs?: number;
    reason?: string | null;
    zones: string[] | null;
}
/** Proof of play: every state change of an occurrence, reported and remembered in the journal. */
export declare class PlaybackReporter {
    private readonly journal;
    private readonly onPlayback;
    private readonly logger;
    constructor(journal: PlaybackJournal, onPlayback: (event: PlaybackEvent) => void, logger: Logger | undefined);
    /** Remembers where an occurrence is (playing, suspended) so a restart knows. */
    remember(e: Entry, state: OccurrenceRecord['state']): void;
    /** A final state: reported and remembered so neither a plan reload nor a restart repeats it. */
    finish(e: Entry, state: FinalState, details: EventDetails): void;
    emit(e: Entry, state: PlaybackEvent['state'], details: EventDetails): void;
}
//# sourceMappingURL=playback-reporter.d.ts.map
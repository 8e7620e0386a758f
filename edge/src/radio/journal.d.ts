/** What the player remembers of an occurrence across restarts. */
export interface OccurrenceRecord {
    /** playing: its audio was leaving; suspended: interrupted, to resume at offsetFrames; done: final event sent. */
    state: 'playing' | 'suspended' | 'done';
    plannedStartAt: number;
    actualStartAt: number | null;
    /** Frames (10 ms) already played. */
    offsetFrames: number;
    interruptedAt: number | null;
    /** Wall-clock ms of the last change (pruning). */
    at: number;
}
export interface AlertRecord {
    version: number;
    cancelled: boolean;
    at: number;
}
/** Occurrences handled and alert versions seen, so a restart neither replays nor reports "missed" twice. */
export interface PlaybackJournal {
    occurrence(id: string): OccurrenceRecord | undefined;
    setOccurrence(id: string, record: OccurrenceRecord): void;
    alert(id: string): AlertRecord | undefined;
    setAlert(id: string, record: AlertRecord): void;
    occurrences(): Array<[string, OccurrenceRecord]>;
}
interface JournalData {
    occurrences: Record<string, OccurrenceRecord>;
    alerts: Record<string, AlertRecord>;
}
export declare class MemoryJournal implements PlaybackJournal {
    protected readonly retentionMs: number;
    protected data: JournalData;
    constructor(retentionMs?: number);
    occurrence(id: string): OccurrenceRecord | undefined;
    setOccurrence(id: string, record: OccurrenceRecord): void;
    alert(id: string): AlertRecord | undefined;
    setAlert(id: string, record: AlertRecord): void;
    occurrences(): Array<[string, OccurrenceRecord]>;
    protected prune(): void;
    protected changed(): void;
}
/** A JSON file (written atomically through a temporary file and rename), e.g. `{dataDir}/radio/journal.json`. */
export declare class FileJournal extends MemoryJournal {
    readonly path: string;
    constructor(path: string, retentionMs?: number);
    protected changed(): void;
}
export {};
//# sourceMappingURL=journal.d.ts.map
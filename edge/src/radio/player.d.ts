import { type AlertMessage, type PlanItem, type PlaybackEvent, type Priority, type RadioSettings, type ScheduleBody, type Speaker } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { type EdgeIdentity } from './alerts.js';
import type { AssetCache } from './asset-cache.js';
import type { DriverOptions, SpeakerHealth } from './drivers/index.js';
import { type PlaybackJournal } from './journal.js';
import type { QueueItem } from './player-entry.js';
import { type LatenessLimits } from './queue.js';
import { type PlayerClock } from './timing.js';
export type { QueueItem } from './player-entry.js';
export interface RadioPlayerOptions {
    clock: PlayerClock;
    cache: AssetCache;
    /** Proof of play: every state change of an occurrence (the daemon puts it in the Outbox). */
    onPlayback: (event: PlaybackEvent) => void;
    /** Remembers occurrences across restarts; default in memory only. Use FileJournal on a box. */
    journal?: PlaybackJournal;
    settings?: RadioSettings;
    logger?: Logger;
    /** Assets are decoded to PCM this long before their start. Default 10 s. */
    decodeAheadMs?: number;
    /** Live relays are started this long before their window. Default 3 s. */
    streamLeadMs?: number;
    /** A relay is ready once this much audio is buffered. Default 500 ms. */
    streamPrebufferMs?: number;
    /** Lateness limits by priority (see queue.ts). */
    lateness?: Partial<LatenessLimits>;
    /** The start timer fires this long before a start, then the last stretch is waited precisely. Default 80 ms. */
    armLeadMs?: number;
    /** A missing asset is asked for again after this long. Default 15 s. */
    retryMs?: number;
    ffmpegPath?: string;
    driverOptions?: DriverOptions;
}
export interface PlayerStatus {
    playing: {
        occurrenceId: string;
        title: string;
        priority: Priority;
        actualStartAt: number | null;
        zones: string[];
    } | null;
    queued: Array<{
        occurrenceId: string;
        startAt: number;
        priority: Priority;
        status: 'pending' | 'suspended';
        ready: boolean;
        problem: string | null;
    }>;
    speakers: Array<{
        zone: string;
        driver: Speaker['driver'];
        target: string;
        health: SpeakerHealth;
    }>;
}
/**
 * The edge player: one output timeline for all the edge's zones, fed 10 ms frames paced from each
 * item's absolute start on the monotonic clock. See queue.ts for the priority rules.
 */
export declare class RadioPlayer {
    private readonly clock;
    private readonly cache;
    private readonly clockMap;
    private readonly journal;
    private readonly lateness;
    private readonly outputs;
    private readonly preparer;
    private readonly reporter;
    private readonly startTimer;
    private settings;
    private readonly queue;
    private session;
    private loadedOnce;
    private stopped;
    private wakeTimer;
    constructor(options: RadioPlayerOptions);
    /** Applies `config.radio`: speakers (drivers opened/closed as they change), policy, cache cap. */
    configure(settings: RadioSettings): Promise<void>;
    zones(): string[];
    status(): PlayerStatus;
    /** Polls every speaker's health now (drivers also poll on their own) and returns the result. */
    checkSpeakers(): Promise<PlayerStatus['speakers']>;
    /** Applies `desired/schedule`: replaces the plan. Ad-hoc items (alerts by broadcast, test tones) stay. */
    load(body: ScheduleBody): void;
    /** Adds one item now (an alert occurrence, a manual play). Same occurrenceId as a queued or played one: ignored. */
    enqueue(item: PlanItem): void;
    /**
     * Handles `sc/v1/broadcast/alert`. Start: its repetitions are queued when this edge is a target
     * (each occurrence plays once even when the plan brings it too). Cancel (or a newer version that no
     * longer targets this edge): waiting repetitions are dropped and a playing one stops.
     */
    handleAlert(msg: AlertMessage, self: EdgeIdentity): void;
    /**
     * Plays given PCM as an ad-hoc item (test tone). Resolves with its `started` event; rejects when it
     * is missed (it could not start within `latenessMs`) or fails.
     */
    playPcm(item: Omit<QueueItem, 'source'>, pcm: Buffer, latenessMs: number): Promise<PlaybackEvent>;
    /** Stops playing (the item is reported interrupted and, by policy, resumes after a restart) and closes the drivers. */
    stop(): Promise<void>;
    private inputsChanged;
    private targetZones;
    /** Decides what plays now and arms the timers for what comes next. `at`: a precise start instant. */
    private reschedule;
    private armTimers;
    /** Starts (or resumes) an entry with its first sample at startHr; false when it could not start. */
    private startSession;
    private onFirstFrame;
    /** The item ran out (its last frame ended at endHr); the next due item starts at that very instant. */
    private complete;
    /** Stops the playing item now: suspended (to resume) or finished. */
    private cut;
}
//# sourceMappingURL=player.d.ts.map
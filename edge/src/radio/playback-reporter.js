/** Proof of play: every state change of an occurrence, reported and remembered in the journal. */
export class PlaybackReporter {
    journal;
    onPlayback;
    logger;
    constructor(journal, onPlayback, logger) {
        this.journal = journal;
        this.onPlayback = onPlayback;
        this.logger = logger;
    }
    /** Remembers where an occurrence is (playing, suspended) so a restart knows. */
    remember(e, state) {
        this.journal.setOccurrence(e.item.occurrenceId, { state, plannedStartAt: e.item.startAt, actualStartAt: e.actualStartAt, offsetFrames: e.offsetFrames, interruptedAt: e.interruptedAt, at: Date.now() });
    }
    /** A final state: reported and remembered so neither a plan reload nor a restart repeats it. */
    finish(e, state, details) {
        this.remember(e, 'done');
        this.emit(e, state, { actualStartAt: e.actualStartAt, ...details });
    }
    emit(e, state, details) {
        const event = {
            occurrenceId: e.item.occurrenceId,
            scheduleId: e.item.scheduleId,
            bulletinId: e.item.bulletinId,
            state,
            plannedStartAt: e.item.startAt,
            actualStartAt: details.actualStartAt ?? null,
            durationMs: details.durationMs ?? null,
            reason: details.reason ? details.reason.slice(0, 500) : null,
            zones: details.zones,
        };
        this.logger?.info({ occurrenceId: event.occurrenceId, state: event.state, reason: event.reason }, 'playback');
        try {
            this.onPlayback(event);
        }
        catch (err) {
            this.logger?.error({ err: err.message }, 'onPlayback failed');
        }
        for (const l of e.listeners)
            l(event);
    }
}
//# sourceMappingURL=playback-reporter.js.map
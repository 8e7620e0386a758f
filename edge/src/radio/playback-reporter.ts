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
export class PlaybackReporter {
  constructor(
    private readonly journal: PlaybackJournal,
    private readonly onPlayback: (event: PlaybackEvent) => void,
    private readonly logger: Logger | undefined,
  ) {}

  /** Remembers where an occurrence is (playing, suspended) so a restart knows. */
  remember(e: Entry, state: OccurrenceRecord['state']): void {
    this.journal.setOccurrence(e.item.occurrenceId, { state, plannedStartAt: e.item.startAt, actualStartAt: e.actualStartAt, offsetFrames: e.offsetFrames, interruptedAt: e.interruptedAt, at: Date.now() });
  }

  /** A final state: reported and remembered so neither a plan reload nor a restart repeats it. */
  finish(e: Entry, state: FinalState, details: EventDetails): void {
    this.remember(e, 'done');
    this.emit(e, state, { actualStartAt: e.actualStartAt, ...details });
  }

  emit(e: Entry, state: PlaybackEvent['state'], details: EventDetails): void {
    const event: PlaybackEvent = {
      occurrenceId: e.item.occurrenceId,
      scheduleId: e.item.scheduleId,
      bulletinId: e.item.bulletinId,
      state,
      plannedStartAt: e.item.startAt,
      actualStartAt: details.actualStartAt ?? null,
      durationMs: details.durationMs ?? null,
      reason: details.reason ? details.reason.slice(0, 500) : null,
      zones: details.zones,
      priority: e.item.priority,
    };
    this.logger?.info({ occurrenceId: event.occurrenceId, state: event.state, reason: event.reason }, 'playback');
    try {
      this.onPlayback(event);
    } catch (err) {
      this.logger?.error({ err: (err as Error).message }, 'onPlayback failed');
    }
    for (const l of e.listeners) l(event);
  }
}

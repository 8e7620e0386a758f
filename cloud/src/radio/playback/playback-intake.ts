import type { Logger } from '@smart-commune/shared/runtime';
import type { StoredEvent } from '../../fleet/edge-events.js';
import type { CloudMetrics } from '../../metrics.js';
import type { AlertLead } from '../alerts/alert-lead.js';
import type { PlaybackStore } from './playback-store.js';

export interface PlaybackIntakeDeps {
  playback: PlaybackStore;
  lead: AlertLead;
  /** Resolves once the plans being compiled now are recorded (PlanPublisher.settled). */
  plansSettled(): Promise<void>;
  metrics: CloudMetrics;
  logger: Logger;
}

/**
 * Proof of play from the boxes: stored when the box was given the occurrence in a plan; refused,
 * logged and counted otherwise (a box naming a draft bulletin would make it a public notice).
 */
export class PlaybackIntake {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: PlaybackIntakeDeps) {}

  /** The fleet's `playback` listener. */
  readonly onEvent = ({ edgeId, message }: StoredEvent<'playback'>): void => {
    const work = this.handle(edgeId, message)
      .catch((err: unknown) => this.deps.logger.error({ err, edgeId, eventId: message.eventId }, 'failed to store a playback event'))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  };

  /** Stores the events that arrived while nobody listened; those of occurrences never given stay out. */
  catchUp(): number {
    const { stored, leftOut } = this.deps.playback.catchUp();
    if (leftOut > 0) this.deps.logger.warn({ leftOut }, 'playback events of occurrences their box was never given: not stored');
    return stored;
  }

  /** Resolves when no event is being handled. */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private async handle(edgeId: string, message: StoredEvent<'playback'>['message']): Promise<void> {
    const { playback, lead, metrics, logger } = this.deps;
    let outcome = playback.store(edgeId, message.eventId);
    if (outcome === 'not_given') {
      // an alert sounds from its broadcast, possibly before the plans carrying it are recorded
      await this.deps.plansSettled();
      outcome = playback.store(edgeId, message.eventId);
    }
    if (outcome === 'stored') lead.observe(message.body);
    if (outcome !== 'not_given') return;
    metrics.playbackRefused.inc();
    const { occurrenceId, scheduleId, bulletinId } = message.body;
    logger.warn({ edgeId, eventId: message.eventId, occurrenceId, scheduleId, bulletinId }, 'proof of play for an occurrence the box was never given: refused');
  }
}

import type { Logger } from '@smart-commune/shared/runtime';
import type { BoxEvent } from '../../events/domain-events.js';
import type { DomainEventBus } from '../../events/event-bus.js';
import type { CloudMetrics } from '../../metrics.js';
import type { AlertLead } from '../alerts/alert-lead.js';
import type { PlaybackStore } from './playback-store.js';

export interface PlaybackIntakeDeps {
  playback: PlaybackStore;
  lead: AlertLead;
  /** Resolves once the plans being compiled now are recorded (PlanPublisher.settled). */
  plansSettled(): Promise<void>;
  bus: DomainEventBus;
  metrics: CloudMetrics;
  logger: Logger;
}

/**
 * Proof of play from the boxes: stored when the box was given the occurrence in a plan; refused,
 * logged and counted otherwise (a box naming a draft bulletin would make it a public notice). An
 * alert's first start in a hamlet is published (`alert.delivered`).
 */
export class PlaybackIntake {
  constructor(private readonly deps: PlaybackIntakeDeps) {}

  /** The radio's `edge.event.playback` handler. */
  async onEvent({ edgeId, eventId, body }: BoxEvent<'playback'>): Promise<void> {
    const { playback, lead, metrics, logger } = this.deps;
    let outcome = await playback.store(edgeId, eventId);
    if (outcome === 'not_given') {
      // an alert sounds from its broadcast, possibly before the plans carrying it are recorded
      await this.deps.plansSettled();
      outcome = await playback.store(edgeId, eventId);
    }
    if (outcome === 'stored') {
      lead.observe(body);
      const delivered = await playback.alertDelivery(eventId);
      if (delivered) this.deps.bus.publish('alert.delivered', delivered);
    }
    if (outcome !== 'not_given') return;
    metrics.playbackRefused.inc();
    const { occurrenceId, scheduleId, bulletinId } = body;
    logger.warn({ edgeId, eventId, occurrenceId, scheduleId, bulletinId }, 'proof of play for an occurrence the box was never given: refused');
  }

  /** Stores the events that arrived while nobody listened; those of occurrences never given stay out. */
  async catchUp(): Promise<number> {
    const { stored, leftOut } = await this.deps.playback.catchUp();
    if (leftOut > 0) this.deps.logger.warn({ leftOut }, 'playback events of occurrences their box was never given: not stored');
    return stored;
  }
}

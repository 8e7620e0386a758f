import { topics, type StoredEvents } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { BrokerLink } from '../broker/link.js';

/** Ids per message: a box flushing its backlog (10 a second) gets one confirmation per batch, well under the payload cap. */
const MAX_IDS = 200;

interface Batch {
  eventIds: string[];
  refused: StoredEvents['refused'];
}

/**
 * Tells each box which of its events the cloud has stored (`sc/v1/edges/{id}/stored`, contract
 * revision 4, `events.confirmed`), so its outbox forgets them only then: the broker's PUBACK only
 * says the broker has the message, and a broker killed before it saved or forwarded it loses it.
 * Confirmations are gathered for `delayMs` and sent one message per box. A lost confirmation costs a
 * resend, which the cloud stores once by eventId and confirms again. Boxes older than the feature
 * never subscribe to the topic, and the broker drops what nobody reads.
 */
export class StoredConfirmations {
  private readonly pending = new Map<string, Batch>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly broker: BrokerLink,
    private readonly logger: Logger,
    private readonly delayMs = 100,
  ) {}

  /** The event is in the database (stored now, or already there: a resend). */
  stored(edgeId: string, eventId: string): void {
    this.batchOf(edgeId).eventIds.push(eventId);
    this.schedule(edgeId);
  }

  /** The event can never be stored (its payload breaks the contract): the box drops it and logs why. */
  refused(edgeId: string, eventId: string, reason: string): void {
    this.batchOf(edgeId).refused.push({ eventId, reason: reason.slice(0, 500) });
    this.schedule(edgeId);
  }

  /** Sends what is gathered (at stop, so what was stored is confirmed). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batches = [...this.pending];
    this.pending.clear();
    await Promise.all(batches.map(([edgeId, batch]) => this.send(edgeId, batch)));
  }

  private batchOf(edgeId: string): Batch {
    let batch = this.pending.get(edgeId);
    if (!batch) this.pending.set(edgeId, (batch = { eventIds: [], refused: [] }));
    return batch;
  }

  private schedule(edgeId: string): void {
    const batch = this.pending.get(edgeId)!;
    if (batch.eventIds.length + batch.refused.length >= MAX_IDS) {
      this.pending.delete(edgeId);
      void this.send(edgeId, batch);
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    this.timer.unref();
  }

  private async send(edgeId: string, batch: Batch): Promise<void> {
    const message: StoredEvents = { ts: Date.now(), eventIds: batch.eventIds, refused: batch.refused };
    // a failed publish (broker away) is a resend from the box later, never a loss
    await this.broker.publish(topics.stored(edgeId), JSON.stringify(message), { qos: 1, retain: false }).catch((err: Error) => {
      this.logger.debug({ edgeId, err: err.message, events: batch.eventIds.length }, 'stored-events confirmation not published; the box will send them again');
    });
  }
}

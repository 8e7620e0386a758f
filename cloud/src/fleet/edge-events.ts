import type { EventKind, EventMessage } from '@smart-commune/shared';
import type { QueryDatabase } from '../db/query/index.js';
import { insertEdgeEvent } from '../db/query/fleet-queries.js';
import type { BoxEvent, DomainEvents } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { BoxChains } from './box-chains.js';

/**
 * Facts from edges (`events/{kind}`), stored once per eventId however often an outbox resends them,
 * then published on the domain event bus as `edge.event.{kind}`: domains see each event exactly once.
 * The store is one `INSERT … ON CONFLICT DO NOTHING` (fleet-queries.ts): of several cloud processes
 * receiving one resend, only the one whose insert stored it publishes. Each box's events are stored
 * and published in the order they arrived (one chain per box), as its outbox sent them.
 */
export class EdgeEvents {
  private readonly chains = new BoxChains();

  constructor(
    private readonly q: QueryDatabase,
    private readonly bus: DomainEventBus,
  ) {}

  /** Stores the event and publishes it after the box's earlier events; resolves false for a duplicate (already stored). */
  record<K extends EventKind>(edgeId: string, kind: K, message: EventMessage<K>): Promise<boolean> {
    // a failed insert is the caller's to report; the box's next event still runs after it
    return this.chains.run(edgeId, async () => {
      const inserted = await insertEdgeEvent(this.q, { eventId: message.eventId, edgeId, kind, ts: message.ts, body: message.body });
      if (inserted) {
        const event: BoxEvent<K> = { edgeId, eventId: message.eventId, ts: message.ts, body: message.body };
        // TypeScript cannot narrow the name `edge.event.${K}` to its entry for a generic K; the entry is BoxEvent<K>
        this.bus.publish(`edge.event.${kind}`, event as DomainEvents[`edge.event.${K}`]);
      }
      return inserted;
    });
  }

  /** Resolves when every event received so far is stored and published (at stop, before the database closes). */
  settled(): Promise<void> {
    return this.chains.settled();
  }

  async list(edgeId: string, limit = 100): Promise<{ eventId: string; kind: string; ts: number; receivedAt: number; body: unknown }[]> {
    const rows = await this.q.db
      .selectFrom('edge_events')
      .select(['event_id', 'kind', 'ts', 'received_at', 'body'])
      .where('edge_id', '=', edgeId)
      .orderBy('ts', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ eventId: r.event_id, kind: r.kind, ts: r.ts, receivedAt: r.received_at, body: JSON.parse(r.body) as unknown }));
  }
}

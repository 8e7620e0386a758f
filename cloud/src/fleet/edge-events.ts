import type { EventKind, EventMessage } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import type { BoxEvent, DomainEvents } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';

/**
 * Facts from edges (`events/{kind}`), stored once per eventId however often an outbox resends them,
 * then published on the domain event bus as `edge.event.{kind}`: domains see each event exactly once.
 */
export class EdgeEvents {
  constructor(
    private readonly db: Db,
    private readonly bus: DomainEventBus,
  ) {}

  /** Stores the event; returns false for a duplicate (already stored). */
  record<K extends EventKind>(edgeId: string, kind: K, message: EventMessage<K>): boolean {
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO edge_events (event_id, edge_id, kind, ts, received_at, body) VALUES (?, ?, ?, ?, ?, ?)')
      .run(message.eventId, edgeId, kind, message.ts, Date.now(), JSON.stringify(message.body)).changes;
    if (inserted) {
      const event: BoxEvent<K> = { edgeId, eventId: message.eventId, ts: message.ts, body: message.body };
      // TypeScript cannot narrow the name `edge.event.${K}` to its entry for a generic K; the entry is BoxEvent<K>
      this.bus.publish(`edge.event.${kind}`, event as DomainEvents[`edge.event.${K}`]);
    }
    return inserted === 1;
  }

  list(edgeId: string, limit = 100): { eventId: string; kind: string; ts: number; receivedAt: number; body: unknown }[] {
    const rows = this.db
      .prepare('SELECT event_id, kind, ts, received_at, body FROM edge_events WHERE edge_id = ? ORDER BY ts DESC LIMIT ?')
      .all(edgeId, limit) as { event_id: string; kind: string; ts: number; received_at: number; body: string }[];
    return rows.map((r) => ({ eventId: r.event_id, kind: r.kind, ts: r.ts, receivedAt: r.received_at, body: JSON.parse(r.body) as unknown }));
  }
}

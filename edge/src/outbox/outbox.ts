import { eventKinds, newId, topics, type EventBody, type EventKind } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { MqttLink } from '../link/mqtt-link.js';

interface OutboxRow {
  seq: number;
  event_id: string;
  topic: string;
  payload: string;
}

export interface OutboxOptions {
  /** Messages per second the outbox may send, kept under the broker's per-client rate. */
  ratePerS: number;
  /**
   * Whether the cloud understands events of this kind now (an event kind added to the contract
   * after the cloud's revision waits in the outbox until the cloud announces it, instead of being
   * dropped by an older cloud). Everything is sent when absent.
   */
  sendable?: (kind: string) => boolean;
}

/**
 * Everything the box reports as an event goes through this SQLite table first: it survives a
 * crash and a cloud outage, and is deleted only when the broker acknowledged it (QoS 1). A resent
 * event keeps its eventId, so the cloud stores it once.
 */
export class Outbox {
  private readonly insert;
  private readonly oldest;
  private readonly remove;
  private readonly touch;
  private readonly countQuery;
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private windowStart = 0;
  private sentInWindow = 0;

  constructor(
    db: Db,
    private readonly link: MqttLink,
    private readonly edgeId: string,
    private readonly logger: Logger,
    private readonly options: OutboxOptions = { ratePerS: 10 },
  ) {
    this.insert = db.prepare('INSERT INTO outbox (event_id, topic, payload, created_at) VALUES (?, ?, ?, ?)');
    // held kinds (by topic) are skipped, not at the head of the queue: they must not stop the others
    this.oldest = db.prepare('SELECT seq, event_id, topic, payload FROM outbox WHERE topic NOT IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?');
    this.remove = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.touch = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE seq = ?');
    this.countQuery = db.prepare('SELECT COUNT(*) FROM outbox').pluck();
    link.on('disconnected', () => this.inFlight.clear());
  }

  /** Stores the event durably and returns its id; it is sent when the link allows. */
  add<K extends EventKind>(kind: K, body: EventBody<K>, ts = Date.now()): string {
    const eventId = newId('evt', 16);
    this.insert.run(eventId, topics.event(this.edgeId, kind), JSON.stringify({ eventId, ts, body }), Date.now());
    this.flush();
    return eventId;
  }

  pending(): number {
    return Number(this.countQuery.get());
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Sends the oldest unsent rows, at most `ratePerS` each second. */
  flush(): void {
    if (!this.link.connected) return;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.sentInWindow = 0;
    }
    const budget = Math.floor(this.options.ratePerS) - this.sentInWindow;
    if (budget <= 0) return;
    const { sendable } = this.options;
    const held = sendable ? eventKinds.filter((kind) => !sendable(kind)).map((kind) => topics.event(this.edgeId, kind)) : [];
    const rows = this.oldest.all(JSON.stringify(held), budget + this.inFlight.size) as OutboxRow[];
    for (const row of rows) {
      if (this.inFlight.has(row.seq)) continue;
      this.inFlight.add(row.seq);
      this.sentInWindow++;
      this.touch.run(Date.now(), row.seq);
      this.link.publish(row.topic, row.payload, { qos: 1 }).then(
        () => {
          this.remove.run(row.seq);
          this.inFlight.delete(row.seq);
        },
        (err: Error) => {
          this.inFlight.delete(row.seq);
          this.logger.debug({ eventId: row.event_id, err: err.message }, 'outbox send failed; will retry');
        },
      );
    }
  }
}

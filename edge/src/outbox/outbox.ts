import { decodePayload, eventKinds, newId, storedEventsSchema, topics, type EventBody, type EventKind } from '@smart-commune/shared';
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
  /**
   * Whether the cloud confirms stored events (contract revision 4, `events.confirmed`): then an event
   * the broker acknowledged stays until the cloud's confirmation, and is sent again after a
   * reconnection or `resendAfterMs` (doubling with each attempt, up to ten minutes). Absent or false:
   * deleted at the broker's acknowledgement, as with a cloud before revision 4.
   */
  confirmedByCloud?: () => boolean;
  /** The first wait for a confirmation before sending again. */
  resendAfterMs?: number;
}

const MAX_RESEND_AFTER_MS = 600_000;

/**
 * Everything the box reports as an event goes through this SQLite table first: it survives a
 * crash and a cloud outage, and is deleted only when the cloud confirmed it stored it (on
 * `sc/v1/edges/{id}/stored`; a cloud before contract revision 4: when the broker acknowledged it).
 * A resent event keeps its eventId, so the cloud stores it once.
 */
export class Outbox {
  private readonly insert;
  private readonly oldest;
  private readonly remove;
  private readonly touch;
  private readonly awaitConfirmation;
  private readonly resendAll;
  private readonly removeConfirmed;
  private readonly countQuery;
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private windowStart = 0;
  private sentInWindow = 0;

  constructor(
    private readonly db: Db,
    private readonly link: MqttLink,
    private readonly edgeId: string,
    private readonly logger: Logger,
    private readonly options: OutboxOptions = { ratePerS: 10 },
  ) {
    this.insert = db.prepare('INSERT INTO outbox (event_id, topic, payload, created_at) VALUES (?, ?, ?, ?)');
    // held kinds (by topic) are skipped, not at the head of the queue: they must not stop the others;
    // rows waiting for the cloud's confirmation come back once their wait (doubling per attempt) is over
    this.oldest = db.prepare(
      `SELECT seq, event_id, topic, payload FROM outbox
       WHERE topic NOT IN (SELECT value FROM json_each(:held))
         AND (awaiting_since IS NULL OR awaiting_since + MIN(:maxWait, :firstWait << MIN(MAX(attempts - 1, 0), 10)) <= :now)
       ORDER BY seq LIMIT :limit`,
    );
    this.remove = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.touch = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE seq = ?');
    this.awaitConfirmation = db.prepare('UPDATE outbox SET awaiting_since = ? WHERE seq = ?');
    // the broker that acknowledged them may have lost them (killed before it saved or forwarded), or had nobody to give them to
    this.resendAll = db.prepare('UPDATE outbox SET awaiting_since = NULL WHERE awaiting_since <= ?');
    this.removeConfirmed = db.prepare('DELETE FROM outbox WHERE event_id IN (SELECT value FROM json_each(?))');
    this.countQuery = db.prepare('SELECT COUNT(*) FROM outbox').pluck();
    link.on('disconnected', () => this.inFlight.clear());
    // a new connection: everything not confirmed goes again (the broker that acknowledged it may have died)
    link.on('connected', () => this.resendAwaiting(Date.now()));
    link.subscribe(topics.stored(edgeId), (_topic, payload) => this.onStored(payload));
    // a cloud process announces its contract at every start: while it was away, the broker may have
    // acknowledged events nobody took (no process subscribed), so they go again now, not after the
    // wait; those acknowledged in the last second are left to the live cloud's confirmation
    link.subscribe(topics.broadcast('contract'), () => this.resendAwaiting(Date.now() - 1000));
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
    if (!this.link.connected || !this.db.open) return;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.sentInWindow = 0;
    }
    const budget = Math.floor(this.options.ratePerS) - this.sentInWindow;
    if (budget <= 0) return;
    const { sendable } = this.options;
    const held = sendable ? eventKinds.filter((kind) => !sendable(kind)).map((kind) => topics.event(this.edgeId, kind)) : [];
    const rows = this.oldest.all({
      held: JSON.stringify(held),
      maxWait: MAX_RESEND_AFTER_MS,
      firstWait: this.options.resendAfterMs ?? 30_000,
      now,
      limit: budget + this.inFlight.size,
    }) as OutboxRow[];
    for (const row of rows) {
      if (this.sentInWindow >= Math.floor(this.options.ratePerS)) break;
      if (this.inFlight.has(row.seq)) continue;
      this.inFlight.add(row.seq);
      this.sentInWindow++;
      this.touch.run(Date.now(), row.seq);
      this.link.publish(row.topic, row.payload, { qos: 1 }).then(
        () => {
          // the broker has it; with a confirming cloud the row waits for the cloud's word (a confirmation that came first deleted it)
          if (this.options.confirmedByCloud?.()) this.awaitConfirmation.run(Date.now(), row.seq);
          else this.remove.run(row.seq);
          this.inFlight.delete(row.seq);
        },
        (err: Error) => {
          this.inFlight.delete(row.seq);
          this.logger.debug({ eventId: row.event_id, err: err.message }, 'outbox send failed; will retry');
        },
      );
    }
  }

  /** Sends again, now, every event the broker acknowledged by `ackedBy` and the cloud has not confirmed. */
  private resendAwaiting(ackedBy: number): void {
    if (!this.db.open) return; // stopped: the link outlives the outbox in tests
    this.resendAll.run(ackedBy);
    this.flush();
  }

  /** The cloud stored these events (or refused them for good): they leave the outbox. */
  private onStored(payload: Buffer): void {
    if (!this.db.open) return;
    const decoded = decodePayload(storedEventsSchema, payload);
    if (!decoded.ok) return this.logger.warn({ reason: decoded.reason }, 'stored-events confirmation not understood');
    const { eventIds, refused } = decoded.value;
    for (const r of refused) this.logger.error({ eventId: r.eventId, reason: r.reason }, 'the cloud refused an event for good; dropped from the outbox');
    this.removeConfirmed.run(JSON.stringify([...eventIds, ...refused.map((r) => r.eventId)]));
  }
}

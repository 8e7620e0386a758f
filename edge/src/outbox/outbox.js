import { newId, topics } from '@smart-commune/shared';
/**
 * Everything the box reports as an event goes through this SQLite table first: it survives a
 * crash and a cloud outage, and is deleted only when the broker acknowledged it (QoS 1). A resent
 * event keeps its eventId, so the cloud stores it once.
 */
export class Outbox {
    link;
    edgeId;
    logger;
    options;
    insert;
    oldest;
    remove;
    touch;
    countQuery;
    inFlight = new Set();
    timer = null;
    windowStart = 0;
    sentInWindow = 0;
    constructor(db, link, edgeId, logger, options = { ratePerS: 10 }) {
        this.link = link;
        this.edgeId = edgeId;
        this.logger = logger;
        this.options = options;
        this.insert = db.prepare('INSERT INTO outbox (event_id, topic, payload, created_at) VALUES (?, ?, ?, ?)');
        this.oldest = db.prepare('SELECT seq, event_id, topic, payload FROM outbox ORDER BY seq LIMIT ?');
        this.remove = db.prepare('DELETE FROM outbox WHERE seq = ?');
        this.touch = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE seq = ?');
        this.countQuery = db.prepare('SELECT COUNT(*) FROM outbox').pluck();
        link.on('disconnected', () => this.inFlight.clear());
    }
    /** Stores the event durably and returns its id; it is sent when the link allows. */
    add(kind, body, ts = Date.now()) {
        const eventId = newId('evt', 16);
        this.insert.run(eventId, topics.event(this.edgeId, kind), JSON.stringify({ eventId, ts, body }), Date.now());
        this.flush();
        return eventId;
    }
    pending() {
        return Number(this.countQuery.get());
    }
    start() {
        this.timer = setInterval(() => this.flush(), 1000);
        this.timer.unref();
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
    }
    /** Sends the oldest unsent rows, at most `ratePerS` each second. */
    flush() {
        if (!this.link.connected)
            return;
        const now = Date.now();
        if (now - this.windowStart >= 1000) {
            this.windowStart = now;
            this.sentInWindow = 0;
        }
        const budget = Math.floor(this.options.ratePerS) - this.sentInWindow;
        if (budget <= 0)
            return;
        const rows = this.oldest.all(budget + this.inFlight.size);
        for (const row of rows) {
            if (this.inFlight.has(row.seq))
                continue;
            this.inFlight.add(row.seq);
            this.sentInWindow++;
            this.touch.run(Date.now(), row.seq);
            this.link.publish(row.topic, row.payload, { qos: 1 }).then(() => {
                this.remove.run(row.seq);
                this.inFlight.delete(row.seq);
            }, (err) => {
                this.inFlight.delete(row.seq);
                this.logger.debug({ eventId: row.event_id, err: err.message }, 'outbox send failed; will retry');
            });
        }
    }
}
//# sourceMappingURL=outbox.js.map
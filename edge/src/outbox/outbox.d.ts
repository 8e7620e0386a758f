import { type EventBody, type EventKind } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { MqttLink } from '../link/mqtt-link.js';
export interface OutboxOptions {
    /** Messages per second the outbox may send, kept under the broker's per-client rate. */
    ratePerS: number;
}
/**
 * Everything the box reports as an event goes through this SQLite table first: it survives a
 * crash and a cloud outage, and is deleted only when the broker acknowledged it (QoS 1). A resent
 * event keeps its eventId, so the cloud stores it once.
 */
export declare class Outbox {
    private readonly link;
    private readonly edgeId;
    private readonly logger;
    private readonly options;
    private readonly insert;
    private readonly oldest;
    private readonly remove;
    private readonly touch;
    private readonly countQuery;
    private readonly inFlight;
    private timer;
    private windowStart;
    private sentInWindow;
    constructor(db: Db, link: MqttLink, edgeId: string, logger: Logger, options?: OutboxOptions);
    /** Stores the event durably and returns its id; it is sent when the link allows. */
    add<K extends EventKind>(kind: K, body: EventBody<K>, ts?: number): string;
    pending(): number;
    start(): void;
    stop(): void;
    /** Sends the oldest unsent rows, at most `ratePerS` each second. */
    flush(): void;
}
//# sourceMappingURL=outbox.d.ts.map
import type { Logger } from '@smart-commune/shared/runtime';
import type { DomainEventBus } from '../events/event-bus.js';

/*
 * What every outbound channel (Web Push for staff, the commune's Zalo Official Account for citizens,
 * whatever comes next) has in common, as Frigate's communicators and Zigbee2MQTT's extensions do:
 * a module with a start/stop lifecycle that subscribes on the domain event bus to the events it
 * serves, turns each into messages for its recipients and puts them in the outbox. The outbox
 * (outbox.ts) stores them, hands each to the channel's `send` until it is delivered or given up,
 * with backoff, and never twice: one row per idempotency key.
 */

/** What a person or follower sees; the same shape on every channel, each renders it its own way. */
export interface NotificationContent {
  /** Short, Vietnamese first: the notification's title. */
  title: string;
  body: string;
  /** Where a tap opens: a path of the console or of the public pages (the channel makes it absolute). */
  path: string;
  /** Replaces an earlier notification with the same tag on the same device (Web Push `tag`). */
  tag?: string;
}

/** A message a channel wants delivered: one event, one recipient. */
export interface NewOutboxMessage {
  channel: string;
  /**
   * `${event key}:${recipient}`: the same event for the same recipient is one row whatever how often
   * it is enqueued (a handler run twice after a restart, two processes), so nothing is sent twice.
   */
  idempotencyKey: string;
  /** The channel's own address of the recipient (a push subscription id, a Zalo follower or the OA's broadcast). */
  recipient: string;
  /** What it is about, for "where did this alert go": e.g. `alert:<id>`, `bulletin:<id>`, `incident:<id>`, `edge:<id>`. */
  subject: string;
  /** The domain event it came from (`alert.started`, …), for the admins' view. */
  event: string;
  content: NotificationContent;
  /** Channel-specific extras the sender needs (JSON-serialisable). */
  data?: Record<string, unknown>;
  /** Not before (quiet hours, a cooldown's end); epoch ms. Default now. */
  notBefore?: number;
  /**
   * The commune whose message it is (issue 10: each commune's admins see their deliveries). Default:
   * the subject's commune (communes/object-commune.ts); null: the province's own.
   */
  communeCode?: string | null;
}

/** A stored message as the outbox hands it to its channel. */
export interface OutboxMessage extends Required<Omit<NewOutboxMessage, 'notBefore' | 'data' | 'content' | 'communeCode'>> {
  id: number;
  content: NotificationContent;
  data: Record<string, unknown>;
  /** Attempts made before this one. */
  attempts: number;
  createdAt: number;
}

/**
 * What one delivery attempt came to. `retry: false` gives the message up with its reason (a
 * subscription the push service says is gone, a follower who blocked the OA); `retry: true` tries
 * again after backoff, or at `retryAfterMs` when the provider said when (HTTP 429 Retry-After, a
 * quota that resets).
 */
export type SendOutcome =
  | { ok: true; providerId?: string }
  | { ok: false; retry: boolean; reason: string; retryAfterMs?: number };

/** Where a channel puts its messages. */
export interface OutboxWriter {
  /**
   * Stores the messages not stored before (by idempotency key) in one transaction and wakes the
   * dispatcher; resolves to how many were new once they are stored (await it: a handler that
   * returns before that may lose them in a crash). On SQLite the batch holds the event loop (about
   * 25 µs a row): for a fan-out of thousands use enqueueMany.
   */
  enqueue(messages: NewOutboxMessage[]): Promise<number>;
  /**
   * The same for a large fan-out (100,000 Zalo followers): one transaction per chunk of
   * `OUTBOX_CHUNK` rows, yielding to the event loop between chunks so MQTT and HTTP keep being
   * served. The chunks are not one transaction: a crash in the middle leaves the first chunks
   * stored, and the handler run again (same idempotency keys) adds only the rest.
   */
  enqueueMany(messages: readonly NewOutboxMessage[]): Promise<number>;
}

/** Rows per transaction of OutboxWriter.enqueueMany: about 50 ms of the event loop each. */
export const OUTBOX_CHUNK = 2000;

export interface ChannelContext {
  bus: DomainEventBus;
  outbox: OutboxWriter;
  logger: Logger;
}

export interface NotificationChannel {
  /** The channel's name in the outbox and the admins' view: `webpush`, `zalo`. */
  readonly name: string;
  /** How many sends of this channel may run at once (a provider's rate limit, a push service's connections). */
  readonly concurrency: number;
  /** Subscribes to the events it serves; resolves when ready to send. */
  start(context: ChannelContext): Promise<void>;
  /** Unsubscribes and lets sends in flight finish. */
  stop(): Promise<void>;
  /**
   * Delivers one message. `signal` aborts when the dispatcher stops waiting (SC_NOTIFY_SEND_TIMEOUT_S):
   * pass it to the HTTP request; the attempt is then recorded as failed and tried again later.
   */
  send(message: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome>;
}

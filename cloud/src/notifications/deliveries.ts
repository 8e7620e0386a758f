import type { OutboxMessage } from './channel.js';

/* What admins see of the outbox (outbox.ts): each message's delivery, its attempts, and counts. */

export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** sent; retry: failed, tried again later; failed: given up; interrupted: the cloud stopped (or crashed) during the send. */
export type AttemptOutcome = 'sent' | 'retry' | 'failed' | 'interrupted';

export interface DeliveryAttempt {
  at: number;
  outcome: AttemptOutcome;
  reason: string | null;
  durationMs: number;
}

/** A message as admins see it: the stored message without the channel's extras, and how its delivery went. */
export interface Delivery extends Omit<OutboxMessage, 'data'> {
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  lastError: string | null;
  sentAt: number | null;
  providerId: string | null;
  history: DeliveryAttempt[];
  /** The commune whose message it is (its subject's, or what its channel said); null: the province's own. */
  communeCode: string | null;
}

export interface DeliveryFilter {
  /** Only this commune's messages (a commune's admin is held to theirs). */
  communeCode?: string;
  channel?: string;
  status?: DeliveryStatus;
  subject?: string;
  /** Created at or after (epoch ms). */
  since?: number;
}

/** "Where it went" for one subject and channel. */
export interface ChannelReach {
  channel: string;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  firstSentAt: number | null;
  lastSentAt: number | null;
}

export interface BacklogCount {
  channel: string;
  status: 'queued' | 'sending';
  count: number;
}

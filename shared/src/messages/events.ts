import { z } from 'zod';
import { epochMs } from '../time.js';
import { playbackEventSchema } from './radio.js';
import { footageEventSchema } from './footage.js';
import { updateEventSchema } from './updates.js';
import { cameraEventSchema } from './camera-status.js';
import { discoveryEventSchema } from './camera-discovery.js';
import { incidentEventSchema } from './incident-events.js';
import { contractAnnouncementSchema } from '../contract/announce.js';

/** Bodies of each event kind (`events/{kind}`). */
export const eventBodies = {
  /** The daemon started or is stopping. */
  lifecycle: z.object({
    phase: z.enum(['started', 'stopping']),
    softwareVersion: z.string().max(64),
    bootId: z.string().max(64),
    /** The box's contract (revision 2 on): its hello names what it understands. */
    contract: contractAnnouncementSchema.optional(),
  }),
  /** Proof of play. */
  playback: playbackEventSchema,
  /** A camera stream changed state. */
  camera: cameraEventSchema,
  /** A rule caught something; sent again when the clip is ready. */
  incident: incidentEventSchema,
  /** ONVIF devices found on the box's LAN, for a technician to adopt. */
  discovery: discoveryEventSchema,
  /** What the box did with a request for footage by time. */
  footage: footageEventSchema,
  /** A step of an over-the-air update: download, install, switch, running, failure, rollback. */
  update: updateEventSchema,
} as const;
export type EventKind = keyof typeof eventBodies;
export const eventKinds = Object.keys(eventBodies) as EventKind[];
export type EventBody<K extends EventKind> = z.infer<(typeof eventBodies)[K]>;

/**
 * `sc/v1/edges/{edgeId}/events/{kind}`, QoS 1, from the edge's outbox. `eventId` makes delivery
 * idempotent: the cloud stores each id once however often the outbox resends it.
 */
export function eventSchema<K extends EventKind>(kind: K) {
  return z.object({ eventId: z.string().min(8).max(64), ts: epochMs, body: eventBodies[kind] });
}
export interface EventMessage<K extends EventKind> {
  eventId: string;
  ts: number;
  body: EventBody<K>;
}

/**
 * `sc/v1/edges/{edgeId}/stored`, QoS 1, cloud → edge (contract revision 4, `events.confirmed`): the
 * events of this box the cloud has stored (or already had), and those it refused for good with why.
 * Until this arrives a box keeps the event in its outbox: a broker's PUBACK only says the broker has
 * it, and a broker killed before it saved or forwarded the message loses it. A box sends an event
 * again after a reconnection or a wait; the cloud stores it once by eventId and confirms it again.
 */
export const storedEventsSchema = z.object({
  ts: epochMs,
  eventIds: z.array(z.string().min(1).max(64)).max(1000),
  /** Events the cloud can never store (their payload does not fit the contract): the box drops them and logs why. */
  refused: z.array(z.object({ eventId: z.string().min(1).max(64), reason: z.string().max(500) })).max(1000).default([]),
});
export type StoredEvents = z.infer<typeof storedEventsSchema>;

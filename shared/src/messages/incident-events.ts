import { z } from 'zod';
import { epochMs } from '../time.js';
import { mediaFileSchema } from './incident-media.js';
import { lenientSeveritySchema, normalisedBoxSchema, objectClassSchema, surveillanceIdSchema } from './surveillance-settings.js';

/* `events/incident`: a camera's review items (incidents) as the box reports them, bounded for MQTT. */

/** Bounds of one item's lists, so an event stays far below the MQTT payload limit. */
export const INCIDENT_MAX_OBJECTS = 64;
export const INCIDENT_MAX_TIMELINE = 256;
export const INCIDENT_MAX_PARTS = 128;

export const incidentIdSchema = z.string().regex(/^inc_[A-Za-z0-9_-]{8,60}$/, 'must look like inc_…');

/** One tracked object an item took in: what it was, where and which rules it met, and its best picture. */
export const incidentObjectSchema = z.object({
  trackId: z.number().int().nonnegative(),
  label: objectClassSchema,
  /** The best score the object reached. */
  score: z.number().min(0).max(1),
  zoneIds: z.array(surveillanceIdSchema).max(16).default([]),
  ruleIds: z.array(surveillanceIdSchema).max(32).default([]),
  firstSeenAt: epochMs,
  lastSeenAt: epochMs,
  /** Where it was in its best picture. */
  box: normalisedBoxSchema,
  /** Its best picture (uploaded at `incidentMediaPath(id, 'snapshot', { trackId })`); null until written. */
  snapshot: mediaFileSchema.nullable().default(null),
});
export type IncidentObject = z.infer<typeof incidentObjectSchema>;

export const timelineKinds = ['entered', 'left', 'stationary', 'active'] as const;
/** One line of an item's timeline: an object entered the picture (or a zone), left, stopped moving or moved again. */
export const timelineEntrySchema = z.object({
  at: epochMs,
  trackId: z.number().int().nonnegative(),
  label: objectClassSchema,
  kind: z.enum(timelineKinds),
  zoneId: surveillanceIdSchema.optional(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

/**
 * One part of an item's clip, cut from the ring without re-encoding while the item lasts (uploaded at
 * `incidentMediaPath(id, 'clip', { part: index })`). Parts follow each other without overlap: played in
 * index order they are the whole item.
 */
export const clipPartSchema = mediaFileSchema.extend({
  index: z.number().int().min(0).max(INCIDENT_MAX_PARTS - 1),
  /** Wall-clock time of the part's first frame. */
  startMs: epochMs,
  durationMs: z.number().int().positive(),
});
export type ClipPart = z.infer<typeof clipPartSchema>;

/**
 * `events/incident`: a review item, one period of activity on one camera (Frigate's review item). The
 * box sends it when the item opens (with the snapshot), again with a new eventId whenever it changes
 * (an object joins, a clip part is written, it closes), always with the same incidentId and the whole
 * current state: the cloud keeps the latest facts of each item.
 *
 * The fields before `severity` are those of boxes before review items (one tracked object per incident)
 * and keep their meaning for the item's main object, so an older cloud still understands a newer box;
 * the later ones are optional with defaults, so a newer cloud still accepts an older box (an older box's
 * incident reads as a closed alert with one object). The sha256 of each file is computed on the edge
 * when it is written; the cloud verifies uploads against it.
 */
export const incidentEventSchema = z.object({
  incidentId: incidentIdSchema,
  cameraId: surveillanceIdSchema,
  /** The first rule that fired (the main object's). */
  ruleId: surveillanceIdSchema,
  zoneId: surveillanceIdSchema.nullable(),
  /** The main object's label, score and track. */
  label: objectClassSchema,
  score: z.number().min(0).max(1),
  trackId: z.number().int().nonnegative(),
  /** When the first object appeared (or entered the zone). */
  startedAt: epochMs,
  /** When a rule first fired. */
  detectedAt: epochMs,
  /** End of the item (of its clip); null while it is open or post-capture is still recording. */
  endedAt: epochMs.nullable(),
  box: normalisedBoxSchema,
  /** The main object's best picture. */
  snapshot: mediaFileSchema.nullable(),
  /** The clip's first part (the whole clip of a one-part item); `clipParts` has them all. */
  clip: mediaFileSchema.extend({ durationMs: z.number().int().positive() }).nullable(),
  /** The most severe of the rules that fired in it. */
  severity: lenientSeveritySchema,
  /** Open while activity lasts; an older box's incident is closed from the start. */
  state: z.enum(['open', 'closed']).default('closed'),
  /** The item this one continues (the earlier one reached the camera's maximum item length). */
  continues: incidentIdSchema.nullable().default(null),
  objects: z.array(incidentObjectSchema).max(INCIDENT_MAX_OBJECTS).default([]),
  /** Oldest first; when full, later lines are dropped (the objects keep their first and last times). */
  timeline: z.array(timelineEntrySchema).max(INCIDENT_MAX_TIMELINE).default([]),
  clipParts: z.array(clipPartSchema).max(INCIDENT_MAX_PARTS).default([]),
  /** The camera was over its flood limit (`review.floodPerHour`) when this item opened: activity is merged. */
  flood: z.boolean().default(false),
});
export type IncidentEvent = z.infer<typeof incidentEventSchema>;
/** An event as sent: the item fields may be left out (a box from before review items leaves them out). */
export type IncidentEventInput = z.input<typeof incidentEventSchema>;

import { z } from 'zod';
import { epochMs } from '../time.js';
import { normalisedBoxSchema, objectClassSchema, surveillanceIdSchema } from './surveillance-settings.js';

/* What a box says about its cameras: each stream's state (`events/camera`) and its line in telemetry. */

export const cameraStatuses = ['starting', 'streaming', 'reconnecting', 'failed', 'disabled'] as const;
export const cameraStatusSchema = z.enum(cameraStatuses);
export type CameraStatus = z.infer<typeof cameraStatusSchema>;

/** `events/camera`: a camera's stream changed state (the edge supervises each stream). */
export const cameraEventSchema = z.object({
  cameraId: surveillanceIdSchema,
  status: cameraStatusSchema,
  /** Why it is not streaming, credentials masked. */
  error: z.string().max(1000).optional(),
  /** Consecutive failed attempts before this state. */
  attempts: z.number().int().nonnegative().default(0),
});
export type CameraEvent = z.infer<typeof cameraEventSchema>;

export const floodFixes = ['zone', 'mask', 'cooldown', 'min-size'] as const;

/**
 * A camera over its items-per-hour limit (`review.floodPerHour`): further activity is merged into
 * longer items instead of filling the queue, and the likeliest fix is suggested from what opened them.
 */
export const floodWarningSchema = z.object({
  since: epochMs,
  itemsLastHour: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  suggestion: z.object({
    fix: z.enum(floodFixes),
    ruleId: surveillanceIdSchema,
    label: objectClassSchema,
    zoneId: surveillanceIdSchema.nullable(),
    /** Where the objects that opened the items were, normalised: the area for a mask or a zone. */
    area: normalisedBoxSchema,
    /** What to do, for a technician (Vietnamese, then English). */
    advice: z.string().max(500),
  }),
});
export type FloodWarning = z.infer<typeof floodWarningSchema>;

/** One camera's line in telemetry. */
export const cameraTelemetrySchema = z.object({
  id: surveillanceIdSchema,
  status: cameraStatusSchema,
  fps: z.number().nonnegative(),
  lastFrameAt: epochMs.nullable(),
  error: z.string().max(1000).optional(),
  /** Review items (incidents) the camera opened in the last hour: the box's measure of how busy it is. */
  itemsLastHour: z.number().int().nonnegative().optional(),
  /** Present while the camera is in a flood warning. */
  flood: floodWarningSchema.optional(),
});
export type CameraTelemetry = z.infer<typeof cameraTelemetrySchema>;

import { z } from 'zod';
import { epochMs } from '../time.js';
import { surveillanceIdSchema } from './surveillance-settings.js';

/** Police may ask for at most this much recording in one request (issue 12). */
export const FOOTAGE_MAX_RANGE_MS = 30 * 60_000;
/** Requests a box holds at once in its `footage` document; more wait in the cloud. */
export const FOOTAGE_MAX_PENDING = 16;

export const footageRequestIdSchema = z.string().regex(/^ftg_[A-Za-z0-9_-]{8,60}$/, 'must look like ftg_…');

/** A window of wall-clock time, ms since the epoch. */
export const timeRangeSchema = z.object({ fromMs: epochMs, toMs: epochMs });
export type TimeRange = z.infer<typeof timeRangeSchema>;

export const footageRangeSchema = z
  .object({ fromMs: epochMs, toMs: epochMs })
  .refine((r) => r.toMs > r.fromMs, { message: 'the end must be after the start', path: ['toMs'] })
  .refine((r) => r.toMs - r.fromMs <= FOOTAGE_MAX_RANGE_MS, { message: 'at most 30 minutes of footage per request', path: ['toMs'] });

/** One camera's recording asked for by time. */
export const footageItemSchema = z.intersection(z.object({ id: footageRequestIdSchema, cameraId: surveillanceIdSchema }), footageRangeSchema);
export type FootageItem = z.infer<typeof footageItemSchema>;

/**
 * `desired/footage`: the requests the box has still to answer. A retained document, so a request for
 * a box that is offline waits in the broker and the box converges on it when it connects again; the
 * cloud drops a request from the document once the box has answered it (`events/footage`).
 */
export const footageBodySchema = z.object({ requests: z.array(footageItemSchema).max(FOOTAGE_MAX_PENDING) });
export type FootageBody = z.infer<typeof footageBodySchema>;

export const footageOutcomes = ['done', 'partial', 'unavailable', 'failed'] as const;
export type FootageOutcome = (typeof footageOutcomes)[number];

/**
 * `events/footage`: what the box did with a request. 'done' and 'partial' name the evidence item
 * (an incident whose clip is the footage, uploaded like any incident clip); 'partial' and
 * 'unavailable' list the parts of the range the box no longer holds (or never recorded).
 */
export const footageEventSchema = z.object({
  requestId: footageRequestIdSchema,
  outcome: z.enum(footageOutcomes),
  incidentId: z.string().regex(/^inc_[A-Za-z0-9_-]{8,60}$/).nullable(),
  missing: z.array(timeRangeSchema).max(64),
  /** What the box holds of the camera at all (its oldest and newest recording), to say plainly why. */
  held: timeRangeSchema.nullable(),
  error: z.string().max(1000).optional(),
});
export type FootageEvent = z.infer<typeof footageEventSchema>;

/** Rule and label of the evidence item a footage request becomes (not a detection: police asked for it). */
export const FOOTAGE_RULE_ID = 'footage';
export const FOOTAGE_LABEL = 'footage';

/** HTTP: police ask a camera's footage by time, and follow their requests. */
export const footageRequestsPath = (edgeId: string, cameraId: string) => `/api/v1/cameras/${edgeId}/${cameraId}/footage-requests`;
export const FOOTAGE_REQUESTS_LIST_PATH = '/api/v1/footage-requests';

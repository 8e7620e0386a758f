import { z } from 'zod';
import { epochMs } from '../time.js';

/** Thông tư 39/2020/TT-BTTTT: three bulletin priorities; emergency plays at once, interrupting anything else. */
export const priorities = ['normal', 'priority', 'emergency'] as const;
export const prioritySchema = z.enum(priorities);
export type Priority = z.infer<typeof prioritySchema>;
export const PRIORITY_RANK: Record<Priority, number> = { normal: 0, priority: 1, emergency: 2 };

/**
 * Who issued an item (issue 10): the province's department or the commune. Within one priority a
 * province item ranks above a commune's own (a commune cannot cut into a province emergency).
 * Optional: absent is `commune`; a box before it strips the key and ranks by priority alone.
 */
export const issuers = ['commune', 'province'] as const;
export const issuerSchema = z.enum(issuers);
export type Issuer = z.infer<typeof issuerSchema>;

export const sha256Schema = z.string().regex(/^[a-f0-9]{64}$/, 'must be a lower-case hex sha256');

/** A distribution-ready audio file, content-addressed: the edge fetches `GET /api/v1/assets/{sha256}`. */
export const audioAssetSchema = z.object({
  sha256: sha256Schema,
  bytes: z.number().int().positive(),
  durationMs: z.number().int().positive(),
  mime: z.enum(['audio/ogg', 'audio/mpeg']),
});
export type AudioAsset = z.infer<typeof audioAssetSchema>;

export const playSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('asset'), asset: audioAssetSchema }),
  /** A live relay (provincial or national station) for the item's time window. */
  z.object({ kind: z.literal('stream'), url: z.string().url().max(2000) }),
]);
export type PlaySource = z.infer<typeof playSourceSchema>;

export const zoneNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits or "-"');

/** One thing to play at one absolute moment on one edge. */
export const planItemSchema = z.object({
  /** Stable across recompilations and across the plan and alert paths, so an occurrence plays once. */
  occurrenceId: z.string().min(1).max(128),
  scheduleId: z.string().min(1).max(64),
  bulletinId: z.string().max(64).nullable(),
  title: z.string().max(200),
  source: playSourceSchema,
  startAt: epochMs,
  durationMs: z.number().int().positive(),
  priority: prioritySchema,
  issuer: issuerSchema.optional(),
  /** 0–100, applied on top of each zone's own volume. */
  volume: z.number().int().min(0).max(100),
  /** Speaker zones of this edge; null for all of them. */
  zones: z.array(zoneNameSchema).nullable(),
});
export type PlanItem = z.infer<typeof planItemSchema>;

/** `desired/schedule` body: the edge's plan for a rolling window, sorted by startAt. */
export const scheduleBodySchema = z.object({
  windowStart: epochMs,
  windowEnd: epochMs,
  items: z.array(planItemSchema).max(5000),
});
export type ScheduleBody = z.infer<typeof scheduleBodySchema>;

export const speakerSchema = z.object({
  zone: zoneNameSchema,
  driver: z.enum(['alsa', 'rtp', 'sim']),
  /** alsa: the ALSA device (e.g. "default", "hw:1,0"); rtp/sim: host:port of the speaker. */
  target: z.string().min(1).max(200),
  /** 0–100 for this zone. */
  volume: z.number().int().min(0).max(100).default(80),
  /** Health endpoint polled by the edge (IP and simulated speakers that have one). */
  statusUrl: z.string().url().optional(),
  /**
   * Muted from the console (issue 13): the box keeps the zone's stream going with silence, so
   * unmuting needs no restart. Absent = not muted; a box before issue 13 ignores it (keeps playing).
   */
  muted: z.boolean().optional(),
});
export type Speaker = z.infer<typeof speakerSchema>;

export const radioSettingsSchema = z.object({
  speakers: z.array(speakerSchema).max(20).default([]),
  /** What happens to an item an emergency interrupted: play the rest afterwards, or drop it. */
  interruptedPolicy: z.enum(['resume', 'drop']).default('resume'),
  /** Size cap of the edge's audio cache. */
  cacheBytes: z.number().int().positive().default(512 * 1024 * 1024),
});
export type RadioSettings = z.infer<typeof radioSettingsSchema>;

export const alertTargetsSchema = z.object({
  all: z.boolean().default(false),
  hamlets: z.array(z.string()).default([]),
  edges: z.array(z.string()).default([]),
});
export type AlertTargets = z.infer<typeof alertTargetsSchema>;

/**
 * `sc/v1/broadcast/alert`: an emergency pushed to every edge at once; each edge plays it when it is
 * among the targets. The same occurrences also reach the per-edge plans for edges that were offline.
 */
export const alertMessageSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('start'),
    alertId: z.string().min(1).max(64),
    version: z.number().int().positive(),
    title: z.string().max(200),
    priority: prioritySchema,
    issuer: issuerSchema.optional(),
    source: playSourceSchema,
    startAt: epochMs,
    repeatEveryMs: z.number().int().positive().nullable(),
    expiresAt: epochMs,
    volume: z.number().int().min(0).max(100),
    targets: alertTargetsSchema,
  }),
  z.object({ action: z.literal('cancel'), alertId: z.string().min(1).max(64), version: z.number().int().positive() }),
]);
export type AlertMessage = z.infer<typeof alertMessageSchema>;

/** Occurrence id of the n-th repetition of an alert (same id in the broadcast and in the plan). */
export const alertOccurrenceId = (alertId: string, n: number) => `alert:${alertId}:${n}`;

/**
 * The scheduleId of a test tone (the `test-tone` command): played on the cloud's request, not from a
 * plan, naming no bulletin; its occurrence ids start with `test-tone:`.
 */
export const TEST_TONE_SCHEDULE_ID = 'test-tone';

export const playbackStates = ['started', 'completed', 'interrupted', 'resumed', 'failed', 'missed'] as const;

/** `events/playback` body: proof of play, one event per state change of an occurrence. */
export const playbackEventSchema = z.object({
  occurrenceId: z.string().min(1).max(128),
  scheduleId: z.string().max(64),
  bulletinId: z.string().max(64).nullable(),
  state: z.enum(playbackStates),
  plannedStartAt: epochMs,
  /** Cloud-clock time the first sample left (corrected by the edge's clock offset). */
  actualStartAt: epochMs.nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  reason: z.string().max(500).nullable(),
  zones: z.array(z.string()).nullable(),
  /** The item's priority (issue 13, for the monthly report); absent from boxes before it, where the cloud takes the schedule's or alert's. */
  priority: prioritySchema.optional(),
});
export type PlaybackEvent = z.infer<typeof playbackEventSchema>;

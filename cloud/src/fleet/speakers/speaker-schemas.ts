import { z } from '@hono/zod-openapi';
import { speakerStates, speakerTelemetrySchema } from '@smart-commune/shared';

export const zoneParams = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'edg_5k2m9q8x4c7t' }),
  // shared's schemas predate zod's .openapi(): the same rule restated, with its message
  zone: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits or "-"')
    .openapi({ param: { name: 'zone', in: 'path' }, example: 'cho' }),
});

export const zoneChangeSchema = z
  .object({
    volume: z.number().int('volume must be a whole number').min(0, 'volume must be 0–100').max(100, 'volume must be 0–100').optional(),
    muted: z.boolean().optional(),
  })
  .strict()
  .refine((c) => c.volume !== undefined || c.muted !== undefined, 'give volume (0–100), muted (true/false) or both')
  .openapi('SpeakerZoneChange');

const alarmFields = {
  state: z.enum(['offline', 'muted']),
  reason: z.string().nullable(),
  downSince: z.number(),
  raisedAt: z.number(),
};

export const zoneViewSchema = z
  .object({
    edgeId: z.string(),
    edgeName: z.string(),
    hamletCode: z.string(),
    hamletName: z.string(),
    zone: z.string(),
    volume: z.number().int(),
    muted: z.boolean(),
    outputs: z.array(z.object({ driver: z.string(), target: z.string() })),
    reported: z.object(speakerTelemetrySchema.shape).nullable(),
    applied: z.boolean().openapi({ description: 'The box reported applying the config version that holds this volume and mute' }),
    alarm: z.object(alarmFields).nullable(),
  })
  .openapi('SpeakerZone');

export const transitionSchema = z
  .object({ edgeId: z.string(), zone: z.string(), state: z.enum(speakerStates.filter((s) => s !== 'unknown') as ['ok', 'offline', 'muted']), reason: z.string().nullable(), at: z.number() })
  .openapi('SpeakerZoneTransition');

export const edgeZonesSchema = z.object({ zones: z.array(zoneViewSchema), history: z.array(transitionSchema) }).openapi('EdgeSpeakerZones');

export const alarmSchema = z
  .object({ edgeId: z.string(), edgeName: z.string(), hamletCode: z.string().nullable(), hamletName: z.string().nullable(), zone: z.string(), ...alarmFields })
  .openapi('SpeakerAlarm');

export const historyQuery = z.object({
  zone: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits or "-"').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

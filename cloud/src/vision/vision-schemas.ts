import { z } from '@hono/zod-openapi';
import { cameraSettingsSchema, cameraStatuses, maskSettingsSchema, probeAddressSchema, ruleSettingsSchema, SURVEILLANCE_ID_PATTERN, SURVEILLANCE_ID_RULE, zoneSettingsSchema } from '@smart-commune/shared';

// Shared schemas are built before zod gains `.openapi()`, so they are wrapped, not extended.
export const cameraParams = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'edg_5k2m9q8x4c7t' }),
  cameraId: z.string().min(1).max(32).openapi({ param: { name: 'cameraId', in: 'path' }, example: 'cong-truong' }),
});

/** A camera as sent by a technician: the password may be left out to keep the stored one. */
export const cameraInput = z
  .object({
    ...cameraSettingsSchema.shape,
    source: z.object({
      kind: z.enum(['rtsp', 'onvif']),
      url: z.string().max(2000).optional(),
      xaddr: z.string().max(2000).optional(),
      username: z.string().max(128).optional(),
      password: z.string().max(128).optional(),
      profileToken: z.string().max(64).optional(),
    }),
  })
  .openapi('CameraInput');
export type CameraInput = z.infer<typeof cameraInput>;

const statusView = z.object({
  status: z.enum([...cameraStatuses, 'unknown']),
  error: z.string().nullable(),
  attempts: z.number(),
  changedAt: z.number().nullable(),
  fps: z.number().nullable(),
  lastFrameAt: z.number().nullable(),
  itemsLastHour: z.number().nullable().openapi({ description: 'Review items (incidents) the camera opened in the last hour, as the box last said' }),
  flood: z
    .object({
      since: z.number(),
      itemsLastHour: z.number(),
      limit: z.number(),
      suggestion: z.object({
        fix: z.enum(['zone', 'mask', 'cooldown', 'min-size']),
        ruleId: z.string(),
        label: z.string(),
        zoneId: z.string().nullable(),
        area: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
        advice: z.string(),
      }),
    })
    .nullable()
    .openapi({ description: 'Present while the camera is over review.floodPerHour: activity is merged, and the box suggests a fix' }),
});

/** A camera as shown: never its password, whether one is set, and its live state. */
export const cameraView = z
  .object({
    ...cameraSettingsSchema.shape,
    source: z.object({
      kind: z.enum(['rtsp', 'onvif']),
      url: z.string().optional(),
      xaddr: z.string().optional(),
      username: z.string().optional(),
      hasPassword: z.boolean(),
      profileToken: z.string().optional(),
    }),
    live: statusView,
  })
  .openapi('Camera');
export type CameraView = z.infer<typeof cameraView>;

export const camerasView = z
  .object({
    cameras: z.array(cameraView),
    model: z.enum(['416x416', '320x320', '384x640']),
    storage: z.object({ maxBytes: z.number(), ringMinutes: z.number(), incidentDays: z.number() }),
  })
  .openapi('EdgeCameras');

export const surveillanceOptionsInput = z
  .object({
    model: z.enum(['416x416', '320x320', '384x640']).optional(),
    storage: z
      .object({ maxBytes: z.number().int().min(50_000_000).optional(), ringMinutes: z.number().min(1).max(120).optional(), incidentDays: z.number().min(1).max(365).optional() })
      .optional(),
  })
  .openapi('SurveillanceOptions');

export const zonesInput = z.object({ zones: z.array(z.object(zoneSettingsSchema.shape)).max(16) }).openapi('CameraZones');
export const masksInput = z.object({ masks: z.array(z.object(maskSettingsSchema.shape)).max(16) }).openapi('CameraMasks');
export const rulesInput = z.object({ rules: z.array(z.object(ruleSettingsSchema.shape)).max(32) }).openapi('CameraRules');

export const discoveredView = z
  .object({
    devices: z.array(
      z.object({
        urn: z.string(),
        xaddr: z.string(),
        name: z.string().optional(),
        hardware: z.string().optional(),
        firstSeenAt: z.number(),
        lastSeenAt: z.number(),
        /** The id of the camera configured from this device, if any. */
        adoptedAs: z.string().nullable(),
      }),
    ),
  })
  .openapi('DiscoveredCameras');

export const scanInput = z
  .object({
    timeoutMs: z.number().int().min(500).max(10_000).default(3000),
    addresses: z
      .array(probeAddressSchema)
      .max(16)
      .default([])
      .openapi({ description: 'Ask these cameras directly (IPv4 or host name, optionally :port) instead of a multicast probe on the LAN: multicast does not reach other subnets', example: ['192.168.10.64'] }),
  })
  .openapi('CameraScan');

export const adoptInput = z
  .object({
    urn: z.string().min(1).max(200),
    id: z.string().regex(SURVEILLANCE_ID_PATTERN, SURVEILLANCE_ID_RULE),
    name: z.string().min(1).max(80),
    username: z.string().max(128),
    password: z.string().max(128),
  })
  .openapi('CameraAdoption');

import { z } from 'zod';

/*
 * The `surveillance` part of a box's `config` document: cameras, zones, masks, rules, the model and
 * the storage budget, with the ids, picture coordinates and labels the other surveillance messages
 * (camera status, incidents, discovery) share.
 */

/** Ids of cameras, zones, masks and rules: short, lower-case, stable (they name files and topics). */
export const SURVEILLANCE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const SURVEILLANCE_ID_RULE = 'must be lower-case letters, digits or "-" (at most 32)';
export const surveillanceIdSchema = z.string().regex(SURVEILLANCE_ID_PATTERN, SURVEILLANCE_ID_RULE);

/** A point in normalised picture coordinates: x from the left edge, y from the top, both 0..1. */
export const normalisedPointSchema = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
export const polygonSchema = z.array(normalisedPointSchema).min(3, 'a polygon needs at least 3 points').max(64);

/** A box in normalised picture coordinates. */
export const normalisedBoxSchema = z.object({
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1),
  width: z.number().min(0).max(1),
  height: z.number().min(0).max(1),
});

/** The labels the edge keeps by default (COCO names); rules may name any COCO label. */
export const DEFAULT_OBJECT_CLASSES = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'] as const;
export const objectClassSchema = z.string().regex(/^[a-z][a-z ]{1,31}$/, 'must be a COCO label such as person or car');

/** Local wall-clock "HH:MM"; a window whose end is before its start crosses midnight (22:00-05:00). */
const clockTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00-23:59)');
export const timeWindowSchema = z.object({ start: clockTimeSchema, end: clockTimeSchema });

const credentialSchema = z.string().max(128);

/** Where the edge reads a camera: an RTSP URL, or an ONVIF device whose profile gives the URL. */
export const cameraSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('rtsp'),
    url: z.string().max(2000).regex(/^rtsps?:\/\/[^\s]+$/, 'must be an rtsp:// or rtsps:// URL'),
    username: credentialSchema.optional(),
    password: credentialSchema.optional(),
  }),
  z.object({
    kind: z.literal('onvif'),
    /** The device service, e.g. http://192.168.1.64/onvif/device_service. */
    xaddr: z.string().max(2000).regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL'),
    username: credentialSchema,
    password: credentialSchema,
    /** Media profile to stream; the first one when absent. */
    profileToken: z.string().max(64).optional(),
  }),
]);
export type CameraSource = z.infer<typeof cameraSourceSchema>;

export const zoneSettingsSchema = z.object({
  id: surveillanceIdSchema,
  name: z.string().min(1).max(80),
  polygon: polygonSchema,
});
export type ZoneSettings = z.infer<typeof zoneSettingsSchema>;

/** An area where nothing is detected (trees moving in the wind, a road outside the commune's concern). */
export const maskSettingsSchema = z.object({
  id: surveillanceIdSchema,
  name: z.string().max(80).optional(),
  polygon: polygonSchema,
});
export type MaskSettings = z.infer<typeof maskSettingsSchema>;

/** How much an item matters (Frigate's review severities): alerts are the police queue, detections are kept for search. */
export const reviewSeverities = ['alert', 'detection'] as const;
export const reviewSeveritySchema = z.enum(reviewSeverities);
export type ReviewSeverity = z.infer<typeof reviewSeveritySchema>;
/**
 * A severity as read from a message or config document: absent is alert, and a value this version
 * does not know (a newer one's) is read as alert too, never refusing the whole message for it.
 * (A union with a transform rather than `.catch()`, which the OpenAPI generator cannot describe.)
 */
export const lenientSeveritySchema = z
  .union([reviewSeveritySchema, z.string().max(64).transform((): ReviewSeverity => 'alert')])
  .default('alert');

/**
 * How a camera's activity is grouped into review items (incidents): an item closes this long after its
 * last matched object left or became stationary, or at its maximum length (then a new item continues it).
 * More than `floodPerHour` items in an hour puts the camera in a flood warning: further activity is merged.
 */
export const reviewSettingsSchema = z
  .object({
    closeAfterSeconds: z.number().min(1).max(600).default(10),
    maxSeconds: z.number().min(30).max(3600).default(300),
    floodPerHour: z.number().int().min(1).max(3600).default(60),
  })
  .prefault({});
export type ReviewSettings = z.infer<typeof reviewSettingsSchema>;

export const ruleSettingsSchema = z.object({
  id: surveillanceIdSchema,
  name: z.string().min(1).max(80),
  enabled: z.boolean().default(true),
  /** Only objects standing in this zone of the camera; anywhere in the picture when absent. */
  zone: surveillanceIdSchema.optional(),
  /** Only these labels; the camera's detected classes when absent. */
  classes: z.array(objectClassSchema).min(1).max(16).optional(),
  /** Only within these local times (Asia/Ho_Chi_Minh); always when absent. */
  windows: z.array(timeWindowSchema).max(8).optional(),
  /** Seconds an object must stay before it counts (loitering). */
  minDwellSeconds: z.number().min(0).max(3600).default(0),
  /** Seconds after an incident during which this rule stays quiet on the camera. */
  cooldownSeconds: z.number().min(0).max(86_400).default(0),
  /**
   * An alert goes to the police queue (and is notified); a detection is kept and searchable but outside
   * the queue by default. A value this box does not know (a newer cloud's) falls back to alert rather
   * than refusing the whole config document: better one item too many in the queue than no rules at all.
   */
  severity: lenientSeveritySchema,
});
export type RuleSettings = z.infer<typeof ruleSettingsSchema>;

export const RECORD_MODES = ['events', 'continuous'] as const;
export type RecordMode = (typeof RECORD_MODES)[number];

export const cameraSettingsSchema = z
  .object({
    id: surveillanceIdSchema,
    name: z.string().min(1).max(80),
    enabled: z.boolean().default(true),
    source: cameraSourceSchema,
    detect: z
      .object({
        /** Frames analysed per second (Frigate's default is 5). */
        fps: z.number().min(1).max(15).default(5),
        width: z.number().int().min(160).max(1920).default(640),
        /** Absent: the width times the camera's own aspect ratio, so nothing is stretched. */
        height: z.number().int().min(120).max(1080).optional(),
        classes: z.array(objectClassSchema).min(1).max(16).default([...DEFAULT_OBJECT_CLASSES]),
      })
      .prefault({}),
    record: z
      .object({
        enabled: z.boolean().default(true),
        preCaptureSeconds: z.number().min(0).max(60).default(5),
        postCaptureSeconds: z.number().min(0).max(60).default(5),
        /**
         * 'events': a short ring (storage.ringMinutes) for the clips of incidents. 'continuous': 24/7,
         * kept `continuousDays` days within the box's byte budget, oldest first, for footage asked by
         * time. A mode this box does not know (a newer cloud) falls back to 'events' instead of
         * refusing the whole document; an older box ignores both fields.
         */
        mode: z.preprocess((v) => (typeof v === 'string' && !RECORD_MODES.includes(v as RecordMode) ? 'events' : v), z.enum(RECORD_MODES)).default('events'),
        continuousDays: z.number().int().min(1).max(365).default(7),
      })
      .prefault({}),
    review: reviewSettingsSchema,
    zones: z.array(zoneSettingsSchema).max(16).default([]),
    masks: z.array(maskSettingsSchema).max(16).default([]),
    rules: z.array(ruleSettingsSchema).max(32).default([]),
  })
  .superRefine((camera, ctx) => {
    const zoneIds = new Set(camera.zones.map((z) => z.id));
    camera.rules.forEach((rule, i) => {
      if (rule.zone !== undefined && !zoneIds.has(rule.zone)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'zone'], message: `camera ${camera.id} has no zone "${rule.zone}"` });
      }
    });
    for (const [key, list] of [['zones', camera.zones], ['masks', camera.masks], ['rules', camera.rules]] as const) {
      const seen = new Set<string>();
      list.forEach((item, i) => {
        if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [key, i, 'id'], message: `"${item.id}" is used twice` });
        seen.add(item.id);
      });
    }
  });
export type CameraSettings = z.infer<typeof cameraSettingsSchema>;
export type CameraSettingsInput = z.input<typeof cameraSettingsSchema>;

/** The `surveillance` part of `desired/config`: the box's cameras and how it keeps evidence. */
export const surveillanceSettingsSchema = z
  .object({
    cameras: z.array(cameraSettingsSchema).max(16),
    /** YOLOX-Nano input size; bigger sees further, smaller is faster. */
    model: z.enum(['416x416', '320x320', '384x640']).default('416x416'),
    storage: z
      .object({
        /** Recordings and incident media together stay under this many bytes. */
        maxBytes: z.number().int().min(50_000_000).default(4_000_000_000),
        /** Continuous segments kept per camera for pre-capture. */
        ringMinutes: z.number().min(1).max(120).default(10),
        /** Incident media the cloud has acknowledged is deleted after this many days. */
        incidentDays: z.number().min(1).max(365).default(30),
        /** Recordings give way (oldest first) whenever the disk has less free space than this. */
        reserveBytes: z.number().int().min(0).default(500_000_000),
      })
      .prefault({}),
  })
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.cameras.forEach((camera, i) => {
      if (seen.has(camera.id)) ctx.addIssue({ code: 'custom', path: ['cameras', i, 'id'], message: `camera "${camera.id}" is defined twice` });
      seen.add(camera.id);
    });
  });
export type SurveillanceSettings = z.infer<typeof surveillanceSettingsSchema>;

/** A box without cameras: the defaults, and nothing to watch. */
export const NO_CAMERAS: SurveillanceSettings = surveillanceSettingsSchema.parse({ cameras: [] });

import { z } from 'zod';
import { epochMs } from '../time.js';
import { sha256Schema } from './radio.js';

/** Ids of cameras, zones, masks and rules: short, lower-case, stable (they name files and topics). */
export const SURVEILLANCE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const SURVEILLANCE_ID_RULE = 'must be lower-case letters, digits or "-" (at most 32)';
export const surveillanceIdSchema = z.string().regex(SURVEILLANCE_ID_PATTERN, SURVEILLANCE_ID_RULE);

/** A point in normalised picture coordinates: x from the left edge, y from the top, both 0..1. */
export const normalisedPointSchema = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
export const polygonSchema = z.array(normalisedPointSchema).min(3, 'a polygon needs at least 3 points').max(64);

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
    area: z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1), width: z.number().min(0).max(1), height: z.number().min(0).max(1) }),
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

export const mediaFileSchema = z.object({
  sha256: sha256Schema,
  bytes: z.number().int().positive(),
});
export type MediaFile = z.infer<typeof mediaFileSchema>;

/** A box in normalised picture coordinates. */
export const normalisedBoxSchema = z.object({
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1),
  width: z.number().min(0).max(1),
  height: z.number().min(0).max(1),
});

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

export const discoveredCameraSchema = z.object({
  /** WS-Discovery endpoint reference (urn:uuid:…), stable per device. */
  urn: z.string().min(1).max(200),
  xaddr: z.string().max(2000),
  name: z.string().max(200).optional(),
  hardware: z.string().max(200).optional(),
});
export type DiscoveredCamera = z.infer<typeof discoveredCameraSchema>;

/**
 * A camera asked directly by a WS-Discovery probe: `host` or `host:port` (port 3702 when absent).
 * Multicast stays inside the box's own subnet; cameras on another VLAN answer only a directed probe.
 */
export const PROBE_ADDRESS_PATTERN = /^(?<host>(?:\d{1,3}\.){3}\d{1,3}|[a-zA-Z0-9](?:[a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?)(?::(?<port>\d{1,5}))?$/;
export const probeAddressSchema = z
  .string()
  .trim()
  .regex(PROBE_ADDRESS_PATTERN, 'an address is an IPv4 address or host name, optionally with :port (192.168.1.64 or 192.168.1.64:3702)')
  .refine((a) => {
    const port = Number(PROBE_ADDRESS_PATTERN.exec(a)?.groups?.port ?? 3702);
    return port >= 1 && port <= 65535;
  }, 'the port is between 1 and 65535')
  .refine((a) => {
    const host = PROBE_ADDRESS_PATTERN.exec(a)?.groups?.host ?? '';
    return !/^[\d.]+$/.test(host) || host.split('.').every((octet) => Number(octet) <= 255);
  }, 'each part of an IPv4 address is at most 255');

/** The host and port a probe address names. */
export function parseProbeAddress(address: string): { host: string; port: number } {
  const groups = PROBE_ADDRESS_PATTERN.exec(address.trim())?.groups;
  if (!groups?.host) throw new Error(`not a probe address: ${address}`);
  return { host: groups.host, port: Number(groups.port ?? 3702) };
}

/** `events/discovery`: the ONVIF devices that answered a WS-Discovery probe on the box's LAN. */
export const discoveryEventSchema = z.object({
  devices: z.array(discoveredCameraSchema).max(256),
});
export type DiscoveryEvent = z.infer<typeof discoveryEventSchema>;

/** Media kinds an edge uploads for an incident. */
export const incidentMediaKinds = { snapshot: 'image/jpeg', clip: 'video/mp4' } as const;
export type IncidentMediaKind = keyof typeof incidentMediaKinds;

/** Request header carrying the sha256 the edge computed when it wrote the file. */
export const CONTENT_SHA256_HEADER = 'x-content-sha256';

/** Which file of an item: its snapshot/clip (none), one object's best picture, or one clip part. */
export type IncidentMediaRef = { trackId: number } | { part: number };

/**
 * `PUT` with device credentials: the edge uploads one incident file. Without `ref` the paths of boxes
 * before review items (the item's snapshot and first clip part); with it an object's picture
 * (`…/objects/{trackId}/snapshot`) or a clip part (`…/parts/{index}/clip`).
 */
export function incidentMediaPath(incidentId: string, kind: IncidentMediaKind, ref?: IncidentMediaRef): string {
  const base = `/api/v1/device/incidents/${incidentId}`;
  if (ref === undefined) return `${base}/${kind}`;
  return 'trackId' in ref ? `${base}/objects/${ref.trackId}/${kind}` : `${base}/parts/${ref.part}/${kind}`;
}

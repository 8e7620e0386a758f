import { z } from 'zod';
import { epochMs } from '../time.js';
import { zoneNameSchema } from './radio.js';
import { cameraTelemetrySchema } from './camera-status.js';
import { contractAnnouncementSchema } from '../contract/announce.js';

/** The health states of a loudspeaker output, as the box's driver last checked it. */
export const speakerStates = ['ok', 'offline', 'muted', 'unknown'] as const;

/** One loudspeaker output (a zone of the box's `radio.speakers`) in telemetry. */
export const speakerTelemetrySchema = z.object({
  zone: zoneNameSchema,
  /** ok: playing is possible; offline: unreachable or failed; muted: reachable but silent; unknown: not checked yet. */
  state: z.enum(speakerStates),
  reason: z.string().max(300).nullable(),
  // issue 13, all optional (boxes before it send only zone/state/reason; clouds before it drop these):
  /** Whether the box reached the speaker at its last check; null before the first check or without a health endpoint. */
  reachable: z.boolean().nullable().optional(),
  /** Whether the zone is playing an item now. */
  playing: z.boolean().optional(),
  /** The last problem the box saw on this zone (health check or sending), kept after it recovers; null: none since the box started. */
  lastError: z.object({ message: z.string().max(300), at: epochMs }).nullable().optional(),
  /** The zone's volume (0–100) as the box applies it now. */
  volume: z.number().int().min(0).max(100).optional(),
  /** Muted from the console (the box sends silence): not a fault, unlike the state `muted` a speaker reports itself. */
  muted: z.boolean().optional(),
});
export type SpeakerTelemetry = z.infer<typeof speakerTelemetrySchema>;

const bytes = z.number().int().nonnegative();

/** `sc/v1/edges/{edgeId}/telemetry`, QoS 0, every heartbeat interval. */
export const telemetrySchema = z.object({
  ts: epochMs,
  hostname: z.string().max(255),
  softwareVersion: z.string().max(64),
  protocolVersion: z.number().int().positive(),
  /** Seconds between telemetry messages; the cloud marks the box offline after three are missed. */
  intervalS: z.number().positive().max(3600),
  uptimeS: z.object({ host: z.number().nonnegative(), daemon: z.number().nonnegative() }),
  load: z.tuple([z.number(), z.number(), z.number()]),
  memory: z.object({ totalBytes: bytes, freeBytes: bytes, daemonRssBytes: bytes }),
  disk: z.object({ path: z.string().max(1024), totalBytes: bytes, freeBytes: bytes }),
  /** Highest thermal-zone reading; null when the host has no sensor. */
  temperatureC: z.number().min(-60).max(200).nullable(),
  clock: z
    .object({ offsetMs: z.number(), roundTripMs: z.number().nonnegative(), measuredAt: epochMs })
    .nullable(),
  mqtt: z.object({ reconnects: z.number().int().nonnegative(), outboxPending: z.number().int().nonnegative() }),
  /** The box's live view (cameras for a technician on the cabinet LAN); absent when it is off. Only http(s): the console links to them. */
  liveView: z.object({ urls: z.array(z.url({ protocol: /^https?$/ }).max(200)).max(8) }).optional(),
  /** Each camera's stream; absent on a box without cameras. */
  cameras: z.array(cameraTelemetrySchema).max(16).optional(),
  /** Each loudspeaker output's health; absent on a box without loudspeakers (and from boxes before issue 14). */
  speakers: z.array(speakerTelemetrySchema).max(20).optional(),
  /** Child processes (ffmpeg, ffprobe, aplay…) the daemon started since it started, by tool: the cost clips and probes once had. */
  childProcesses: z.record(z.string().regex(/^[a-z0-9._-]{1,32}$/), z.number().int().nonnegative()).optional(),
  /** The contract revision and features the box understands (revision 2 on); absent: revision 1. The cloud gates what it sends by it. */
  contract: contractAnnouncementSchema.optional(),
});
export type Telemetry = z.infer<typeof telemetrySchema>;

import { z } from 'zod';
import { epochMs } from '../time.js';
import { zoneNameSchema } from './radio.js';
import { discoveredCameraSchema, probeAddressSchema } from './camera-discovery.js';
import { surveillanceIdSchema } from './surveillance-settings.js';
import { keyRotationMessageSchema } from '../releases/keys.js';
import { doctorResponseSchema, logsRequestSchema, logsResponseSchema, powerRequestSchema, powerResponseSchema } from './maintenance.js';

export const transactionSchema = z.string().min(1).max(64);

/** Request and response bodies of each command (`req/{command}` → `res/{command}`). */
export const commandBodies = {
  /** Liveness and clock check: t1/t2 are the edge's receive and send times, NTP style. */
  ping: {
    request: z.object({}),
    response: z.object({ t1: epochMs, t2: epochMs }),
  },
  /** Credential rotation: the edge stores the new secret and answers before the cloud switches to it. */
  'rotate-credentials': {
    request: z.object({ username: z.string().min(1).max(64), password: z.string().min(32).max(256) }),
    response: z.object({ stored: z.literal(true) }),
  },
  /** A sine tone on the hamlet's speakers, for a technician checking the amplifier and the lines. */
  'test-tone': {
    request: z.object({
      zones: z.array(zoneNameSchema).nullable().default(null),
      durationMs: z.number().int().min(100).max(30_000).default(3000),
      frequencyHz: z.number().int().min(100).max(4000).default(1000),
      volume: z.number().int().min(0).max(100).default(50),
    }),
    response: z.object({ startedAt: epochMs, zones: z.array(z.string()) }),
  },
  /**
   * A WS-Discovery probe now: multicast on the box's LAN, or directed at the given addresses only;
   * the answer lists the ONVIF devices that replied.
   */
  'discover-cameras': {
    request: z.object({
      timeoutMs: z.number().int().min(500).max(10_000).default(3000),
      addresses: z.array(probeAddressSchema).max(16).default([]),
    }),
    response: z.object({ devices: z.array(discoveredCameraSchema).max(256) }),
  },
  /** The camera's current picture as the box sees it (latest analysed frame, else the camera's snapshot URI). */
  'camera-snapshot': {
    request: z.object({ cameraId: surveillanceIdSchema }),
    response: z.object({
      jpegBase64: z.string().max(200_000),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      takenAt: epochMs,
    }),
  },
  /** The box's recent log lines, filtered by level and time, gzipped into the answer (maintenance.ts). */
  logs: { request: logsRequestSchema, response: logsResponseSchema },
  /** The checks of `sc-edge doctor`, run by the daemon. */
  doctor: { request: z.object({}), response: doctorResponseSchema },
  /** The daemon stops cleanly and exits with its restart code; systemd or the supervisor starts it again. */
  restart: { request: powerRequestSchema, response: powerResponseSchema },
  /** The box runs its reboot command (edge.json `rebootCommand`, default `systemctl reboot`). */
  reboot: { request: powerRequestSchema, response: powerResponseSchema },
  /**
   * A signed release key-rotation message (scripts/release-keys rotate) for the box's trusted keys,
   * applied exactly as `sc-edge-supervisor rotate-keys` does. Refused with the ReleaseError code:
   * `bad_signature`, `unknown_key` (not signed by a key the box trusts), `stale_keys` (sequence not above
   * the box's), `bad_manifest` (not a rotation), `no_keys`, or `not_supervised` (no box home).
   */
  'rotate-release-keys': {
    request: z.object({ message: keyRotationMessageSchema }),
    response: z.object({
      sequence: z.number().int().min(0),
      keyIds: z.array(z.string().max(64)).max(8),
      /** The box's sequence before (equal to `sequence` never: a rotation always raises it). */
      previousSequence: z.number().int().min(0),
    }),
  },
} as const;
export type CommandName = keyof typeof commandBodies;
export const commandNames = Object.keys(commandBodies) as CommandName[];
export type CommandRequest<C extends CommandName> = z.infer<(typeof commandBodies)[C]['request']>;
export type CommandResponse<C extends CommandName> = z.infer<(typeof commandBodies)[C]['response']>;

export function requestSchema<C extends CommandName>(command: C) {
  return z.object({ transaction: transactionSchema, sentAt: epochMs, body: commandBodies[command].request });
}

export const commandErrorSchema = z.object({ code: z.string().max(64), message: z.string().max(2000) });
export type CommandError = z.infer<typeof commandErrorSchema>;

export function responseSchema<C extends CommandName>(command: C) {
  return z.discriminatedUnion('ok', [
    z.object({ transaction: transactionSchema, ts: epochMs, ok: z.literal(true), body: commandBodies[command].response }),
    z.object({ transaction: transactionSchema, ts: epochMs, ok: z.literal(false), error: commandErrorSchema }),
  ]);
}
export interface CommandRequestMessage<C extends CommandName> {
  transaction: string;
  sentAt: number;
  body: CommandRequest<C>;
}
export type CommandResponseMessage<C extends CommandName> =
  | { transaction: string; ts: number; ok: true; body: CommandResponse<C> }
  | { transaction: string; ts: number; ok: false; error: CommandError };

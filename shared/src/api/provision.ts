import { z } from 'zod';
import { edgeIdSchema } from '../ids.js';
import { epochMs } from '../time.js';
import { releasePublicKeySchema } from '../releases/signing.js';

/** `POST /api/v1/provision/claim`: the box presents its one-time token. */
export const claimRequestSchema = z.object({
  token: z.string().min(16).max(128),
  hostname: z.string().min(1).max(255).optional(),
  softwareVersion: z.string().max(64).optional(),
});
export type ClaimRequest = z.infer<typeof claimRequestSchema>;

export const claimResponseSchema = z.object({
  edgeId: edgeIdSchema,
  name: z.string(),
  hamletCode: z.string(),
  mqtt: z.object({ url: z.string(), username: z.string(), password: z.string() }),
  /** Base URL the box uses for HTTP (time, later asset downloads and uploads). */
  cloudUrl: z.string(),
  telemetryIntervalS: z.number().int().positive(),
  /** The province's release public keys (SC_RELEASE_KEYS_FILE): the box trusts bundles signed by them. Absent on a cloud without them. */
  releaseKeys: z.array(releasePublicKeySchema).min(1).max(8).optional(),
});
export type ClaimResponse = z.infer<typeof claimResponseSchema>;

/** `GET /api/v1/time`: the cloud's clock for NTP-style offset estimation. */
export const timeResponseSchema = z.object({ receivedAt: epochMs, sentAt: epochMs });
export type TimeResponse = z.infer<typeof timeResponseSchema>;

/** The uniform error body of every HTTP API route. */
export const apiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

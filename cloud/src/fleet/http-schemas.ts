import { z } from '@hono/zod-openapi';
import { claimRequestSchema, claimResponseSchema, commandBodies, configBodySchema, hamletCodeSchema, telemetrySchema } from '@smart-commune/shared';

// Schemas from @smart-commune/shared are built before zod gains `.openapi()`, so they are wrapped, not extended.
export const edgeIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'edg_5k2m9q8x4c7t' }) });

export const edgeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    hamletCode: z.string(),
    hamletName: z.string(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    notes: z.string(),
    status: z.enum(['unclaimed', 'active', 'revoked']),
    hostname: z.string().nullable(),
    claimedAt: z.number().nullable(),
    online: z.boolean(),
    lastSeenAt: z.number().nullable(),
    offlineReason: z.string().nullable(),
    telemetry: telemetrySchema.nullable(),
    telemetryAt: z.number().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi('Edge');

export const newEdgeSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    hamletCode: hamletCodeSchema,
    lat: z.number().min(-90).max(90).nullable().optional(),
    lon: z.number().min(-180).max(180).nullable().optional(),
    notes: z.string().max(2000).optional(),
  })
  .openapi('NewEdge');

export const edgePatchSchema = newEdgeSchema.partial().openapi('EdgePatch');

export const edgeListQuery = z.object({
  hamlet: hamletCodeSchema.optional(),
  status: z.enum(['unclaimed', 'active', 'revoked']).optional(),
  online: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const claimTokenRequestSchema = z
  .object({ ttlHours: z.number().positive().max(24 * 30).optional() })
  .openapi('ClaimTokenRequest');

export const claimTokenSchema = z
  .object({
    token: z.string(),
    edgeId: z.string(),
    expiresAt: z.number(),
    /** The technician's command on the box. */
    command: z.string(),
  })
  .openapi('ClaimToken');

export const rotationSchema = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.literal('live'), confirmed: z.literal(true) }),
    z.object({ mode: z.literal('claim'), claimToken: claimTokenSchema }),
  ])
  .openapi('Rotation');

export const testToneRequestSchema = z.object(commandBodies['test-tone'].request.shape).openapi('TestToneRequest');
export const testToneResultSchema = z.object({ startedAt: z.number(), zones: z.array(z.string()) }).openapi('TestToneResult');

export const pingSchema = z.object({ roundTripMs: z.number(), edgeClockOffsetMs: z.number() }).openapi('PingResult');

export const configStateSchema = z
  .object({
    version: z.number(),
    issuedAt: z.number(),
    body: configBodySchema,
    reported: z.object({ version: z.number(), status: z.string(), error: z.string().nullable(), at: z.number() }).nullable(),
  })
  .openapi('EdgeConfig');

export const configBodyInput = z.object(configBodySchema.shape).openapi('EdgeConfigBody');
export const claimRequestInput = z.object(claimRequestSchema.shape).openapi('ClaimRequest');
export const claimResponseOutput = z.object(claimResponseSchema.shape).openapi('ClaimResponse');

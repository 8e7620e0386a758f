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
    communeCode: z.string().openapi({ description: 'the commune of its hamlet (a box belongs to the commune its hamlet is in)' }),
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
    /** The contract the box announced in its telemetry (revision 1 with no features when it announces none); null before its first telemetry. */
    contract: z.object({ version: z.number(), features: z.array(z.string()), announcedAt: z.number() }).nullable(),
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

/** A part of a document the cloud did not send the box: its contract lacks the feature. */
export const withheldSchema = z
  .object({
    path: z.string().openapi({ example: 'items.3.source.kind' }),
    left: z.string().openapi({ description: 'What was left out: the array element, or "" for the whole document; for a value sent as another, its path', example: 'items.3' }),
    sentAs: z.string().nullable().openapi({ description: 'The value sent instead (JSON) when the part was sent as one the box knows (a later priority as its fallback); null when it was left out' }),
    feature: z.string().openapi({ example: 'schedule.source.relay' }),
    since: z.number().nullable().openapi({ description: 'The contract revision that brought the feature' }),
    label: z.string().nullable().openapi({ description: "The left-out element's id and title", example: 'sch_2m8k4q9xd7ta:1764324000000 (Tiếp sóng VOV1)' }),
  })
  .openapi('WithheldPart');

/** A part of a document the box left out because its version does not know it (reported.ignored). */
export const ignoredSchema = z
  .object({
    path: z.string().openapi({ example: 'body.items.3.priority' }),
    value: z.string().openapi({ example: '"evacuation"' }),
    effect: z.string().openapi({ description: 'dropped (the array element `left`), defaulted (read as absent), unknown-field, more (the entries past 100, counted)' }),
    left: z.string(),
    label: z.string().nullable(),
    count: z.number().optional().openapi({ description: 'Parts the entry stands for when more than one: an unknown field in many elements (indices as *), or `more`' }),
  })
  .openapi('IgnoredPart');

export const reportedStateSchema = z
  .object({ version: z.number(), status: z.string(), error: z.string().nullable(), at: z.number(), ignored: z.array(ignoredSchema) })
  .openapi('ReportedDocument');

export const configStateSchema = z
  .object({
    version: z.number(),
    issuedAt: z.number(),
    body: configBodySchema,
    withheld: z.array(withheldSchema),
    reported: reportedStateSchema.nullable(),
  })
  .openapi('EdgeConfig');

const announcedSchema = z.object({ version: z.number(), features: z.array(z.string()) });

export const compatibilitySchema = z
  .object({
    box: announcedSchema.extend({
      announcedAt: z.number().nullable().openapi({ description: 'null: the box has not sent telemetry yet; it counts as revision 1' }),
      softwareVersion: z.string().nullable(),
    }),
    cloud: announcedSchema.extend({ softwareVersion: z.string() }),
    /** Features this cloud has that the box does not: what it is not sent. */
    missing: z.array(z.object({ feature: z.string(), since: z.number(), summary: z.string() })),
    documents: z.array(
      z.object({ doc: z.string(), version: z.number(), issuedAt: z.number(), withheld: z.array(withheldSchema), reported: reportedStateSchema.nullable() }),
    ),
  })
  .openapi('EdgeCompatibility');

export const configBodyInput = z.object(configBodySchema.shape).openapi('EdgeConfigBody');
export const claimRequestInput = z.object(claimRequestSchema.shape).openapi('ClaimRequest');
export const claimResponseOutput = z.object(claimResponseSchema.shape).openapi('ClaimResponse');

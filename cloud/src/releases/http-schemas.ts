import { z } from '@hono/zod-openapi';
import { RELEASE_ARCHES } from '@smart-commune/shared';
import { newRolloutSchema, rolloutBoxStates, rolloutStates } from './rollout-types.js';

export const releaseParams = z.object({
  // the version is also a file name: only what a semantic version may hold
  version: z.string().max(64).regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, 'a semantic version such as 1.5.0').openapi({ param: { name: 'version', in: 'path' }, example: '1.5.0' }),
  arch: z.enum(RELEASE_ARCHES).openapi({ param: { name: 'arch', in: 'path' } }),
});

export const releaseSchema = z
  .object({
    version: z.string(),
    arch: z.enum(RELEASE_ARCHES),
    product: z.enum(['edge', 'cloud']),
    bytes: z.number(),
    sha256: z.string(),
    files: z.number().describe('Files the signed manifest lists'),
    minCloudVersion: z.string().nullable(),
    contractVersion: z.string().nullable(),
    uploadedBy: z.string(),
    uploadedAt: z.number(),
  })
  .openapi('Release');

export const rolloutIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'rol_5k2m9q8x4c7t' }) });

export const newRolloutInput = newRolloutSchema.openapi('NewRollout');

export const rolloutSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    scope: z.unknown(),
    waves: z.array(z.number()),
    soakS: z.number(),
    failureThreshold: z.number(),
    state: z.enum(rolloutStates),
    wave: z.number().describe('The wave under way, from 0'),
    waveCount: z.number(),
    waveStartedAt: z.number().nullable(),
    pausedReason: z.string().nullable(),
    failuresAccepted: z.number(),
    createdBy: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
    finishedAt: z.number().nullable(),
    counts: z.record(z.enum(rolloutBoxStates), z.number()),
    total: z.number(),
  })
  .openapi('Rollout');

export const rolloutBoxSchema = z
  .object({
    edgeId: z.string(),
    edgeName: z.string(),
    hamletCode: z.string(),
    hamletName: z.string(),
    wave: z.number(),
    state: z.enum(rolloutBoxStates),
    fromVersion: z.string().nullable(),
    currentVersion: z.string().nullable(),
    online: z.boolean(),
    bytesDone: z.number().nullable(),
    bytesTotal: z.number().nullable(),
    reason: z.string().nullable(),
    logLines: z.array(z.string()),
    sentAt: z.number().nullable(),
    healthyAt: z.number().nullable(),
    updatedAt: z.number(),
  })
  .openapi('RolloutBox');

export const pauseInput = z.object({ reason: z.string().trim().min(1).max(500).optional() }).openapi('RolloutPause');

import { z } from 'zod';
import { epochMs } from '../time.js';
import { RELEASE_ARCHES, releaseVersionSchema, type ReleaseArch } from '../releases/manifest.js';

/*
 * Over-the-air updates of the edge (issue 15): the cloud names the release a box should run in the
 * `release` desired document; the box reports each step on `events/update`. Both are additive: a box
 * older than issue 15 answers the document `rejected` ("does not handle document") and keeps running,
 * and a cloud older than it drops the events as an unknown kind.
 */

export const releaseArchSchema = z.enum(RELEASE_ARCHES);

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex sha256');

/** One bundle of the release the box should run: it picks the one of its own CPU. */
export const releaseBundleRefSchema = z.object({
  arch: releaseArchSchema,
  /** Path on the cloud, downloaded with the box's own credentials (`releaseBundlePath`). */
  path: z.string().startsWith('/api/v1/').max(300),
  bytes: z.number().int().positive(),
  sha256: sha256Hex,
});
export type ReleaseBundleRef = z.infer<typeof releaseBundleRefSchema>;

/** `desired/release`: the version the box should run, or null (no rollout for it, or it was cancelled). */
export const releaseBodySchema = z.object({
  target: z
    .object({
      version: releaseVersionSchema,
      rolloutId: z.string().min(4).max(64),
      bundles: z.array(releaseBundleRefSchema).min(1).max(RELEASE_ARCHES.length),
    })
    .nullable(),
});
export type ReleaseBody = z.infer<typeof releaseBodySchema>;

/**
 * The steps of an update as the box reports them: `downloading` (with bytes so far), `installed` (unpacked and
 * every file checked), `waiting` (for a quiet moment on the loudspeakers), `switching` (asked the supervisor),
 * `running` (the new version started and reports healthy), `failed` (this box gave up: reason), `rolled_back`
 * (the supervisor went back to the previous version: reason and the new version's last log lines).
 */
export const updatePhases = ['downloading', 'installed', 'waiting', 'switching', 'running', 'failed', 'rolled_back'] as const;
export type UpdatePhase = (typeof updatePhases)[number];

/** `events/update`. */
export const updateEventSchema = z.object({
  phase: z.enum(updatePhases),
  /** The version being installed (for rolled_back: the one that failed). */
  version: releaseVersionSchema,
  /** The rollout that asked for it; null when the box does not know (a rollback found at start). */
  rolloutId: z.string().max(64).nullable(),
  /** The version the box runs as it reports. */
  runningVersion: z.string().max(64),
  bytesDone: z.number().int().nonnegative().optional(),
  bytesTotal: z.number().int().nonnegative().optional(),
  reason: z.string().max(2000).optional(),
  /** The failed version's last log lines (rolled_back), oldest first. */
  logLines: z.array(z.string().max(2000)).max(50).optional(),
  at: epochMs.optional(),
});
export type UpdateEvent = z.infer<typeof updateEventSchema>;

/** Where a box downloads a bundle (HTTP Range for resuming), with its own credentials. */
export function releaseBundlePath(version: string, arch: ReleaseArch): string {
  return `/api/v1/device/releases/${encodeURIComponent(version)}/${arch}/bundle`;
}

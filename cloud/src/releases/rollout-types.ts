import { z } from '@hono/zod-openapi';
import { hamletCodeSchema, releaseVersionSchema } from '@smart-commune/shared';

/**
 * Which boxes a rollout reaches: chosen ones, a hamlet's, one commune's (`communeCode`), or without it
 * every active box of the deployment (the whole province; one commune in a single-commune install),
 * or `places`: the boxes of the chosen communes plus those of the chosen hamlets (of other communes;
 * the console's commune picker, issue 10). Active boxes, resolved at creation.
 */
export const rolloutScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('edges'), edgeIds: z.array(z.string().min(1).max(64)).min(1).max(5000) }),
  z.object({ kind: z.literal('hamlet'), hamletCode: hamletCodeSchema }),
  z.object({ kind: z.literal('commune'), communeCode: z.string().min(1).max(64).optional() }),
  z.object({
    kind: z.literal('places'),
    communeCodes: z.array(z.string().min(1).max(64)).max(500).default([]),
    hamletCodes: z.array(hamletCodeSchema).max(5000).default([]),
  }),
]);
export type RolloutScope = z.infer<typeof rolloutScopeSchema>;

export const newRolloutSchema = z.object({
  version: releaseVersionSchema,
  scope: rolloutScopeSchema,
  /**
   * Sizes of the waves before the last: [3] is "3 boxes first, then the rest"; [] (default) is everyone at once.
   * The next wave starts once every box of the one before has been healthy for `soakS`.
   */
  waves: z.array(z.number().int().min(1).max(100_000)).max(10).default([]),
  /** How long a wave's boxes must run healthy before the next wave starts (and, after the last, before the rollout is complete). */
  soakS: z.number().int().min(0).max(7 * 86_400).default(600),
  /**
   * Share of a wave's boxes that may fail (download, install or rollback) before the rollout pauses by itself:
   * 0 (default) pauses at the first failure.
   */
  failureThreshold: z.number().min(0).max(1).default(0),
});
export type NewRollout = z.infer<typeof newRolloutSchema>;

export const rolloutStates = ['running', 'paused', 'completed', 'cancelled'] as const;
export type RolloutState = (typeof rolloutStates)[number];

/**
 * A box's place in a rollout: pending (its wave has not started, or the rollout paused before it switched),
 * sent (told by its desired document), then as the box reports: downloading, installed, waiting (for a quiet
 * moment), switching; healthy (the new version runs), failed, rolled_back (the supervisor went back), cancelled.
 */
export const rolloutBoxStates = ['pending', 'sent', 'downloading', 'installed', 'waiting', 'switching', 'healthy', 'failed', 'rolled_back', 'cancelled'] as const;
export type RolloutBoxState = (typeof rolloutBoxStates)[number];

/** States a paused or cancelled rollout may still take back (the box has not switched yet). */
export const RETRACTABLE: readonly RolloutBoxState[] = ['sent', 'downloading', 'installed', 'waiting'];
/** States that end a box's part in a wave. */
export const SETTLED: readonly RolloutBoxState[] = ['healthy', 'failed', 'rolled_back', 'cancelled'];
export const FAILED: readonly RolloutBoxState[] = ['failed', 'rolled_back'];

export interface RolloutBox {
  edgeId: string;
  edgeName: string;
  hamletCode: string;
  hamletName: string;
  wave: number;
  state: RolloutBoxState;
  /** The version the box ran when the rollout was created. */
  fromVersion: string | null;
  /** The version it reports now (telemetry). */
  currentVersion: string | null;
  online: boolean;
  bytesDone: number | null;
  bytesTotal: number | null;
  reason: string | null;
  logLines: string[];
  sentAt: number | null;
  healthyAt: number | null;
  updatedAt: number;
}

export interface Rollout {
  id: string;
  version: string;
  scope: RolloutScope;
  waves: number[];
  soakS: number;
  failureThreshold: number;
  state: RolloutState;
  /** The wave under way (0-based) and how many there are. */
  wave: number;
  waveCount: number;
  waveStartedAt: number | null;
  pausedReason: string | null;
  /** Failures of the current wave an admin accepted by resuming: only further ones pause it again. */
  failuresAccepted: number;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** Boxes by state. */
  counts: Record<RolloutBoxState, number>;
  total: number;
}

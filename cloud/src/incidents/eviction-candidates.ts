import { sql } from 'kysely';
import type { QueryDatabase } from '../db/query/index.js';

/** Which items the byte budget deletes first: the order the issue sets, dismissed before detections before alerts. */
export const evictionTiers = ['dismissed', 'detection', 'alert'] as const;
export type EvictionTier = (typeof evictionTiers)[number];

export interface EvictionCandidate {
  id: string;
  tier: EvictionTier;
}

/**
 * The items the budget may delete, in the order it deletes them: dismissed ones (oldest first),
 * then unreviewed (`new`) detections, then unreviewed alerts. Never a confirmed item, one on legal
 * hold, or one a person is reviewing; only items holding received media (others free nothing).
 */
export class EvictionCandidates {
  constructor(private readonly q: QueryDatabase) {}

  async next(limit: number): Promise<EvictionCandidate[]> {
    const tier = sql<EvictionTier>`CASE WHEN status = 'dismissed' THEN 'dismissed' WHEN severity = 'detection' THEN 'detection' ELSE 'alert' END`;
    const rank = sql<number>`CASE WHEN status = 'dismissed' THEN 0 WHEN severity = 'detection' THEN 1 ELSE 2 END`;
    return this.q.db
      .selectFrom('incidents')
      .select(['id', tier.as('tier')])
      .where('legal_hold', '=', 0)
      .where('status', 'in', ['dismissed', 'new'])
      .where((eb) => eb.or([eb('snapshot_received_at', 'is not', null), eb('clip_received_at', 'is not', null)]))
      .orderBy(rank)
      .orderBy('received_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  }
}

import type { Db } from '../db/database.js';

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
  private readonly query;

  constructor(db: Db) {
    this.query = db.prepare(
      `SELECT id, tier FROM (
         SELECT id, received_at,
                CASE WHEN status = 'dismissed' THEN 'dismissed' WHEN severity = 'detection' THEN 'detection' ELSE 'alert' END AS tier
           FROM incidents
          WHERE legal_hold = 0 AND status IN ('dismissed', 'new')
            AND (snapshot_received_at IS NOT NULL OR clip_received_at IS NOT NULL))
        ORDER BY CASE tier WHEN 'dismissed' THEN 0 WHEN 'detection' THEN 1 ELSE 2 END, received_at, id
        LIMIT ?`,
    );
  }

  next(limit: number): EvictionCandidate[] {
    return this.query.all(limit) as EvictionCandidate[];
  }
}

import type { Db } from '../db/database.js';

/** Which items the byte budget deletes first: the order the issue sets, dismissed before detections before alerts. */
export const evictionTiers = ['dismissed', 'detection', 'alert'] as const;
export type EvictionTier = (typeof evictionTiers)[number];

export interface EvictionCandidate {
  id: string;
  tier: EvictionTier;
  snapshotSha256: string | null;
  clipSha256: string | null;
}

/**
 * The items the budget may delete, in the order it deletes them: dismissed ones (oldest first),
 * then unreviewed (`new`) detections, then unreviewed alerts. Never a confirmed item, one on legal
 * hold, or one a person is reviewing; only items holding received media (others free nothing).
 * Items carry a severity (alert | detection) once review items land (issue 12); until the column
 * exists every item counts as an alert, so the order already reads it when it is there.
 */
export class EvictionCandidates {
  private readonly query;

  constructor(db: Db) {
    const columns = db.prepare("SELECT name FROM pragma_table_info('incidents')").all() as { name: string }[];
    const severity = columns.some((c) => c.name === 'severity') ? "CASE WHEN severity = 'detection' THEN 'detection' ELSE 'alert' END" : "'alert'";
    this.query = db.prepare(
      `SELECT id, snapshot_sha256 AS snapshotSha256, clip_sha256 AS clipSha256, tier FROM (
         SELECT id, snapshot_sha256, clip_sha256, received_at,
                CASE WHEN status = 'dismissed' THEN 'dismissed' ELSE ${severity} END AS tier
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

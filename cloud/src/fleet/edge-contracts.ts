import { BASELINE_CONTRACT, type ContractAnnouncement, type Telemetry } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { CloudMetrics } from '../metrics.js';

export interface AnnouncedContract extends ContractAnnouncement {
  /** When the box last announced a different contract (or first announced one). */
  announcedAt: number;
}

const same = (a: ContractAnnouncement, b: ContractAnnouncement) =>
  a.version === b.version && JSON.stringify([...a.features].sort()) === JSON.stringify([...b.features].sort());

/**
 * The contract each box understands, from its telemetry: what it announced, or revision 1 when it
 * announces nothing (a box older than the announcement, or one the supervisor rolled back to such
 * a version). A change is published as `edge.contract`, so documents are sent again as the box can
 * now take them.
 */
export class EdgeContracts {
  private readonly select;
  private readonly store;

  constructor(
    db: Db,
    private readonly bus?: DomainEventBus,
    metrics?: CloudMetrics,
  ) {
    const revisions = db.prepare(
      `SELECT COALESCE(json_extract(s.contract, '$.version'), 1) AS revision, COUNT(*) AS count
       FROM edges e JOIN edge_state s ON s.edge_id = e.id WHERE e.status = 'active' GROUP BY 1`,
    );
    metrics?.contractRevisionsWith(() => revisions.all() as { revision: number; count: number }[]);
    this.select = db.prepare('SELECT contract, contract_at FROM edge_state WHERE edge_id = ?');
    this.store = db.prepare('UPDATE edge_state SET contract = ?, contract_at = ? WHERE edge_id = ?');
  }

  /** What the box last announced; null before its first telemetry (treat as revision 1). */
  of(edgeId: string): AnnouncedContract | null {
    const row = this.select.get(edgeId) as { contract: string | null; contract_at: number | null } | undefined;
    if (!row?.contract) return null;
    return { ...(JSON.parse(row.contract) as ContractAnnouncement), announcedAt: row.contract_at ?? 0 };
  }

  onTelemetry(edgeId: string, telemetry: Telemetry, at = Date.now()): void {
    const announced = telemetry.contract ?? BASELINE_CONTRACT;
    const before = this.of(edgeId);
    if (before && same(before, announced)) return;
    this.store.run(JSON.stringify({ version: announced.version, features: announced.features }), at, edgeId);
    this.bus?.publish('edge.contract', { edgeId, at, version: announced.version, previous: before?.version ?? null });
  }
}

import { BASELINE_CONTRACT, type ContractAnnouncement, type Telemetry } from '@smart-commune/shared';
import type { Kysely } from 'kysely';
import { jsonNumber, type Database, type QueryDatabase } from '../db/query/index.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { CloudMetrics } from '../metrics.js';

export interface AnnouncedContract extends ContractAnnouncement {
  /** When the box last announced a different contract (or first announced one). */
  announcedAt: number;
}

/** The same revision and features, in whatever order the box listed them. */
const same = (a: ContractAnnouncement, b: ContractAnnouncement) =>
  a.version === b.version && JSON.stringify([...a.features].sort()) === JSON.stringify([...b.features].sort());

/**
 * The contract each box understands, from its telemetry: what it announced, or revision 1 when it
 * announces nothing (a box older than the announcement, or one the supervisor rolled back to such
 * a version). A change is published as `edge.contract`, so documents are sent again as the box can
 * now take them. The change is one conditional UPDATE (only when the stored text differs): with
 * several cloud processes, or the same telemetry received twice, it is published once.
 */
export class EdgeContracts {
  constructor(
    private readonly q: QueryDatabase,
    private readonly bus?: DomainEventBus,
    metrics?: CloudMetrics,
  ) {
    metrics?.contractRevisionsWith(() => this.revisions());
  }

  /** How many active boxes speak each revision (1: none announced, or no telemetry yet), for the metric. */
  async revisions(): Promise<{ revision: number; count: number }[]> {
    const { db, dialect } = this.q;
    // grouped over a subquery: PostgreSQL would not match a JSON path passed twice as two parameters
    const perBox = db
      .selectFrom('edges as e')
      .innerJoin('edge_state as s', 's.edge_id', 'e.id')
      .select((eb) => eb.fn.coalesce(jsonNumber(dialect, eb.ref('s.contract'), ['version']), eb.lit(1)).as('revision'))
      .where('e.status', '=', 'active');
    const rows = await db
      .selectFrom(perBox.as('b'))
      .select((eb) => ['b.revision', eb.fn.countAll<number>().as('count')])
      .groupBy('b.revision')
      .execute();
    return rows.map((r) => ({ revision: Number(r.revision), count: Number(r.count) }));
  }

  /**
   * What the box last announced; null before its first telemetry (treat as revision 1). `db`: a
   * transaction to read in (a document stored inside one is gated by the contract read there: on
   * SQLite a read outside would wait for the transaction's own connection).
   */
  async of(edgeId: string, db: Kysely<Database> = this.q.db): Promise<AnnouncedContract | null> {
    const row = await db.selectFrom('edge_state').select(['contract', 'contract_at']).where('edge_id', '=', edgeId).executeTakeFirst();
    if (!row?.contract) return null;
    return { ...(JSON.parse(row.contract) as ContractAnnouncement), announcedAt: row.contract_at ?? 0 };
  }

  async onTelemetry(edgeId: string, telemetry: Telemetry, at = Date.now()): Promise<void> {
    const announced = telemetry.contract ?? BASELINE_CONTRACT;
    // stored as announced (the box page lists the features in the box's order)
    const text = JSON.stringify({ version: announced.version, features: announced.features });
    const before = await this.of(edgeId);
    if (before && same(before, announced)) return;
    const changed = await this.q.db
      .updateTable('edge_state')
      .set({ contract: text, contract_at: at })
      .where('edge_id', '=', edgeId)
      .where((eb) => eb.or([eb('contract', 'is', null), eb('contract', '<>', text)]))
      .returning('edge_id')
      .executeTakeFirst();
    // another process (or an earlier message) stored this very announcement: it published the change
    if (!changed) return;
    this.bus?.publish('edge.contract', { edgeId, at, version: announced.version, previous: before?.version ?? null });
  }
}

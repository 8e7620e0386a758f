import { newId, type ContractAnnouncement, type Telemetry } from '@smart-commune/shared';
import type { AnnouncedContract } from './edge-contracts.js';
import type { Db } from '../db/database.js';
import { badRequest, notFound } from '../http/errors.js';
import { isProvinceLevel, type Scoped } from '../communes/scope.js';

export type EdgeStatus = 'unclaimed' | 'active' | 'revoked';

export interface Edge {
  id: string;
  name: string;
  hamletCode: string;
  hamletName: string;
  /** The commune of its hamlet: a box belongs to the commune its hamlet is in (issue 10). */
  communeCode: string;
  lat: number | null;
  lon: number | null;
  notes: string;
  status: EdgeStatus;
  hostname: string | null;
  claimedAt: number | null;
  online: boolean;
  lastSeenAt: number | null;
  offlineReason: string | null;
  telemetry: Telemetry | null;
  telemetryAt: number | null;
  /** The contract it announced (revision 1, no features, when it announces none); null before its first telemetry. */
  contract: AnnouncedContract | null;
  createdAt: number;
  updatedAt: number;
}

interface EdgeRow {
  id: string;
  name: string;
  hamlet_code: string;
  hamlet_name: string;
  commune_code: string;
  lat: number | null;
  lon: number | null;
  notes: string;
  status: EdgeStatus;
  hostname: string | null;
  claimed_at: number | null;
  online: number | null;
  last_seen_at: number | null;
  offline_reason: string | null;
  telemetry: string | null;
  telemetry_at: number | null;
  contract: string | null;
  contract_at: number | null;
  created_at: number;
  updated_at: number;
}

const SELECT = `
  SELECT e.*, h.name AS hamlet_name, h.commune_code, s.online, s.last_seen_at, s.offline_reason, s.telemetry, s.telemetry_at, s.contract, s.contract_at
  FROM edges e JOIN hamlets h ON h.code = e.hamlet_code LEFT JOIN edge_state s ON s.edge_id = e.id`;

const toEdge = (row: EdgeRow): Edge => ({
  id: row.id,
  name: row.name,
  hamletCode: row.hamlet_code,
  hamletName: row.hamlet_name,
  communeCode: row.commune_code,
  lat: row.lat,
  lon: row.lon,
  notes: row.notes,
  status: row.status,
  hostname: row.hostname,
  claimedAt: row.claimed_at,
  online: row.online === 1,
  lastSeenAt: row.last_seen_at,
  offlineReason: row.offline_reason,
  telemetry: row.telemetry ? (JSON.parse(row.telemetry) as Telemetry) : null,
  telemetryAt: row.telemetry_at,
  contract: row.contract ? { ...(JSON.parse(row.contract) as ContractAnnouncement), announcedAt: row.contract_at ?? 0 } : null,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface NewEdge {
  name: string;
  hamletCode: string;
  lat?: number | null;
  lon?: number | null;
  notes?: string;
}

export type EdgePatch = Partial<NewEdge>;

export interface EdgeFilter {
  hamletCode?: string;
  /** Only the boxes of this commune (a commune's people: scopeFilter). */
  communeCode?: string;
  online?: boolean;
  status?: EdgeStatus;
}

/** Edge box records and their live state (online, last seen, last telemetry). */
export class EdgeStore {
  constructor(private readonly db: Db) {}

  list(filter: EdgeFilter = {}): Edge[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.hamletCode) (where.push('e.hamlet_code = ?'), args.push(filter.hamletCode));
    if (filter.communeCode) (where.push('h.commune_code = ?'), args.push(filter.communeCode));
    if (filter.status) (where.push('e.status = ?'), args.push(filter.status));
    if (filter.online !== undefined) (where.push('COALESCE(s.online, 0) = ?'), args.push(Number(filter.online)));
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY h.position, e.name`;
    return (this.db.prepare(sql).all(...args) as EdgeRow[]).map(toEdge);
  }

  find(id: string): Edge | null {
    const row = this.db.prepare(`${SELECT} WHERE e.id = ?`).get(id) as EdgeRow | undefined;
    return row ? toEdge(row) : null;
  }

  get(id: string): Edge {
    const edge = this.find(id);
    if (!edge) throw notFound(`edge ${id}`);
    return edge;
  }

  /**
   * A new unclaimed box. `by` is who asks: a commune's person may only name a hamlet of their
   * commune (another commune's hamlet is refused as unknown, as if it did not exist).
   */
  create(input: NewEdge, by?: Scoped): Edge {
    this.assertHamlet(input.hamletCode, by);
    const id = newId('edg');
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO edges (id, name, hamlet_code, lat, lon, notes, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'unclaimed', ?, ?)`,
        )
        .run(id, input.name, input.hamletCode, input.lat ?? null, input.lon ?? null, input.notes ?? '', now, now);
      this.db.prepare('INSERT INTO edge_state (edge_id) VALUES (?)').run(id);
    })();
    return this.get(id);
  }

  /** Changes a box; a commune's person can never move it to another commune's hamlet (a province-level person may). */
  update(id: string, patch: EdgePatch, by?: Scoped): Edge {
    const current = this.get(id);
    if (patch.hamletCode) this.assertHamlet(patch.hamletCode, by);
    const next = { ...current, ...patch };
    this.db
      .prepare('UPDATE edges SET name = ?, hamlet_code = ?, lat = ?, lon = ?, notes = ?, updated_at = ? WHERE id = ?')
      .run(next.name, next.hamletCode, next.lat ?? null, next.lon ?? null, next.notes ?? '', Date.now(), id);
    return this.get(id);
  }

  delete(id: string): void {
    this.get(id);
    this.db.prepare('DELETE FROM edges WHERE id = ?').run(id);
  }

  private assertHamlet(code: string, by?: Scoped): void {
    const row = this.db.prepare('SELECT commune_code FROM hamlets WHERE code = ?').get(code) as { commune_code: string } | undefined;
    const mine = row !== undefined && (!by || isProvinceLevel(by) || row.commune_code === by.communeCode);
    if (!mine) throw badRequest(`unknown hamlet code "${code}"`);
  }
}

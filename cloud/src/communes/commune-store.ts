import type { Db } from '../db/database.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import { hamletCodeFor } from './codes.js';
import type { CommunesTable } from '../db/query/tables.js';

/** A commune of the province with what hangs under it. */
export interface Commune {
  code: string;
  name: string;
  /** Kept for communes named before the 2025 reform; '' since then (two tiers: province, commune). */
  district: string;
  province: string;
  /** Mã đơn vị hành chính of the commune and of its province; null until set (never guessed). */
  adminCode: string | null;
  provinceAdminCode: string | null;
  createdAt: number;
  /** Retired: hidden from pickers; its boxes, people and history stay. */
  retiredAt: number | null;
  /** Hamlets not retired. */
  hamlets: number;
  edges: number;
  online: number;
}

export interface CommuneHamlet {
  code: string;
  communeCode: string;
  name: string;
  position: number;
  retiredAt: number | null;
  edges: number;
  online: number;
}

export interface NewCommune {
  code: string;
  name: string;
  district?: string;
  province: string;
  adminCode?: string | null;
  provinceAdminCode?: string | null;
}

export interface CommunePatch {
  name?: string;
  district?: string;
  province?: string;
  adminCode?: string | null;
  provinceAdminCode?: string | null;
  retired?: boolean;
}

/** A commune with its hamlets, boxes and boxes online counted (COMMUNE_SELECT). */
type CommuneRow = CommunesTable & { hamlets: number; edges: number; online: number };

const toCommune = (r: CommuneRow): Commune => ({
  code: r.code,
  name: r.name,
  district: r.district,
  province: r.province,
  adminCode: r.admin_code,
  provinceAdminCode: r.province_admin_code,
  createdAt: r.created_at ?? 0,
  retiredAt: r.retired_at,
  hamlets: r.hamlets,
  edges: r.edges,
  online: r.online,
});

// counted per commune in sub-queries: one row per commune, whatever the number of boxes
const COMMUNE_SELECT = `
  SELECT c.*,
    (SELECT COUNT(*) FROM hamlets h WHERE h.commune_code = c.code AND h.retired_at IS NULL) AS hamlets,
    (SELECT COUNT(*) FROM edges e JOIN hamlets h ON h.code = e.hamlet_code WHERE h.commune_code = c.code AND e.status != 'revoked') AS edges,
    (SELECT COUNT(*) FROM edges e JOIN hamlets h ON h.code = e.hamlet_code JOIN edge_state s ON s.edge_id = e.id
      WHERE h.commune_code = c.code AND e.status != 'revoked' AND s.online = 1) AS online
  FROM communes c`;

const HAMLET_SELECT = `
  SELECT h.code, h.commune_code AS communeCode, h.name, h.position, h.retired_at AS retiredAt,
    (SELECT COUNT(*) FROM edges e WHERE e.hamlet_code = h.code AND e.status != 'revoked') AS edges,
    (SELECT COUNT(*) FROM edges e JOIN edge_state s ON s.edge_id = e.id WHERE e.hamlet_code = h.code AND e.status != 'revoked' AND s.online = 1) AS online
  FROM hamlets h`;

const isUnique = (err: unknown) => String(err).includes('UNIQUE');

/**
 * The province's communes and their hamlets. Nothing is ever deleted: a commune or a hamlet is
 * retired (hidden from pickers), because boxes, programmes and history keep pointing at it.
 */
export class CommuneStore {
  constructor(private readonly db: Db) {}

  list({ includeRetired = true }: { includeRetired?: boolean } = {}): Commune[] {
    const where = includeRetired ? '' : ' WHERE c.retired_at IS NULL';
    return (this.db.prepare(`${COMMUNE_SELECT}${where} ORDER BY c.retired_at IS NOT NULL, c.created_at, c.code`).all() as CommuneRow[]).map(toCommune);
  }

  get(code: string): Commune {
    const row = this.db.prepare(`${COMMUNE_SELECT} WHERE c.code = ?`).get(code) as CommuneRow | undefined;
    if (!row) throw notFound(`commune ${code}`);
    return toCommune(row);
  }

  /** The commune a person or an object may be put in: it exists and is not retired. */
  assertActive(code: string, field = 'communeCode'): Commune {
    const row = this.db.prepare(`${COMMUNE_SELECT} WHERE c.code = ?`).get(code) as CommuneRow | undefined;
    if (!row) throw badRequest(`${field}: no commune "${code}"`, [{ path: field, message: `no commune "${code}"` }]);
    if (row.retired_at !== null) throw badRequest(`${field}: commune "${code}" is retired`, [{ path: field, message: `commune "${code}" is retired` }]);
    return toCommune(row);
  }

  create(input: NewCommune): Commune {
    try {
      this.db
        .prepare('INSERT INTO communes (code, name, district, province, admin_code, province_admin_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(input.code, input.name, input.district ?? '', input.province, input.adminCode ?? null, input.provinceAdminCode ?? null, Date.now());
    } catch (err) {
      if (!isUnique(err)) throw err;
      if (this.exists(input.code)) throw conflict(`commune code "${input.code}" is already taken`);
      throw conflict(`administrative code "${input.adminCode}" is already another commune's`);
    }
    return this.get(input.code);
  }

  update(code: string, patch: CommunePatch): Commune {
    const current = this.get(code);
    if (patch.retired === true && current.retiredAt === null) this.assertNoBoxOnline(`commune ${code}`, current.online);
    const retiredAt = patch.retired === undefined ? current.retiredAt : patch.retired ? (current.retiredAt ?? Date.now()) : null;
    const pick = <K extends keyof CommunePatch & keyof Commune>(key: K) => (patch[key] === undefined ? current[key] : patch[key]);
    try {
      this.db
        .prepare('UPDATE communes SET name = ?, district = ?, province = ?, admin_code = ?, province_admin_code = ?, retired_at = ? WHERE code = ?')
        .run(pick('name'), pick('district'), pick('province'), pick('adminCode'), pick('provinceAdminCode'), retiredAt, code);
    } catch (err) {
      if (isUnique(err)) throw conflict(`administrative code "${patch.adminCode}" is already another commune's`);
      throw err;
    }
    return this.get(code);
  }

  exists(code: string): boolean {
    return this.db.prepare('SELECT 1 FROM communes WHERE code = ?').get(code) !== undefined;
  }

  hamlets(communeCode: string, { includeRetired = true }: { includeRetired?: boolean } = {}): CommuneHamlet[] {
    this.get(communeCode);
    const where = includeRetired ? '' : ' AND h.retired_at IS NULL';
    return this.db.prepare(`${HAMLET_SELECT} WHERE h.commune_code = ?${where} ORDER BY h.position, h.code`).all(communeCode) as CommuneHamlet[];
  }

  hamlet(code: string): CommuneHamlet {
    const row = this.db.prepare(`${HAMLET_SELECT} WHERE h.code = ?`).get(code) as CommuneHamlet | undefined;
    if (!row) throw notFound(`hamlet ${code}`);
    return row;
  }

  /**
   * Adds a hamlet at the end of its commune's order. Hamlet codes are keys across the province: one
   * not given is made from the commune's code and the name ("xa-a-ap-moi").
   */
  addHamlet(communeCode: string, input: { code?: string; name: string }): CommuneHamlet {
    const commune = this.get(communeCode);
    if (commune.retiredAt !== null) throw conflict(`commune ${communeCode} is retired: restore it before adding hamlets`);
    const code = input.code ?? hamletCodeFor(communeCode, input.name);
    const { next } = this.db.prepare('SELECT COALESCE(MAX(position) + 1, 0) AS next FROM hamlets WHERE commune_code = ?').get(communeCode) as { next: number };
    try {
      this.db.prepare('INSERT INTO hamlets (code, commune_code, name, position) VALUES (?, ?, ?, ?)').run(code, communeCode, input.name, next);
    } catch (err) {
      if (isUnique(err)) throw conflict(`hamlet code "${code}" is already taken in the province${input.code ? '' : ': give the hamlet a code of its own'}`);
      throw err;
    }
    return this.hamlet(code);
  }

  updateHamlet(code: string, patch: { name?: string; retired?: boolean }): CommuneHamlet {
    const current = this.hamlet(code);
    if (patch.retired === true && current.retiredAt === null) this.assertNoBoxOnline(`hamlet ${code}`, current.online);
    const retiredAt = patch.retired === undefined ? current.retiredAt : patch.retired ? (current.retiredAt ?? Date.now()) : null;
    this.db.prepare('UPDATE hamlets SET name = ?, retired_at = ? WHERE code = ?').run(patch.name ?? current.name, retiredAt, code);
    return this.hamlet(code);
  }

  /** Puts the commune's hamlets in this order: every hamlet of the commune, each once, retired ones too. */
  reorder(communeCode: string, codes: readonly string[]): CommuneHamlet[] {
    const known = this.hamlets(communeCode).map((h) => h.code);
    const missing = known.filter((c) => !codes.includes(c));
    const foreign = codes.filter((c) => !known.includes(c));
    const twice = codes.filter((c, i) => codes.indexOf(c) !== i);
    const problems = [
      ...foreign.map((c) => ({ path: 'codes', message: `"${c}" is not a hamlet of ${communeCode}` })),
      ...twice.map((c) => ({ path: 'codes', message: `"${c}" is listed twice` })),
      ...missing.map((c) => ({ path: 'codes', message: `"${c}" is missing` })),
    ];
    if (problems.length) throw badRequest(`codes: list every hamlet of ${communeCode} once (${problems.map((p) => p.message).join('; ')})`, problems);
    const update = this.db.prepare('UPDATE hamlets SET position = ? WHERE code = ?');
    this.db.transaction(() => codes.forEach((c, i) => update.run(i, c)))();
    return this.hamlets(communeCode);
  }

  /**
   * An online box is playing for its hamlet now: retiring what it belongs to would hide it from
   * every picker while it still runs. Revoke or move its boxes first.
   */
  private assertNoBoxOnline(what: string, online: number): void {
    if (online > 0) throw conflict(`${what} has ${online} box${online === 1 ? '' : 'es'} online: revoke or move ${online === 1 ? 'it' : 'them'} to another hamlet before retiring`);
  }
}

import type { Db } from '../db/database.js';

/** A commune as the public sees it: its code (the path of its pages), name and where it is. */
export interface CommuneInfo {
  code: string;
  name: string;
  district: string;
  province: string;
  /** Set when the province retired it: its pages no longer take reports, its history stays. */
  retiredAt: number | null;
}

export interface CommuneHamlet {
  code: string;
  name: string;
}

interface Row {
  code: string;
  name: string;
  district: string;
  province: string;
  retired_at: number | null;
}

const toInfo = (r: Row): CommuneInfo => ({ code: r.code, name: r.name, district: r.district, province: r.province, retiredAt: r.retired_at });
const COLUMNS = 'code, name, district, province, retired_at';

/**
 * The read side of the province's communes and their hamlets that the citizens' pages and report
 * intake need (issue 10). Managing communes (create, rename, retire, import) is the communes API's.
 */
export class CommuneDirectory {
  constructor(private readonly db: Db) {}

  /** The communes that are not retired, in name order (Vietnamese collation is not in SQLite: sorted here). */
  active(): CommuneInfo[] {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM communes WHERE retired_at IS NULL`).all() as Row[];
    return rows.map(toInfo).sort((a, b) => a.name.localeCompare(b.name, 'vi') || a.code.localeCompare(b.code));
  }

  /** A commune by its code, retired or not; null when there is none. */
  find(code: string): CommuneInfo | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM communes WHERE code = ?`).get(code) as Row | undefined;
    return row ? toInfo(row) : null;
  }

  /**
   * The one commune of a single-commune install (exactly one that is not retired), whose pages keep
   * the addresses they had before the province (/phan-anh, /thong-bao); null once there are several.
   */
  single(): CommuneInfo | null {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM communes WHERE retired_at IS NULL LIMIT 2`).all() as Row[];
    return rows.length === 1 ? toInfo(rows[0]!) : null;
  }

  /** The hamlets of one commune in service (a retired hamlet leaves the pickers), in their usual order. */
  hamletsOf(communeCode: string): CommuneHamlet[] {
    return this.db.prepare('SELECT code, name FROM hamlets WHERE commune_code = ? AND retired_at IS NULL ORDER BY position, code').all(communeCode) as CommuneHamlet[];
  }
}

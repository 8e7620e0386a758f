import type { Db } from '../../db/database.js';

/**
 * The names a notification shows instead of ids (box "Cổng trường" of "Ấp 2A", the alert's title),
 * read when the notification is written. Anything not found falls back to its id: a push about a
 * box deleted meanwhile still says which one it was.
 */
export class SubjectNames {
  constructor(private readonly db: Db) {}

  hamlet(code: string | null): string | null {
    if (!code) return null;
    const row = this.db.prepare('SELECT name FROM hamlets WHERE code = ?').get(code) as { name: string } | undefined;
    return row?.name ?? code;
  }

  edge(edgeId: string): { name: string; hamlet: string | null } {
    const row = this.db.prepare('SELECT e.name, h.name AS hamlet FROM edges e LEFT JOIN hamlets h ON h.code = e.hamlet_code WHERE e.id = ?').get(edgeId) as
      | { name: string; hamlet: string | null }
      | undefined;
    return row ?? { name: edgeId, hamlet: null };
  }

  camera(edgeId: string, cameraId: string): string {
    try {
      const row = this.db
        .prepare(
          `SELECT json_extract(c.value, '$.name') AS name FROM documents d, json_each(d.body, '$.surveillance.cameras') c
           WHERE d.edge_id = ? AND json_extract(c.value, '$.id') = ? LIMIT 1`,
        )
        .get(edgeId, cameraId) as { name: string | null } | undefined;
      return row?.name || cameraId;
    } catch {
      return cameraId; // a document that is not JSON
    }
  }

  alertTitle(alertId: string): string {
    const row = this.db.prepare('SELECT title FROM alerts WHERE id = ?').get(alertId) as { title: string } | undefined;
    return row?.title ?? alertId;
  }
}

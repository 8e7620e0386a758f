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

  /** The box's name, its hamlet's name and code (the code decides whose pushes it is, see inScope). */
  edge(edgeId: string): { name: string; hamlet: string | null; hamletCode: string | null } {
    const row = this.db
      .prepare('SELECT e.name, h.name AS hamlet, e.hamlet_code AS hamletCode FROM edges e LEFT JOIN hamlets h ON h.code = e.hamlet_code WHERE e.id = ?')
      .get(edgeId) as { name: string; hamlet: string | null; hamletCode: string | null } | undefined;
    return row ?? { name: edgeId, hamlet: null, hamletCode: null };
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

  /**
   * Whether the cloud still holds the box, camera or loudspeaker zone offline (or muted), read when the offline delay ends: the
   * bus cancels the check when it comes back, this also covers a comeback the bus did not carry
   * (a restart in between). Unknown (deleted) counts as not offline: nothing to tell.
   */
  stillOffline(device: { what: 'edge' | 'camera' | 'speaker'; edgeId: string; cameraId?: string; zone?: string }): boolean {
    if (device.what === 'speaker') {
      const row = this.db.prepare('SELECT state FROM speaker_state WHERE edge_id = ? AND zone = ?').get(device.edgeId, device.zone) as { state: string } | undefined;
      return row !== undefined && row.state !== 'ok';
    }
    if (device.what === 'edge') {
      const row = this.db.prepare('SELECT online FROM edge_state WHERE edge_id = ?').get(device.edgeId) as { online: number } | undefined;
      return row !== undefined && row.online === 0;
    }
    const row = this.db.prepare('SELECT status FROM camera_status WHERE edge_id = ? AND camera_id = ?').get(device.edgeId, device.cameraId) as { status: string } | undefined;
    return row !== undefined && (row.status === 'reconnecting' || row.status === 'failed');
  }

  alertTitle(alertId: string): string {
    const row = this.db.prepare('SELECT title FROM alerts WHERE id = ?').get(alertId) as { title: string } | undefined;
    return row?.title ?? alertId;
  }
}

import type { QueryDatabase } from '../../db/query/index.js';

/**
 * The cameras a box's documents declare (`surveillance.cameras[]`), id → name. Read in code rather
 * than with the databases' JSON functions: a box has a handful of documents, and a body that is not
 * JSON (or a `cameras` that is not an array) is skipped here, where PostgreSQL's jsonb cast would fail
 * the whole query.
 */
export function camerasOfDocuments(bodies: readonly string[]): Map<string, string | null> {
  const cameras = new Map<string, string | null>();
  for (const body of bodies) {
    let list: unknown;
    try {
      list = (JSON.parse(body) as { surveillance?: { cameras?: unknown } } | null)?.surveillance?.cameras;
    } catch {
      continue; // a document that is not JSON
    }
    if (!Array.isArray(list)) continue;
    for (const camera of list as unknown[]) {
      const { id, name } = (camera ?? {}) as { id?: unknown; name?: unknown };
      if (typeof id === 'string' && !cameras.has(id)) cameras.set(id, typeof name === 'string' ? name : null);
    }
  }
  return cameras;
}

/**
 * The names a notification shows instead of ids (box "Cổng trường" of "Ấp 2A", the alert's title),
 * read when the notification is written. Anything not found falls back to its id: a push about a
 * box deleted meanwhile still says which one it was.
 */
export class SubjectNames {
  constructor(private readonly q: QueryDatabase) {}

  async hamlet(code: string | null): Promise<string | null> {
    if (!code) return null;
    const row = await this.q.db.selectFrom('hamlets').select('name').where('code', '=', code).executeTakeFirst();
    return row?.name ?? code;
  }

  /** The box's name, its hamlet's name and code (the code decides whose pushes it is, see inScope). */
  async edge(edgeId: string): Promise<{ name: string; hamlet: string | null; hamletCode: string | null }> {
    const row = await this.q.db
      .selectFrom('edges as e')
      .leftJoin('hamlets as h', 'h.code', 'e.hamlet_code')
      .select(['e.name', 'h.name as hamlet', 'e.hamlet_code as hamletCode'])
      .where('e.id', '=', edgeId)
      .executeTakeFirst();
    return row ?? { name: edgeId, hamlet: null, hamletCode: null };
  }

  /** The communes of these hamlets (a hamlet not found is left out). */
  async hamletCommunes(codes: readonly string[]): Promise<Map<string, string | null>> {
    if (codes.length === 0) return new Map();
    const rows = await this.q.db.selectFrom('hamlets').select(['code', 'commune_code']).where('code', 'in', [...new Set(codes)]).execute();
    return new Map(rows.map((r) => [r.code, r.commune_code]));
  }

  async camera(edgeId: string, cameraId: string): Promise<string> {
    const documents = await this.q.db.selectFrom('documents').select('body').where('edge_id', '=', edgeId).execute();
    return camerasOfDocuments(documents.map((d) => d.body)).get(cameraId) || cameraId;
  }

  /**
   * Whether the cloud still holds the box, camera or loudspeaker zone offline (or muted), read when the offline delay ends: the
   * bus cancels the check when it comes back, this also covers a comeback the bus did not carry
   * (a restart in between). Unknown (deleted) counts as not offline: nothing to tell.
   */
  async stillOffline(device: { what: 'edge' | 'camera' | 'speaker'; edgeId: string; cameraId?: string; zone?: string }): Promise<boolean> {
    const { db } = this.q;
    if (device.what === 'speaker') {
      const row = await db.selectFrom('speaker_state').select('state').where('edge_id', '=', device.edgeId).where('zone', '=', device.zone ?? '').executeTakeFirst();
      return row !== undefined && row.state !== 'ok';
    }
    if (device.what === 'edge') {
      const row = await db.selectFrom('edge_state').select('online').where('edge_id', '=', device.edgeId).executeTakeFirst();
      return row !== undefined && row.online === 0;
    }
    const row = await db.selectFrom('camera_status').select('status').where('edge_id', '=', device.edgeId).where('camera_id', '=', device.cameraId ?? '').executeTakeFirst();
    return row !== undefined && (row.status === 'reconnecting' || row.status === 'failed');
  }

  async alertTitle(alertId: string): Promise<string> {
    const row = await this.q.db.selectFrom('alerts').select('title').where('id', '=', alertId).executeTakeFirst();
    return row?.title ?? alertId;
  }
}

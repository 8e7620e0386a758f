import type { Db } from '../db/database.js';
import { edgeCommuneSql } from './edge-commune.js';

/**
 * The commune of an object named the way the audit log's targets and the outbox's subjects name
 * them (`incident:<id>`, `camera:<edgeId>/<cameraId>`, `alert:<id>` …): what stamps an audit entry or
 * a notification with the commune it belongs to, so each commune reads only its own. A box's devices
 * (camera, speaker) are its box's commune, through its hamlet.
 */
const BY_KIND: Record<string, string> = {
  incident: 'SELECT commune_code FROM incidents WHERE id = @key',
  footage: 'SELECT commune_code FROM footage_requests WHERE id = @key',
  report: 'SELECT commune_code FROM reports WHERE code = @key OR id = @key',
  alert: 'SELECT commune_code FROM alerts WHERE id = @key',
  bulletin: 'SELECT commune_code FROM bulletins WHERE id = @key',
  held: 'SELECT commune_code FROM held_alerts WHERE id = @key',
  live: 'SELECT commune_code FROM live_sessions WHERE id = @key',
  station: 'SELECT commune_code FROM radio_stations WHERE id = @key',
  relay: 'SELECT commune_code FROM relay_runs WHERE id = @key',
  notification: 'SELECT commune_code FROM notification_outbox WHERE id = @key',
  user: 'SELECT commune_code FROM users WHERE username = @key',
  edge: `SELECT ${edgeCommuneSql('@key')}`,
};
/** Named by their box: `camera:<edgeId>/<cameraId>`, `speaker:<edgeId>/<zone>`. */
const OF_BOX = new Set(['camera', 'speaker']);

export class ObjectCommunes {
  private readonly statements = new Map<string, { get(params: { key: string }): unknown }>();

  constructor(private readonly db: Db) {}

  /** The commune of `kind:key`, null when the object is the province's own, unknown, or of no commune. */
  of(name: string): string | null {
    const colon = name.indexOf(':');
    if (colon < 1) return null;
    const kind = name.slice(0, colon);
    const key = name.slice(colon + 1);
    if (OF_BOX.has(kind)) return this.lookup('edge', key.split('/')[0] ?? '');
    return kind in BY_KIND ? this.lookup(kind, key) : null;
  }

  /** A person's commune by their username, a box's (`edge:<id>`) through its hamlet; null for `system`, `public`. */
  ofActor(actor: string): string | null {
    return actor.startsWith('edge:') ? this.of(actor) : this.lookup('user', actor);
  }

  private lookup(kind: string, key: string): string | null {
    let statement = this.statements.get(kind);
    if (!statement) {
      statement = this.db.prepare(BY_KIND[kind]!).pluck();
      this.statements.set(kind, statement);
    }
    return (statement.get({ key }) as string | null | undefined) ?? null;
  }
}

import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db/query/baseline-support.js';
import type { QueryDatabase } from '../db/query/connect.js';
import { eqNoCase } from '../db/query/dialect.js';
import type { Database } from '../db/query/tables.js';
import { edgeCommuneQuery } from './edge-commune.js';

/**
 * The commune of an object named the way the audit log's targets and the outbox's subjects name
 * them (`incident:<id>`, `camera:<edgeId>/<cameraId>`, `alert:<id>` …): what stamps an audit entry or
 * a notification with the commune it belongs to, so each commune reads only its own. A box's devices
 * (camera, speaker) are its box's commune, through its hamlet.
 */
type Lookup = (db: Kysely<Database>, d: DialectName, key: string) => { executeTakeFirst(): Promise<{ commune_code: string | null } | undefined> };

const BY_KIND: Record<string, Lookup> = {
  incident: (db, _d, key) => db.selectFrom('incidents').select('commune_code').where('id', '=', key),
  footage: (db, _d, key) => db.selectFrom('footage_requests').select('commune_code').where('id', '=', key),
  report: (db, _d, key) => db.selectFrom('reports').select('commune_code').where((eb) => eb.or([eb('code', '=', key), eb('id', '=', key)])),
  alert: (db, _d, key) => db.selectFrom('alerts').select('commune_code').where('id', '=', key),
  bulletin: (db, _d, key) => db.selectFrom('bulletins').select('commune_code').where('id', '=', key),
  held: (db, _d, key) => db.selectFrom('held_alerts').select('commune_code').where('id', '=', key),
  live: (db, _d, key) => db.selectFrom('live_sessions').select('commune_code').where('id', '=', key),
  station: (db, _d, key) => db.selectFrom('radio_stations').select('commune_code').where('id', '=', key),
  relay: (db, _d, key) => db.selectFrom('relay_runs').select('commune_code').where('id', '=', key),
  // the outbox's ids are numbers; SQLite compared the text by the column's affinity, PostgreSQL will not
  notification: (db, _d, key) => db.selectFrom('notification_outbox').select('commune_code').where('id', '=', /^\d{1,15}$/.test(key) ? Number(key) : -1),
  // usernames are unique ignoring case (users.username is NOCASE)
  user: (db, d, key) => db.selectFrom('users').select('commune_code').where(eqNoCase(d, sql.ref<string>('users.username'), key)),
  edge: (db, _d, key) => edgeCommuneQuery(db, key),
};
/** Named by their box: `camera:<edgeId>/<cameraId>`, `speaker:<edgeId>/<zone>`. */
const OF_BOX = new Set(['camera', 'speaker']);

/** Which lookup answers `kind:key` (null: no commune for such a name), or for an actor. */
function lookupOf(name: string): { kind: string; key: string } | null {
  const colon = name.indexOf(':');
  if (colon < 1) return null;
  const kind = name.slice(0, colon);
  const key = name.slice(colon + 1);
  if (OF_BOX.has(kind)) return { kind: 'edge', key: key.split('/')[0] ?? '' };
  return kind in BY_KIND ? { kind, key } : null;
}
const actorLookup = (actor: string) => (actor.startsWith('edge:') ? lookupOf(actor) : { kind: 'user', key: actor });

export class ObjectCommunes {
  constructor(private readonly q: Pick<QueryDatabase, 'db' | 'dialect'>) {}

  /** The commune of `kind:key`, null when the object is the province's own, unknown, or of no commune. */
  of(name: string): Promise<string | null> {
    return this.run(lookupOf(name));
  }

  /** A person's commune by their username, a box's (`edge:<id>`) through its hamlet; null for `system`, `public`. */
  ofActor(actor: string): Promise<string | null> {
    return this.run(actorLookup(actor));
  }

  private async run(lookup: { kind: string; key: string } | null): Promise<string | null> {
    if (!lookup) return null;
    return (await BY_KIND[lookup.kind]!(this.q.db, this.q.dialect, lookup.key).executeTakeFirst())?.commune_code ?? null;
  }
}

import { liveStreamPath, type LiveEndReason, type LiveSource, type Priority } from '@smart-commune/shared';
import { transactionLock, type QueryDatabase } from '../../db/query/index.js';
import { notFound } from '../../http/errors.js';
import { ownerIsDead } from '../../cluster/process-registry.js';
import type { LiveSessionStatus, LiveSessionView } from './live-types.js';
import type { Selectable } from 'kysely';
import type { LiveSessionsTable } from '../../db/query/tables.js';

/** The key of the lock every start takes (dialect.ts, transactionLock). */
const START_LOCK_KEY = 'live_sessions.start';

/** The detail of a session its cloud process's stop (or death) interrupted, as the console shows it. */
const CLOUD_STOPPED = 'the cloud stopped during the session';

type Row = Omit<Selectable<LiveSessionsTable>, 'source' | 'priority' | 'end_reason'> & {
  source: LiveSource;
  priority: Priority;
  end_reason: LiveEndReason | null;
};

/** What a session is at its start: the view's fixed fields, and where its recording goes. */
export type NewLiveSession = Pick<
  LiveSessionView,
  'id' | 'source' | 'title' | 'priority' | 'edges' | 'hamletCodes' | 'zones' | 'startedBy' | 'origin' | 'startedAt' | 'epoch' | 'endsAt' | 'communeCode'
> & {
  file: string;
  /** The cloud process that has it on air (cluster/process-registry.ts); null: a sole process that does not register. */
  ownerProcess?: string | null;
};

const toView = (r: Row): LiveSessionView => ({
  id: r.id,
  source: r.source,
  title: r.title,
  priority: r.priority,
  status: r.ended_at === null ? 'on_air' : 'ended',
  edges: JSON.parse(r.edges) as string[],
  hamletCodes: JSON.parse(r.hamlet_codes) as string[],
  zones: r.zones === null ? null : (JSON.parse(r.zones) as string[]),
  communeCode: r.commune_code,
  issuer: r.commune_code === null ? 'province' : 'commune',
  startedBy: r.started_by,
  origin: r.origin,
  startedAt: r.started_at,
  epoch: r.epoch,
  endsAt: r.ends_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  endDetail: r.end_detail,
  bytes: r.bytes,
  durationMs: r.duration_ms,
  bulletinId: r.bulletin_id,
  streamPath: liveStreamPath(r.id),
});

/** A session the dead-owner sweep ended: what its live.ended event says (its length as last saved). */
export interface DeadOwnerEnd {
  id: string;
  owner: string;
  source: LiveSource;
  durationMs: number;
  detail: string;
}

/** Live sessions on record: the ones on air and every one that ended (the station's log). */
export class LiveStore {
  constructor(private readonly q: QueryDatabase) {}

  /**
   * Records a session that goes on air, unless `maxOnAir` are on air already (every cloud process's
   * together): false then, and nothing is written. The count and the insert are one statement
   * (`INSERT … SELECT … WHERE (SELECT count(*) … on air) < max`), run behind a transaction lock
   * that every start takes. Why the cap holds with several processes: on SQLite the statement
   * holds the database's one write lock from its count to its insert. On PostgreSQL under READ
   * COMMITTED two such statements alone could each count 7 without the other's uncommitted row and
   * both insert; behind the lock the second start's statement begins only after the first
   * committed, and its fresh snapshot counts that session. Ending a session needs no lock: a
   * count that misses an end being committed only refuses a start that would have fitted.
   */
  async start(s: NewLiveSession, maxOnAir: number): Promise<boolean> {
    const row = {
      id: s.id,
      source: s.source,
      title: s.title,
      priority: s.priority,
      edges: JSON.stringify(s.edges),
      hamlet_codes: JSON.stringify(s.hamletCodes),
      zones: s.zones === null ? null : JSON.stringify(s.zones),
      started_by: s.startedBy,
      origin: s.origin,
      started_at: s.startedAt,
      epoch: s.epoch,
      ends_at: s.endsAt,
      file: s.file,
      commune_code: s.communeCode,
      owner_process: s.ownerProcess ?? null,
    };
    const columns = Object.keys(row) as (keyof typeof row)[];
    const inserted = await this.q.db.transaction().execute(async (trx) => {
      for (const statement of transactionLock(this.q.dialect, START_LOCK_KEY)) await statement.execute(trx);
      return trx
        .insertInto('live_sessions')
        .columns(columns)
        .expression(
          trx
            .selectNoFrom((eb) => columns.map((c) => eb.val(row[c]).as(c)))
            .where((eb) => eb(eb.selectFrom('live_sessions').select((e) => e.fn.countAll().as('n')).where('ended_at', 'is', null), '<', maxOnAir)),
        )
        .returning('id')
        .executeTakeFirst();
    });
    return inserted !== undefined;
  }

  async find(id: string): Promise<LiveSessionView | null> {
    const row = await this.q.db.selectFrom('live_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toView(row as Row) : null;
  }

  async get(id: string): Promise<LiveSessionView> {
    const s = await this.find(id);
    if (!s) throw notFound(`live session ${id}`);
    return s;
  }

  async file(id: string): Promise<string | null> {
    return (await this.q.db.selectFrom('live_sessions').select('file').where('id', '=', id).executeTakeFirst())?.file ?? null;
  }

  /** Newest first; `commune`: that commune's sessions and the province's (what its people see). */
  async list(query: { status?: LiveSessionStatus; limit?: number; commune?: string } = {}): Promise<LiveSessionView[]> {
    const { status, commune } = query;
    const rows = await this.q.db
      .selectFrom('live_sessions')
      .selectAll()
      .$if(status === 'on_air', (qb) => qb.where('ended_at', 'is', null))
      .$if(status === 'ended', (qb) => qb.where('ended_at', 'is not', null))
      .$if(!!commune, (qb) => qb.where((eb) => eb.or([eb('commune_code', '=', commune!), eb('commune_code', 'is', null)])))
      .orderBy('started_at', 'desc')
      .orderBy('id')
      .limit(query.limit ?? 100)
      .execute();
    return rows.map((r) => toView(r as Row));
  }

  /** Those on air, and those that ended at or after `since` (what the retained document lists): on air first, then the latest ended, 50 at most. */
  async current(since: number): Promise<LiveSessionView[]> {
    const rows = await this.q.db
      .selectFrom('live_sessions')
      .selectAll()
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', since)]))
      // on air first (a CASE: PostgreSQL sorts booleans false first, SQLite's 0/1 the same way here)
      .orderBy((eb) => eb.case().when('ended_at', 'is', null).then(0).else(1).end())
      .orderBy('ended_at', 'desc')
      .orderBy('started_at')
      .orderBy('id')
      .limit(50)
      .execute();
    return rows.map((r) => toView(r as Row));
  }

  /** What a session on air has produced so far (an ended one keeps what its end wrote). */
  async progress(id: string, bytes: number, durationMs: number): Promise<void> {
    await this.q.db.updateTable('live_sessions').set({ bytes, duration_ms: durationMs }).where('id', '=', id).where('ended_at', 'is', null).execute();
  }

  /**
   * Ends it once, with its final size and length in the same statement: false when it had already
   * ended (another process's recovery, a second stop).
   */
  async end(id: string, e: { at: number; reason: LiveEndReason; detail: string | null; by: string | null; bytes: number; durationMs: number }): Promise<boolean> {
    const ended = await this.q.db
      .updateTable('live_sessions')
      .set({ ended_at: e.at, end_reason: e.reason, end_detail: e.detail, stopped_by: e.by, bytes: e.bytes, duration_ms: e.durationMs })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return ended !== undefined;
  }

  /** Voice sessions ended since `since` with a recording and no archive bulletin yet. */
  async unarchived(since: number): Promise<LiveSessionView[]> {
    const rows = await this.q.db
      .selectFrom('live_sessions')
      .selectAll()
      .where('source', '=', 'voice')
      .where('ended_at', 'is not', null)
      .where('ended_at', '>=', since)
      .where('bulletin_id', 'is', null)
      .where('bytes', '>', 0)
      .orderBy('started_at')
      .orderBy('id')
      .limit(100)
      .execute();
    return rows.map((r) => toView(r as Row));
  }

  async setBulletin(id: string, bulletinId: string): Promise<void> {
    await this.q.db.updateTable('live_sessions').set({ bulletin_id: bulletinId }).where('id', '=', id).execute();
  }

  /**
   * Sessions on air in a cloud process that stopped beating before `aliveSince` (killed, host lost;
   * with several processes): ended now, interrupted, with the detail a cloud stop shows, in one
   * conditional statement (a session already ended, by its own process or an earlier sweep, is
   * left as it is). Sessions with no owner (a sole process's, older rows) are not this sweep's.
   */
  async endDeadOwners(at: number, aliveSince: number): Promise<DeadOwnerEnd[]> {
    const rows = await this.q.db
      .updateTable('live_sessions')
      .set({ ended_at: at, end_reason: 'interrupted', end_detail: CLOUD_STOPPED, stopped_by: null })
      .where('ended_at', 'is', null)
      .where('owner_process', 'is not', null)
      .where(ownerIsDead('live_sessions', aliveSince))
      .returning(['id', 'owner_process', 'source', 'duration_ms'])
      .execute();
    return rows
      .map((r) => ({ id: r.id, owner: r.owner_process!, source: r.source as LiveSource, durationMs: r.duration_ms, detail: CLOUD_STOPPED }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Sessions left on air by a cloud that stopped without ending them: ended now, interrupted, in one statement. Returns their ids. */
  async endOrphans(at: number): Promise<string[]> {
    const rows = await this.q.db
      .updateTable('live_sessions')
      .set({ ended_at: at, end_reason: 'interrupted', end_detail: CLOUD_STOPPED, stopped_by: null })
      .where('ended_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id).sort();
  }
}

import type { ExpressionBuilder, Kysely, Selectable, Updateable } from 'kysely';
import type { QueryDatabase } from '../db/query/connect.js';
import { transactionLock } from '../db/query/dialect.js';
import type { Database, RolloutBoxesTable, RolloutsTable } from '../db/query/tables.js';
import { RETRACTABLE, rolloutBoxStates, type Rollout, type RolloutBox, type RolloutBoxState, type RolloutScope, type RolloutState } from './rollout-types.js';

type RolloutRow = Selectable<RolloutsTable>;

export interface BoxChange {
  state?: RolloutBoxState;
  bytesDone?: number | null;
  bytesTotal?: number | null;
  reason?: string | null;
  logLines?: string[] | null;
  sentAt?: number | null;
  healthyAt?: number | null;
}

export interface RolloutChange {
  state?: RolloutState;
  wave?: number;
  waveStartedAt?: number | null;
  pausedReason?: string | null;
  failuresAccepted?: number;
  finishedAt?: number | null;
}

/**
 * What a conditional write expects to find: the rollout in one of these states (and at this wave).
 * Two cloud processes (or a tick and an admin's click) deciding on one rollout at once: the one whose
 * UPDATE still matches wins, the other is told it lost and does nothing further.
 */
export interface RolloutExpect {
  states?: readonly RolloutState[];
  wave?: number;
}

/** A commune's people see a rollout through their commune's boxes in it only (issue 10). */
export interface RolloutFilter {
  communeCode?: string;
}

const UNDER_WAY: readonly RolloutState[] = ['running', 'paused'];

/** Thrown inside the creating transaction to roll it back when a box is claimed by another rollout. */
class BoxesTaken extends Error {}

/** The boxes of commune `communeCode` (through their hamlet), as a sub-query of ids. */
const edgesOfCommune = (db: Kysely<Database> | ExpressionBuilder<Database, never>, communeCode: string) =>
  db.selectFrom('edges as e').innerJoin('hamlets as h', 'h.code', 'e.hamlet_code').select('e.id').where('h.commune_code', '=', communeCode);

const rolloutColumns = (change: RolloutChange, at: number): Updateable<RolloutsTable> => ({
  updated_at: at,
  ...(change.failuresAccepted !== undefined ? { failures_accepted: change.failuresAccepted } : {}),
  ...(change.state !== undefined ? { state: change.state } : {}),
  ...(change.wave !== undefined ? { wave: change.wave } : {}),
  ...(change.waveStartedAt !== undefined ? { wave_started_at: change.waveStartedAt } : {}),
  ...(change.pausedReason !== undefined ? { paused_reason: change.pausedReason } : {}),
  ...(change.finishedAt !== undefined ? { finished_at: change.finishedAt } : {}),
});

const boxColumns = (change: BoxChange, at: number): Updateable<RolloutBoxesTable> => ({
  updated_at: at,
  ...(change.state !== undefined ? { state: change.state } : {}),
  ...(change.bytesDone !== undefined ? { bytes_done: change.bytesDone } : {}),
  ...(change.bytesTotal !== undefined ? { bytes_total: change.bytesTotal } : {}),
  ...(change.reason !== undefined ? { reason: change.reason } : {}),
  ...(change.logLines !== undefined ? { log_lines: change.logLines ? JSON.stringify(change.logLines) : null } : {}),
  ...(change.sentAt !== undefined ? { sent_at: change.sentAt } : {}),
  ...(change.healthyAt !== undefined ? { healthy_at: change.healthyAt } : {}),
});

/**
 * Rollouts and each box's progress in them, in the cloud's database: the engine's state, which
 * survives a restart. Every write that decides something (a rollout paused, resumed, cancelled,
 * completed, a wave advanced, a box moved along by its answer) is one conditional statement, so two
 * cloud processes never both act on one decision.
 */
export class RolloutStore {
  constructor(private readonly q: Pick<QueryDatabase, 'db' | 'dialect'>) {}

  /** Counts over every box, or (a commune's people) over that commune's boxes only. */
  private async toRollout(row: RolloutRow, filter: RolloutFilter = {}): Promise<Rollout> {
    const { communeCode } = filter;
    const counts = Object.fromEntries(rolloutBoxStates.map((s) => [s, 0])) as Record<RolloutBoxState, number>;
    let byState = this.q.db
      .selectFrom('rollout_boxes as b')
      .select(['b.state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('b.rollout_id', '=', row.id)
      .groupBy('b.state');
    if (communeCode) byState = byState.where('b.edge_id', 'in', edgesOfCommune(this.q.db, communeCode));
    const [rows, all] = await Promise.all([
      byState.execute(),
      this.q.db
        .selectFrom('rollout_boxes')
        .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.max('wave').as('last_wave')])
        .where('rollout_id', '=', row.id)
        .executeTakeFirstOrThrow(),
    ]);
    let total = 0;
    for (const r of rows) {
      counts[r.state as RolloutBoxState] = Number(r.n);
      total += Number(r.n);
    }
    // the reason a rollout paused names the boxes that failed, which may be other communes': a
    // commune's people are shown the state without it when the rollout reaches beyond their commune
    const beyond = communeCode !== undefined && Number(all.total) > total;
    return {
      id: row.id,
      version: row.version,
      scope: JSON.parse(row.scope) as RolloutScope,
      waves: JSON.parse(row.waves) as number[],
      soakS: row.soak_s,
      failureThreshold: row.failure_threshold,
      state: row.state as RolloutState,
      wave: row.wave,
      waveCount: Number(all.last_wave ?? 0) + 1,
      waveStartedAt: row.wave_started_at,
      pausedReason: beyond ? null : row.paused_reason,
      failuresAccepted: row.failures_accepted,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
      counts,
      total,
    };
  }

  /** Newest first; with `communeCode`, only rollouts that reach a box of that commune, counted over those boxes. */
  async list(limit = 100, filter: RolloutFilter = {}): Promise<Rollout[]> {
    const { communeCode } = filter;
    let query = this.q.db.selectFrom('rollouts as r').selectAll('r').orderBy('r.created_at', 'desc').orderBy('r.id').limit(limit);
    if (communeCode) {
      query = query.where((eb) =>
        eb.exists(eb.selectFrom('rollout_boxes as b').select('b.edge_id').whereRef('b.rollout_id', '=', 'r.id').where('b.edge_id', 'in', edgesOfCommune(this.q.db, communeCode))),
      );
    }
    const rows = await query.execute();
    return Promise.all(rows.map((r) => this.toRollout(r, filter)));
  }

  /** One rollout; with `communeCode`, null unless it reaches a box of that commune (a commune's people: 404). */
  async find(id: string, filter: RolloutFilter = {}): Promise<Rollout | null> {
    const row = await this.q.db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const rollout = await this.toRollout(row, filter);
    return filter.communeCode && rollout.total === 0 ? null : rollout;
  }

  /** Ids of rollouts still under way (running or paused), or only the running ones. */
  async activeIds(state?: 'running'): Promise<string[]> {
    const rows = await this.q.db
      .selectFrom('rollouts')
      .select('id')
      .where('state', 'in', state ? [state] : UNDER_WAY)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.id);
  }

  /** A rollout of `version` under way (running or paused), if any: its release may not be deleted. */
  async underWayOf(version: string): Promise<{ id: string; state: RolloutState } | null> {
    const row = await this.q.db.selectFrom('rollouts').select(['id', 'state']).where('version', '=', version).where('state', 'in', UNDER_WAY).limit(1).executeTakeFirst();
    return row ? { id: row.id, state: row.state as RolloutState } : null;
  }

  /** Boxes among `edgeIds` already in a running or paused rollout (claimed: under_way), with that rollout. */
  async busy(edgeIds: readonly string[]): Promise<{ edgeId: string; rolloutId: string }[]> {
    const out: { edgeId: string; rolloutId: string }[] = [];
    // in slices: a rollout may name thousands of boxes, more than one statement's parameters
    for (let i = 0; i < edgeIds.length; i += 500) {
      const rows = await this.q.db
        .selectFrom('rollout_boxes as b')
        .select(['b.edge_id as edgeId', 'b.rollout_id as rolloutId'])
        .where('b.edge_id', 'in', edgeIds.slice(i, i + 500))
        .where('b.under_way', '=', 1)
        .orderBy('b.edge_id')
        .execute();
      out.push(...rows);
    }
    return out;
  }

  /** The rollout under way for a box, if any. */
  async activeFor(edgeId: string): Promise<{ rolloutId: string; version: string; state: RolloutBoxState } | null> {
    const row = await this.q.db
      .selectFrom('rollout_boxes as b')
      .innerJoin('rollouts as r', 'r.id', 'b.rollout_id')
      .select(['r.id as rolloutId', 'r.version', 'b.state'])
      .where('b.edge_id', '=', edgeId)
      .where('r.state', 'in', UNDER_WAY)
      .orderBy('r.created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { rolloutId: row.rolloutId, version: row.version, state: row.state as RolloutBoxState } : null;
  }

  /** The most recent rollout of `version` that included the box (any state), for reports that arrive late. */
  async latestWith(edgeId: string, version: string): Promise<string | null> {
    const row = await this.q.db
      .selectFrom('rollout_boxes as b')
      .innerJoin('rollouts as r', 'r.id', 'b.rollout_id')
      .select('r.id')
      .where('b.edge_id', '=', edgeId)
      .where('r.version', '=', version)
      .orderBy('r.created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /**
   * A rollout and its boxes (all pending), in one transaction: `boxes_taken`, with nothing stored, when
   * one of the boxes is in another rollout under way; `no_release` when no bundle of the version is
   * stored any more. The version's lock (`releaseLock`, shared with the release's deletion) makes a
   * deletion at the same moment either see this rollout or be seen by it, never neither. Each box's row claims it (under_way = 1), and the unique
   * index of claims refuses a second claim in the inserting statement (ON CONFLICT DO NOTHING): of two
   * processes creating rollouts over one box at once, on PostgreSQL the second waits for the first's
   * commit and is refused, so exactly one gets it.
   */
  async create(input: { id: string; version: string; scope: RolloutScope; waves: number[]; soakS: number; failureThreshold: number; createdBy: string; at: number; boxes: { edgeId: string; wave: number; fromVersion: string | null }[] }): Promise<'created' | 'boxes_taken' | 'no_release'> {
    return this.q.db.transaction().execute(async (trx) => {
      for (const statement of releaseLock(this.q.dialect, input.version)) await statement.execute(trx);
      const release = await trx.selectFrom('releases').select('version').where('version', '=', input.version).limit(1).executeTakeFirst();
      if (!release) return 'no_release' as const;
      await trx
        .insertInto('rollouts')
        .values({
          id: input.id,
          version: input.version,
          scope: JSON.stringify(input.scope),
          waves: JSON.stringify(input.waves),
          soak_s: input.soakS,
          failure_threshold: input.failureThreshold,
          state: 'running',
          wave: 0,
          created_by: input.createdBy,
          created_at: input.at,
          updated_at: input.at,
        })
        .execute();
      const rows = input.boxes.map((b, i) => ({ rollout_id: input.id, edge_id: b.edgeId, position: i, wave: b.wave, state: 'pending', from_version: b.fromVersion, updated_at: input.at, under_way: 1 }));
      let inserted = 0;
      // in slices: 8 parameters a row, under SQLite's and PostgreSQL's limits per statement
      for (let i = 0; i < rows.length; i += 500) {
        const stored = await trx.insertInto('rollout_boxes').values(rows.slice(i, i + 500)).onConflict((oc) => oc.doNothing()).returning('edge_id').execute();
        inserted += stored.length;
      }
      // a box claimed by another rollout: nothing of this one is kept
      if (inserted < rows.length) throw new BoxesTaken();
      return 'created' as const;
    }).catch((err: unknown) => {
      if (err instanceof BoxesTaken) return 'boxes_taken' as const;
      throw err;
    });
  }

  /**
   * Changes a rollout, only if it still is as `expect` says (one UPDATE … WHERE … RETURNING): true
   * when this call made the change, false when the rollout is gone or another process changed its
   * state (or wave) first.
   */
  async update(id: string, change: RolloutChange, at: number, expect: RolloutExpect = {}): Promise<boolean> {
    const write = async (db: Kysely<Database>) => {
      let query = db.updateTable('rollouts').set(rolloutColumns(change, at)).where('id', '=', id);
      if (expect.states) query = query.where('state', 'in', expect.states);
      if (expect.wave !== undefined) query = query.where('wave', '=', expect.wave);
      return (await query.returning('id').executeTakeFirst()) !== undefined;
    };
    if (change.state === undefined || UNDER_WAY.includes(change.state)) return write(this.q.db);
    // finished: its boxes are free for another rollout, in the same transaction as the decision
    return this.q.db.transaction().execute(async (trx) => {
      if (!(await write(trx))) return false;
      await trx.updateTable('rollout_boxes').set({ under_way: null }).where('rollout_id', '=', id).where('under_way', '=', 1).execute();
      return true;
    });
  }

  async boxes(rolloutId: string, filter: { wave?: number; states?: readonly RolloutBoxState[] } & RolloutFilter = {}): Promise<RolloutBox[]> {
    let query = this.q.db
      .selectFrom('rollout_boxes as b')
      .innerJoin('edges as e', 'e.id', 'b.edge_id')
      .innerJoin('hamlets as h', 'h.code', 'e.hamlet_code')
      .leftJoin('edge_state as p', 'p.edge_id', 'b.edge_id')
      .selectAll('b')
      .select(['e.name as edge_name', 'e.hamlet_code', 'h.name as hamlet_name', 'p.telemetry', 'p.online'])
      .where('b.rollout_id', '=', rolloutId)
      .orderBy('b.position');
    if (filter.communeCode) query = query.where('h.commune_code', '=', filter.communeCode);
    if (filter.wave !== undefined) query = query.where('b.wave', '=', filter.wave);
    if (filter.states) {
      if (filter.states.length === 0) return [];
      query = query.where('b.state', 'in', filter.states);
    }
    const rows = await query.execute();
    return rows.map((r) => ({
      edgeId: r.edge_id,
      edgeName: r.edge_name,
      hamletCode: r.hamlet_code!,
      hamletName: r.hamlet_name,
      wave: r.wave,
      state: r.state as RolloutBoxState,
      fromVersion: r.from_version,
      currentVersion: r.telemetry ? ((JSON.parse(r.telemetry) as { softwareVersion?: string }).softwareVersion ?? null) : null,
      online: Number(r.online) === 1,
      bytesDone: r.bytes_done,
      bytesTotal: r.bytes_total,
      reason: r.reason,
      logLines: r.log_lines ? (JSON.parse(r.log_lines) as string[]) : [],
      sentAt: r.sent_at,
      healthyAt: r.healthy_at,
      updatedAt: r.updated_at,
    }));
  }

  async box(rolloutId: string, edgeId: string): Promise<{ state: RolloutBoxState; wave: number } | null> {
    const row = await this.q.db.selectFrom('rollout_boxes').select(['state', 'wave']).where('rollout_id', '=', rolloutId).where('edge_id', '=', edgeId).executeTakeFirst();
    return row ? { state: row.state as RolloutBoxState, wave: row.wave } : null;
  }

  /**
   * Changes a box's row; with `from`, only while the box is still in that state (one conditional
   * UPDATE): false when another answer of the box moved it first, and the caller looks again.
   */
  async updateBox(rolloutId: string, edgeId: string, change: BoxChange, at: number, from?: RolloutBoxState): Promise<boolean> {
    let query = this.q.db.updateTable('rollout_boxes').set(boxColumns(change, at)).where('rollout_id', '=', rolloutId).where('edge_id', '=', edgeId);
    if (from !== undefined) query = query.where('state', '=', from);
    return (await query.returning('edge_id').executeTakeFirst()) !== undefined;
  }

  /**
   * Marks a wave's pending boxes `sent` and returns them: one UPDATE … RETURNING, so a box is sent by
   * the one process whose statement moved it, never twice.
   */
  async sendPending(rolloutId: string, wave: number, at: number): Promise<string[]> {
    const rows = await this.q.db
      .updateTable('rollout_boxes')
      .set({ state: 'sent', sent_at: at, reason: null, updated_at: at })
      .where('rollout_id', '=', rolloutId)
      .where('wave', '=', wave)
      .where('state', '=', 'pending')
      .returning('edge_id')
      .execute();
    return rows.map((r) => r.edge_id).sort();
  }

  /**
   * Takes a rollout back from its boxes that have not switched yet: pending ones and those told
   * (sent … waiting) move to `to`. Returns the boxes that had been told, whose release document the
   * caller clears.
   */
  async retract(rolloutId: string, to: 'pending' | 'cancelled', reason: string | null, at: number): Promise<string[]> {
    await this.q.db.updateTable('rollout_boxes').set({ state: to, reason, updated_at: at }).where('rollout_id', '=', rolloutId).where('state', '=', 'pending').execute();
    const told = await this.q.db
      .updateTable('rollout_boxes')
      .set({ state: to, reason, updated_at: at })
      .where('rollout_id', '=', rolloutId)
      .where('state', 'in', RETRACTABLE)
      .returning('edge_id')
      .execute();
    return told.map((r) => r.edge_id).sort();
  }

  /** Boxes by box state over rollouts under way, for the metrics. */
  async countsByState(): Promise<{ state: RolloutBoxState; count: number }[]> {
    const rows = await this.q.db
      .selectFrom('rollout_boxes as b')
      .innerJoin('rollouts as r', 'r.id', 'b.rollout_id')
      .select(['b.state', (eb) => eb.fn.countAll<number>().as('count')])
      .where('r.state', 'in', UNDER_WAY)
      .groupBy('b.state')
      .execute();
    return rows.map((r) => ({ state: r.state as RolloutBoxState, count: Number(r.count) }));
  }
}

/**
 * Serialises a rollout's creation and its release's deletion per version (PostgreSQL's advisory lock;
 * SQLite writes one transaction at a time): each then reads what the other committed.
 */
export function releaseLock(dialect: QueryDatabase['dialect'], version: string) {
  return transactionLock(dialect, JSON.stringify(['release', version]));
}

import type { Db } from '../db/database.js';
import { rolloutBoxStates, type Rollout, type RolloutBox, type RolloutBoxState, type RolloutScope, type RolloutState } from './rollout-types.js';
import type { Selectable } from 'kysely';
import type { RolloutBoxesTable, RolloutsTable } from '../db/query/tables.js';

type RolloutRow = Omit<Selectable<RolloutsTable>, 'state'> & { state: RolloutState };

/** A rollout's box with its box's and hamlet's names and the box's last telemetry. */
type BoxRow = Omit<RolloutBoxesTable, 'state'> & {
  state: RolloutBoxState;
  edge_name: string;
  hamlet_code: string;
  hamlet_name: string;
  telemetry: string | null;
  online: number | null;
};

export interface BoxChange {
  state?: RolloutBoxState;
  bytesDone?: number | null;
  bytesTotal?: number | null;
  reason?: string | null;
  logLines?: string[] | null;
  sentAt?: number | null;
  healthyAt?: number | null;
}

/** A commune's people see a rollout through their commune's boxes in it only (issue 10). */
export interface RolloutFilter {
  communeCode?: string;
}

/** A rollout's box with the commune of its hamlet (as `h.commune_code`). */
const IN_COMMUNE = 'JOIN edges e ON e.id = b.edge_id JOIN hamlets h ON h.code = e.hamlet_code';

/** Rollouts and each box's progress in them, in cloud.db: the engine's state, which survives a restart. */
export class RolloutStore {
  constructor(private readonly db: Db) {}

  /** Counts over every box, or (a commune's people) over that commune's boxes only. */
  private toRollout(row: RolloutRow, filter: RolloutFilter = {}): Rollout {
    const counts = Object.fromEntries(rolloutBoxStates.map((s) => [s, 0])) as Record<RolloutBoxState, number>;
    const rows = (
      filter.communeCode
        ? this.db
            .prepare(`SELECT b.state, COUNT(*) AS n FROM rollout_boxes b ${IN_COMMUNE} WHERE b.rollout_id = ? AND h.commune_code = ? GROUP BY b.state`)
            .all(row.id, filter.communeCode)
        : this.db.prepare('SELECT state, COUNT(*) AS n FROM rollout_boxes WHERE rollout_id = ? GROUP BY state').all(row.id)
    ) as { state: RolloutBoxState; n: number }[];
    let total = 0;
    for (const r of rows) {
      counts[r.state] = r.n;
      total += r.n;
    }
    // the reason a rollout paused names the boxes that failed, which may be other communes': a
    // commune's people are shown the state without it when the rollout reaches beyond their commune
    const beyond = filter.communeCode !== undefined && this.total(row.id) > total;
    const waves = JSON.parse(row.waves) as number[];
    const waveCount = (this.db.prepare('SELECT MAX(wave) FROM rollout_boxes WHERE rollout_id = ?').pluck().get(row.id) as number | null) ?? 0;
    return {
      id: row.id,
      version: row.version,
      scope: JSON.parse(row.scope) as RolloutScope,
      waves,
      soakS: row.soak_s,
      failureThreshold: row.failure_threshold,
      state: row.state,
      wave: row.wave,
      waveCount: waveCount + 1,
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

  private total(rolloutId: string): number {
    return this.db.prepare('SELECT COUNT(*) FROM rollout_boxes WHERE rollout_id = ?').pluck().get(rolloutId) as number;
  }

  /** Newest first; with `communeCode`, only rollouts that reach a box of that commune, counted over those boxes. */
  list(limit = 100, filter: RolloutFilter = {}): Rollout[] {
    const rows = (
      filter.communeCode
        ? this.db
            .prepare(`SELECT r.* FROM rollouts r WHERE EXISTS (SELECT 1 FROM rollout_boxes b ${IN_COMMUNE} WHERE b.rollout_id = r.id AND h.commune_code = ?) ORDER BY r.created_at DESC LIMIT ?`)
            .all(filter.communeCode, limit)
        : this.db.prepare('SELECT * FROM rollouts ORDER BY created_at DESC LIMIT ?').all(limit)
    ) as RolloutRow[];
    return rows.map((r) => this.toRollout(r, filter));
  }

  /** One rollout; with `communeCode`, null unless it reaches a box of that commune (a commune's people: 404). */
  find(id: string, filter: RolloutFilter = {}): Rollout | null {
    const row = this.db.prepare('SELECT * FROM rollouts WHERE id = ?').get(id) as RolloutRow | undefined;
    if (!row) return null;
    const rollout = this.toRollout(row, filter);
    return filter.communeCode && rollout.total === 0 ? null : rollout;
  }

  /** Ids of rollouts still under way (running or paused). */
  activeIds(state?: 'running'): string[] {
    const sql = state ? "SELECT id FROM rollouts WHERE state = 'running'" : "SELECT id FROM rollouts WHERE state IN ('running', 'paused')";
    return this.db.prepare(sql).pluck().all() as string[];
  }

  /** Boxes among `edgeIds` already in a running or paused rollout, with that rollout. */
  busy(edgeIds: readonly string[]): { edgeId: string; rolloutId: string }[] {
    const stmt = this.db.prepare(
      `SELECT b.edge_id AS edgeId, b.rollout_id AS rolloutId FROM rollout_boxes b JOIN rollouts r ON r.id = b.rollout_id
       WHERE b.edge_id = ? AND r.state IN ('running', 'paused')`,
    );
    return edgeIds.flatMap((id) => stmt.all(id) as { edgeId: string; rolloutId: string }[]);
  }

  /** The rollout under way for a box, if any. */
  activeFor(edgeId: string): { rolloutId: string; version: string; state: RolloutBoxState } | null {
    return (
      (this.db
        .prepare(
          `SELECT r.id AS rolloutId, r.version, b.state FROM rollout_boxes b JOIN rollouts r ON r.id = b.rollout_id
           WHERE b.edge_id = ? AND r.state IN ('running', 'paused') ORDER BY r.created_at DESC LIMIT 1`,
        )
        .get(edgeId) as { rolloutId: string; version: string; state: RolloutBoxState } | undefined) ?? null
    );
  }

  /** The most recent rollout of `version` that included the box (any state), for reports that arrive late. */
  latestWith(edgeId: string, version: string): string | null {
    return (
      (this.db
        .prepare('SELECT r.id FROM rollout_boxes b JOIN rollouts r ON r.id = b.rollout_id WHERE b.edge_id = ? AND r.version = ? ORDER BY r.created_at DESC LIMIT 1')
        .pluck()
        .get(edgeId, version) as string | undefined) ?? null
    );
  }

  create(input: { id: string; version: string; scope: RolloutScope; waves: number[]; soakS: number; failureThreshold: number; createdBy: string; at: number; boxes: { edgeId: string; wave: number; fromVersion: string | null }[] }): void {
    const insertBox = this.db.prepare('INSERT INTO rollout_boxes (rollout_id, edge_id, position, wave, state, from_version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO rollouts (id, version, scope, waves, soak_s, failure_threshold, state, wave, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'running', 0, ?, ?, ?)`,
        )
        .run(input.id, input.version, JSON.stringify(input.scope), JSON.stringify(input.waves), input.soakS, input.failureThreshold, input.createdBy, input.at, input.at);
      input.boxes.forEach((b, i) => insertBox.run(input.id, b.edgeId, i, b.wave, 'pending', b.fromVersion, input.at));
    })();
  }

  update(id: string, change: { state?: RolloutState; wave?: number; waveStartedAt?: number | null; pausedReason?: string | null; failuresAccepted?: number; finishedAt?: number | null }, at: number): void {
    const sets: string[] = ['updated_at = @at'];
    if (change.failuresAccepted !== undefined) sets.push('failures_accepted = @failuresAccepted');
    if (change.state !== undefined) sets.push('state = @state');
    if (change.wave !== undefined) sets.push('wave = @wave');
    if (change.waveStartedAt !== undefined) sets.push('wave_started_at = @waveStartedAt');
    if (change.pausedReason !== undefined) sets.push('paused_reason = @pausedReason');
    if (change.finishedAt !== undefined) sets.push('finished_at = @finishedAt');
    this.db.prepare(`UPDATE rollouts SET ${sets.join(', ')} WHERE id = @id`).run({ ...change, id, at });
  }

  boxes(rolloutId: string, filter: { wave?: number; states?: readonly RolloutBoxState[] } & RolloutFilter = {}): RolloutBox[] {
    const where = ['b.rollout_id = ?'];
    const params: unknown[] = [rolloutId];
    if (filter.communeCode) {
      where.push('h.commune_code = ?');
      params.push(filter.communeCode);
    }
    if (filter.wave !== undefined) {
      where.push('b.wave = ?');
      params.push(filter.wave);
    }
    if (filter.states) {
      where.push(`b.state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    const rows = this.db
      .prepare(
        `SELECT b.*, e.name AS edge_name, e.hamlet_code, h.name AS hamlet_name, p.telemetry, p.online
         FROM rollout_boxes b JOIN edges e ON e.id = b.edge_id JOIN hamlets h ON h.code = e.hamlet_code
         LEFT JOIN edge_state p ON p.edge_id = b.edge_id
         WHERE ${where.join(' AND ')} ORDER BY b.position`,
      )
      .all(...params) as BoxRow[];
    return rows.map((r) => ({
      edgeId: r.edge_id,
      edgeName: r.edge_name,
      hamletCode: r.hamlet_code,
      hamletName: r.hamlet_name,
      wave: r.wave,
      state: r.state,
      fromVersion: r.from_version,
      currentVersion: r.telemetry ? ((JSON.parse(r.telemetry) as { softwareVersion?: string }).softwareVersion ?? null) : null,
      online: r.online === 1,
      bytesDone: r.bytes_done,
      bytesTotal: r.bytes_total,
      reason: r.reason,
      logLines: r.log_lines ? (JSON.parse(r.log_lines) as string[]) : [],
      sentAt: r.sent_at,
      healthyAt: r.healthy_at,
      updatedAt: r.updated_at,
    }));
  }

  box(rolloutId: string, edgeId: string): { state: RolloutBoxState; wave: number } | null {
    return (this.db.prepare('SELECT state, wave FROM rollout_boxes WHERE rollout_id = ? AND edge_id = ?').get(rolloutId, edgeId) as { state: RolloutBoxState; wave: number } | undefined) ?? null;
  }

  updateBox(rolloutId: string, edgeId: string, change: BoxChange, at: number): void {
    const sets: string[] = ['updated_at = @at'];
    const params: Record<string, unknown> = { rolloutId, edgeId, at };
    const columns: Record<keyof BoxChange, string> = { state: 'state', bytesDone: 'bytes_done', bytesTotal: 'bytes_total', reason: 'reason', logLines: 'log_lines', sentAt: 'sent_at', healthyAt: 'healthy_at' };
    for (const [key, column] of Object.entries(columns) as [keyof BoxChange, string][]) {
      if (change[key] === undefined) continue;
      sets.push(`${column} = @${key}`);
      params[key] = key === 'logLines' ? (change.logLines ? JSON.stringify(change.logLines) : null) : change[key];
    }
    this.db.prepare(`UPDATE rollout_boxes SET ${sets.join(', ')} WHERE rollout_id = @rolloutId AND edge_id = @edgeId`).run(params);
  }

  /** Boxes by rollout state and box state over rollouts under way, for the metrics. */
  countsByState(): { state: RolloutBoxState; count: number }[] {
    return this.db
      .prepare("SELECT b.state, COUNT(*) AS count FROM rollout_boxes b JOIN rollouts r ON r.id = b.rollout_id WHERE r.state IN ('running', 'paused') GROUP BY b.state")
      .all() as { state: RolloutBoxState; count: number }[];
  }
}

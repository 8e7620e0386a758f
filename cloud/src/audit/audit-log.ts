import type { Db } from '../db/database.js';
import type { User } from '../users/user-store.js';
import { whereOf } from '../db/where.js';
import { ObjectCommunesSync } from '../communes/object-commune.js';
import type { Selectable } from 'kysely';
import type { AuditLogTable } from '../db/query/tables.js';

/**
 * Who did it: a person's username, `edge:<edgeId>` for a box using its own credentials,
 * `public` for someone not logged in, `system` for the cloud's own jobs (retention).
 */
export type AuditActor = string;

export interface AuditInput {
  actor: AuditActor;
  /** Dotted verb, e.g. `auth.login`, `incident.clip_view`, `incident.media_refused`. */
  action: string;
  /** What it was done to, e.g. `incident:inc_…`, `user:police-1`; null when nothing in particular. */
  target?: string | null;
  /** Small JSON-serialisable facts (from/to status, reason, sha256 …). */
  details?: Record<string, unknown> | null;
  ip?: string | null;
  /**
   * The commune the entry belongs to, when the caller knows it better than the log (otherwise the
   * target's commune, else the actor's: communes/object-commune.ts); null: the province's own.
   */
  communeCode?: string | null;
}

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  /** The commune the entry belongs to (the object's, else the actor's); null: the province's own. */
  communeCode: string | null;
}

export interface AuditFilter {
  /** Only this commune's entries (a commune's admin is always held to theirs). */
  communeCode?: string;
  actor?: string;
  action?: string;
  target?: string;
  /** `at` in [from, to), epoch ms. */
  from?: number;
  to?: number;
}

type Row = Selectable<AuditLogTable>;

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  ip: r.ip,
  communeCode: r.commune_code,
});

const whereFor = (f: AuditFilter) =>
  whereOf([
    ['commune_code = @communeCode', 'communeCode', f.communeCode],
    ['actor = @actor', 'actor', f.actor],
    ['action = @action', 'action', f.action],
    ['target = @target', 'target', f.target],
    ['at >= @from', 'from', f.from],
    ['at < @to', 'to', f.to],
  ]);

export const actorOf = (user: Pick<User, 'username'>): AuditActor => user.username;
export const edgeActor = (edgeId: string): AuditActor => `edge:${edgeId}`;

/**
 * The append-only audit log. Rows are only ever inserted: triggers in the schema make any
 * UPDATE or DELETE of `audit_log` fail, whoever issues it.
 */
export class AuditLog {
  private readonly insert;
  private readonly communes: ObjectCommunesSync;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare('INSERT INTO audit_log (at, actor, action, target, details, ip, commune_code) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.communes = new ObjectCommunesSync(db);
  }

  record(entry: AuditInput): number {
    const details = entry.details ? JSON.stringify(entry.details) : null;
    const target = entry.target ?? null;
    // the object's commune (a province officer viewing a commune's evidence is that commune's business), else the actor's
    const commune = entry.communeCode !== undefined ? entry.communeCode : ((target === null ? null : this.communes.of(target)) ?? this.communes.ofActor(entry.actor));
    return Number(this.insert.run(this.now(), entry.actor, entry.action, target, details, entry.ip ?? null, commune).lastInsertRowid);
  }

  /**
   * Records unless the same actor did the same action to the same target within `windowMs`:
   * a video player asks for a clip in many range requests, which is one viewing.
   */
  recordOnce(entry: AuditInput, windowMs: number): void {
    const recent = this.db
      .prepare('SELECT 1 FROM audit_log WHERE actor = ? AND action = ? AND target IS ? AND at >= ? LIMIT 1')
      .get(entry.actor, entry.action, entry.target ?? null, this.now() - windowMs);
    if (!recent) this.record(entry);
  }

  /** Newest first. */
  page(filter: AuditFilter, limit: number, offset: number): { items: AuditEntry[]; total: number } {
    const where = whereFor(filter);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM audit_log ${where.sql}`).get(where.params) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM audit_log ${where.sql} ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset`).all({ ...where.params, limit, offset }) as Row[];
    return { items: rows.map(toEntry), total };
  }

  /** The actions the log holds, for a filter's choices: one commune's entries only when given (a commune's admin). */
  actions(communeCode?: string): string[] {
    return communeCode === undefined
      ? (this.db.prepare('SELECT DISTINCT action FROM audit_log ORDER BY action').pluck().all() as string[])
      : (this.db.prepare('SELECT DISTINCT action FROM audit_log WHERE commune_code = ? ORDER BY action').pluck().all(communeCode) as string[]);
  }

  /** Everything done to one target, oldest first (an incident's trail for its export). */
  trail(target: string): AuditEntry[] {
    return (this.db.prepare('SELECT * FROM audit_log WHERE target = ? ORDER BY at, id').all(target) as Row[]).map(toEntry);
  }
}

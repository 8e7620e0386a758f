import type { User } from '../users/user-store.js';
import { transactionLock, type QueryDatabase } from '../db/query/index.js';
import type { Database } from '../db/query/tables.js';
import { ObjectCommunes } from '../communes/object-commune.js';
import type { Selectable, SelectQueryBuilder } from 'kysely';
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

/** The filters that are set, each on its own column so the planner can use that column's index. */
function filtered<Q extends SelectQueryBuilder<Database, 'audit_log', O>, O>(query: Q, f: AuditFilter): Q {
  let q = query as SelectQueryBuilder<Database, 'audit_log', O>;
  if (f.communeCode !== undefined) q = q.where('commune_code', '=', f.communeCode);
  if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
  if (f.action !== undefined) q = q.where('action', '=', f.action);
  if (f.target !== undefined) q = q.where('target', '=', f.target);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  return q as Q;
}

/** What finds an entry's commune from its target or actor (communes/object-commune.ts's ObjectCommunes); sync or async. */
export interface CommuneResolver {
  of(target: string): string | null | Promise<string | null>;
  ofActor(actor: string): string | null | Promise<string | null>;
}

export const actorOf = (user: Pick<User, 'username'>): AuditActor => user.username;
export const edgeActor = (edgeId: string): AuditActor => `edge:${edgeId}`;

/**
 * The append-only audit log. Rows are only ever inserted: triggers in the schema make any
 * UPDATE or DELETE of `audit_log` fail, whoever issues it.
 */
export class AuditLog {
  private readonly communes: CommuneResolver;

  constructor(
    private readonly q: QueryDatabase,
    private readonly now: () => number = Date.now,
    communes?: CommuneResolver,
  ) {
    // the target's or actor's commune, on the query layer (communes/object-commune.ts); tests may give their own
    this.communes = communes ?? new ObjectCommunes(q);
  }

  /** The object's commune (a province officer viewing a commune's evidence is that commune's business), else the actor's. */
  private async communeOf(entry: AuditInput, target: string | null): Promise<string | null> {
    if (entry.communeCode !== undefined) return entry.communeCode;
    return (target === null ? null : await this.communes.of(target)) ?? (await this.communes.ofActor(entry.actor));
  }

  async record(entry: AuditInput): Promise<number> {
    const details = entry.details ? JSON.stringify(entry.details) : null;
    const target = entry.target ?? null;
    const commune = await this.communeOf(entry, target);
    const row = await this.q.db
      .insertInto('audit_log')
      .values({ at: this.now(), actor: entry.actor, action: entry.action, target, details, ip: entry.ip ?? null, commune_code: commune })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /**
   * Records unless the same actor did the same action to the same target within `windowMs`: a
   * video player asks for a clip in many range requests, which is one viewing. One conditional
   * INSERT … SELECT … WHERE NOT EXISTS, after a transaction lock on the actor, action and target
   * (transactionLock: PostgreSQL's advisory lock; SQLite writes one at a time), so of two processes
   * recording the same viewing at once, the second sees the first's row and records nothing.
   * True when this call recorded it.
   */
  async recordOnce(entry: AuditInput, windowMs: number): Promise<boolean> {
    const target = entry.target ?? null;
    const commune = await this.communeOf(entry, target);
    const details = entry.details ? JSON.stringify(entry.details) : null;
    const at = this.now();
    return this.q.db.transaction().execute(async (trx) => {
      for (const statement of transactionLock(this.q.dialect, JSON.stringify(['audit.once', entry.actor, entry.action, target]))) await statement.execute(trx);
      const row = await trx
        .insertInto('audit_log')
        .columns(['at', 'actor', 'action', 'target', 'details', 'ip', 'commune_code'])
        .expression(
          trx
            // typed values: PostgreSQL does not infer a bare parameter's type in a SELECT list
            .selectNoFrom((eb) => [
              eb.cast<number>(eb.val(at), 'bigint').as('at'),
              eb.cast<string>(eb.val(entry.actor), 'text').as('actor'),
              eb.cast<string>(eb.val(entry.action), 'text').as('action'),
              eb.cast<string | null>(eb.val(target), 'text').as('target'),
              eb.cast<string | null>(eb.val(details), 'text').as('details'),
              eb.cast<string | null>(eb.val(entry.ip ?? null), 'text').as('ip'),
              eb.cast<string | null>(eb.val(commune), 'text').as('commune_code'),
            ])
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom('audit_log')
                    .select('id')
                    .where('actor', '=', entry.actor)
                    .where('action', '=', entry.action)
                    .where((w) => (target === null ? w('target', 'is', null) : w('target', '=', target)))
                    .where('at', '>=', at - windowMs),
                ),
              ),
            ),
        )
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    });
  }

  /** Newest first. */
  async page(filter: AuditFilter, limit: number, offset: number): Promise<{ items: AuditEntry[]; total: number }> {
    const counted = await filtered(this.q.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')), filter).executeTakeFirstOrThrow();
    const rows = await filtered(this.q.db.selectFrom('audit_log').selectAll(), filter).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
    return { items: rows.map(toEntry), total: Number(counted.n) };
  }

  /** The actions the log holds, for a filter's choices: one commune's entries only when given (a commune's admin). */
  async actions(communeCode?: string): Promise<string[]> {
    const rows = await this.q.db
      .selectFrom('audit_log')
      .select('action')
      .distinct()
      .$if(communeCode !== undefined, (qb) => qb.where('commune_code', '=', communeCode!))
      .orderBy('action')
      .execute();
    return rows.map((r) => r.action);
  }

  /** Everything done to one target, oldest first (an incident's trail for its export). */
  async trail(target: string): Promise<AuditEntry[]> {
    return (await this.q.db.selectFrom('audit_log').selectAll().where('target', '=', target).orderBy('at').orderBy('id').execute()).map(toEntry);
  }
}

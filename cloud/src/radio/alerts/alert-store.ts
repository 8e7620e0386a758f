import type { AlertTargets, AudioAsset, Issuer, Priority } from '@smart-commune/shared';
import type { QueryDatabase } from '../../db/query/index.js';
import type { AlertsTable } from '../../db/query/tables.js';
import { notFound } from '../../http/errors.js';
import type { RiskLevel } from '../cap/cap-priority.js';
import type { AlertKind, AlertSeverity } from './alert-kinds.js';

export const alertStatuses = ['active', 'cancelled', 'expired'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

export interface Alert {
  id: string;
  /** 1, then one more for each CAP Update that replaced an earlier alert. */
  version: number;
  title: string;
  text: string;
  severity: AlertSeverity;
  kind: AlertKind;
  origin: 'json' | 'cap';
  capIdentifier: string | null;
  capSender: string | null;
  bulletinId: string;
  asset: AudioAsset;
  durationMs: number;
  priority: Priority;
  /** QĐ 18/2021/QĐ-TTg disaster risk level (1–5) of a CAP natural disaster; null otherwise. */
  riskLevel: RiskLevel | null;
  volume: number;
  repeatEveryMs: number | null;
  startsAt: number;
  expiresAt: number;
  /** As chosen: `all` is the whole area of its issuer (the province, or the alert's commune). */
  targets: AlertTargets;
  /**
   * Where it plays, as the boxes read targets (issue 10): a commune alert's `all` is its commune's
   * hamlets (`all` on the wire would reach every box of the province); otherwise the targets.
   */
  reach: AlertTargets;
  /** The commune it belongs to; null: the province's own (a province operator's, or a province feed's). */
  communeCode: string | null;
  /** Who issued it, for the boxes' ranking: `province` exactly when communeCode is null. */
  issuer: Issuer;
  status: AlertStatus;
  createdBy: string | null;
  createdAt: number;
  cancelledAt: number | null;
  /** The earlier alert this one replaced (CAP Update). */
  replaces: string | null;
  /** The later alert that replaced this one. */
  replacedBy: string | null;
}

export type NewAlert = Omit<Alert, 'asset' | 'durationMs' | 'status' | 'cancelledAt' | 'replacedBy' | 'reach' | 'issuer'>;

type AlertRow = Omit<AlertsTable, 'kind'> & {
  kind: string;
  replaced_by: string | null;
  sha256: string;
  bytes: number;
  mime: string;
  asset_duration_ms: number;
  duration_ms: number;
};

function reachOf(targets: AlertTargets, r: AlertRow, communeHamlets: ReadonlyMap<string, string[]>): AlertTargets {
  if (!targets.all || r.commune_code === null) return targets;
  return { all: false, hamlets: communeHamlets.get(r.commune_code) ?? [], edges: [] };
}

function toAlert(r: AlertRow, communeHamlets: ReadonlyMap<string, string[]>): Alert {
  const targets = JSON.parse(r.targets) as AlertTargets;
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    text: r.text,
    severity: r.severity as AlertSeverity,
    kind: r.kind as AlertKind,
    origin: r.origin as Alert['origin'],
    capIdentifier: r.cap_identifier,
    capSender: r.cap_sender,
    bulletinId: r.bulletin_id,
    asset: { sha256: r.sha256, bytes: r.bytes, durationMs: r.asset_duration_ms, mime: r.mime as AudioAsset['mime'] },
    durationMs: r.duration_ms,
    priority: r.priority as Priority,
    riskLevel: r.risk_level as RiskLevel | null,
    volume: r.volume,
    repeatEveryMs: r.repeat_every_ms,
    startsAt: r.starts_at,
    expiresAt: r.expires_at,
    targets,
    reach: reachOf(targets, r, communeHamlets),
    communeCode: r.commune_code,
    issuer: r.commune_code === null ? 'province' : 'commune',
    status: r.status as AlertStatus,
    createdBy: r.created_by,
    createdAt: r.created_at,
    cancelledAt: r.cancelled_at,
    replaces: r.replaces,
    replacedBy: r.replaced_by,
  };
}

/** Emergency alerts, each with its spoken bulletin's audio (the query layer: SQLite or PostgreSQL). */
export class AlertStore {
  constructor(private readonly q: QueryDatabase) {}

  /** Every alert column, the alert replacing it, and its bulletin's audio. */
  private select() {
    return this.q.db
      .selectFrom('alerts as al')
      .innerJoin('bulletins as b', 'b.id', 'al.bulletin_id')
      .innerJoin('audio_assets as a', 'a.sha256', 'b.asset_sha256')
      .selectAll('al')
      .select((eb) => [
        eb.selectFrom('alerts as r').select('r.id').whereRef('r.replaces', '=', 'al.id').limit(1).as('replaced_by'),
        'b.duration_ms',
        'a.sha256',
        'a.bytes',
        'a.mime',
        'a.duration_ms as asset_duration_ms',
      ]);
  }

  /**
   * The rows as alerts. A commune alert for `all` reaches its commune's hamlets: they are read in one
   * query for the communes of the rows (no per-dialect JSON aggregation needed).
   */
  private async toAlerts(rows: AlertRow[]): Promise<Alert[]> {
    const communes = [...new Set(rows.filter((r) => r.commune_code !== null && (JSON.parse(r.targets) as AlertTargets).all).map((r) => r.commune_code!))];
    const hamlets = new Map<string, string[]>(communes.map((c) => [c, []]));
    if (communes.length) {
      const found = await this.q.db.selectFrom('hamlets').select(['code', 'commune_code']).where('commune_code', 'in', communes).orderBy('code').execute();
      for (const h of found) hamlets.get(h.commune_code)!.push(h.code);
    }
    return rows.map((r) => toAlert(r as AlertRow, hamlets));
  }

  async find(id: string): Promise<Alert | null> {
    const row = await this.select().where('al.id', '=', id).executeTakeFirst();
    return row ? (await this.toAlerts([row]))[0]! : null;
  }

  async get(id: string): Promise<Alert> {
    const alert = await this.find(id);
    if (!alert) throw notFound(`alert ${id}`);
    return alert;
  }

  /** Newest first; `commune`: that commune's alerts and the province's own (a commune's people), absent: all. */
  async list(filter: { status?: AlertStatus; limit: number; commune?: string }): Promise<Alert[]> {
    let query = this.select();
    if (filter.status) query = query.where('al.status', '=', filter.status);
    const commune = filter.commune;
    if (commune) query = query.where((eb) => eb.or([eb('al.commune_code', '=', commune), eb('al.commune_code', 'is', null)]));
    return this.toAlerts(await query.orderBy('al.created_at', 'desc').orderBy('al.id').limit(filter.limit).execute());
  }

  /** The alert a CAP message created, by its sender and identifier. */
  async findByCap(sender: string, identifier: string): Promise<Alert | null> {
    const row = await this.select().where('al.cap_sender', '=', sender).where('al.cap_identifier', '=', identifier).executeTakeFirst();
    return row ? (await this.toAlerts([row]))[0]! : null;
  }

  /** Alerts that still sound in or after `from` (cancelled ones never do). */
  async audibleSince(from: number): Promise<Alert[]> {
    return this.toAlerts(await this.select().where('al.status', '!=', 'cancelled').where('al.expires_at', '>', from).orderBy('al.starts_at').orderBy('al.id').execute());
  }

  /**
   * Stores a new alert and cancels the active ones it replaces, in one transaction: the new alert
   * exists before anything is published. Returns the ids of the replaced alerts this call cancelled
   * (one already cancelled or expired is not returned: only its canceller announces it).
   */
  async insert(a: NewAlert, replacing: { ids: readonly string[]; at: number } = { ids: [], at: a.createdAt }): Promise<string[]> {
    return this.q.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('alerts')
        .values({
          id: a.id,
          version: a.version,
          title: a.title,
          text: a.text,
          severity: a.severity,
          kind: a.kind,
          origin: a.origin,
          cap_identifier: a.capIdentifier,
          cap_sender: a.capSender,
          bulletin_id: a.bulletinId,
          priority: a.priority,
          risk_level: a.riskLevel,
          volume: a.volume,
          repeat_every_ms: a.repeatEveryMs,
          starts_at: a.startsAt,
          expires_at: a.expiresAt,
          targets: JSON.stringify(a.targets),
          status: 'active',
          created_by: a.createdBy,
          created_at: a.createdAt,
          replaces: a.replaces,
          commune_code: a.communeCode,
        })
        .execute();
      const cancelled: string[] = [];
      for (const id of replacing.ids) {
        const row = await trx.updateTable('alerts').set({ status: 'cancelled', cancelled_at: replacing.at }).where('id', '=', id).where('status', '=', 'active').returning('id').executeTakeFirst();
        if (row) cancelled.push(row.id);
      }
      return cancelled;
    });
  }

  /** Marks an active alert cancelled; false when it was not active (one conditional statement: one canceller wins). */
  async cancel(id: string, at: number): Promise<boolean> {
    const row = await this.q.db.updateTable('alerts').set({ status: 'cancelled', cancelled_at: at }).where('id', '=', id).where('status', '=', 'active').returning('id').executeTakeFirst();
    return row !== undefined;
  }

  /** Marks active alerts past their expiry as expired; returns which (each to exactly one caller). */
  async expire(now: number): Promise<{ id: string; expiresAt: number }[]> {
    const rows = await this.q.db.updateTable('alerts').set({ status: 'expired' }).where('status', '=', 'active').where('expires_at', '<=', now).returning(['id', 'expires_at']).execute();
    return rows.map((r) => ({ id: r.id, expiresAt: r.expires_at }));
  }
}

import type { AlertTargets, AudioAsset, Issuer, Priority } from '@smart-commune/shared';
import type { Db } from '../../db/database.js';
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

interface AlertRow {
  id: string;
  version: number;
  title: string;
  text: string;
  severity: AlertSeverity;
  kind: AlertKind;
  origin: 'json' | 'cap';
  cap_identifier: string | null;
  cap_sender: string | null;
  bulletin_id: string;
  priority: Priority;
  risk_level: RiskLevel | null;
  volume: number;
  repeat_every_ms: number | null;
  starts_at: number;
  expires_at: number;
  targets: string;
  commune_code: string | null;
  /** JSON array of the commune's hamlet codes, for a commune alert. */
  commune_hamlets: string | null;
  status: AlertStatus;
  created_by: string | null;
  created_at: number;
  cancelled_at: number | null;
  replaces: string | null;
  replaced_by: string | null;
  sha256: string;
  bytes: number;
  mime: AudioAsset['mime'];
  asset_duration_ms: number;
  duration_ms: number;
}

const SELECT = `
  SELECT al.*, (SELECT r.id FROM alerts r WHERE r.replaces = al.id) AS replaced_by,
    CASE WHEN al.commune_code IS NOT NULL THEN
      (SELECT json_group_array(code) FROM (SELECT h.code FROM hamlets h WHERE h.commune_code = al.commune_code ORDER BY h.code)) END AS commune_hamlets,
    b.duration_ms, a.sha256, a.bytes, a.mime, a.duration_ms AS asset_duration_ms
  FROM alerts al JOIN bulletins b ON b.id = al.bulletin_id JOIN audio_assets a ON a.sha256 = b.asset_sha256`;

function reachOf(targets: AlertTargets, r: AlertRow): AlertTargets {
  if (!targets.all || r.commune_code === null) return targets;
  return { all: false, hamlets: JSON.parse(r.commune_hamlets ?? '[]') as string[], edges: [] };
}

const toAlert = (r: AlertRow): Alert => ({
  id: r.id,
  version: r.version,
  title: r.title,
  text: r.text,
  severity: r.severity,
  kind: r.kind,
  origin: r.origin,
  capIdentifier: r.cap_identifier,
  capSender: r.cap_sender,
  bulletinId: r.bulletin_id,
  asset: { sha256: r.sha256, bytes: r.bytes, durationMs: r.asset_duration_ms, mime: r.mime },
  durationMs: r.duration_ms,
  priority: r.priority,
  riskLevel: r.risk_level,
  volume: r.volume,
  repeatEveryMs: r.repeat_every_ms,
  startsAt: r.starts_at,
  expiresAt: r.expires_at,
  targets: JSON.parse(r.targets) as AlertTargets,
  reach: reachOf(JSON.parse(r.targets) as AlertTargets, r),
  communeCode: r.commune_code,
  issuer: r.commune_code === null ? 'province' : 'commune',
  status: r.status,
  createdBy: r.created_by,
  createdAt: r.created_at,
  cancelledAt: r.cancelled_at,
  replaces: r.replaces,
  replacedBy: r.replaced_by,
});

/** Emergency alerts in SQLite, each with its spoken bulletin's audio. */
export class AlertStore {
  constructor(private readonly db: Db) {}

  find(id: string): Alert | null {
    const row = this.db.prepare(`${SELECT} WHERE al.id = ?`).get(id) as AlertRow | undefined;
    return row ? toAlert(row) : null;
  }

  get(id: string): Alert {
    const alert = this.find(id);
    if (!alert) throw notFound(`alert ${id}`);
    return alert;
  }

  /** Newest first; `commune`: that commune's alerts and the province's own (a commune's people), absent: all. */
  list(filter: { status?: AlertStatus; limit: number; commune?: string }): Alert[] {
    const where = [filter.status ? 'al.status = @status' : null, filter.commune ? '(al.commune_code = @commune OR al.commune_code IS NULL)' : null].filter(Boolean);
    const rows = this.db
      .prepare(`${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY al.created_at DESC, al.id LIMIT @limit`)
      .all({ ...(filter.status ? { status: filter.status } : {}), ...(filter.commune ? { commune: filter.commune } : {}), limit: filter.limit }) as AlertRow[];
    return rows.map(toAlert);
  }

  /** The alert a CAP message created, by its sender and identifier. */
  findByCap(sender: string, identifier: string): Alert | null {
    const row = this.db.prepare(`${SELECT} WHERE al.cap_sender = ? AND al.cap_identifier = ?`).get(sender, identifier) as AlertRow | undefined;
    return row ? toAlert(row) : null;
  }

  /** Alerts that still sound in or after `from` (cancelled ones never do). */
  audibleSince(from: number): Alert[] {
    return (this.db.prepare(`${SELECT} WHERE al.status != 'cancelled' AND al.expires_at > ? ORDER BY al.starts_at`).all(from) as AlertRow[]).map(toAlert);
  }

  insert(a: NewAlert): void {
    this.db
      .prepare(
        `INSERT INTO alerts (id, version, title, text, severity, kind, origin, cap_identifier, cap_sender, bulletin_id, priority, risk_level, volume,
           repeat_every_ms, starts_at, expires_at, targets, status, created_by, created_at, replaces, commune_code)
         VALUES (@id, @version, @title, @text, @severity, @kind, @origin, @capIdentifier, @capSender, @bulletinId, @priority, @riskLevel, @volume,
           @repeatEveryMs, @startsAt, @expiresAt, @targets, 'active', @createdBy, @createdAt, @replaces, @communeCode)`,
      )
      .run({ ...a, targets: JSON.stringify(a.targets) });
  }

  /** Marks an active alert cancelled; false when it was not active. */
  cancel(id: string, at: number): boolean {
    return this.db.prepare("UPDATE alerts SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND status = 'active'").run(at, id).changes === 1;
  }

  /** Marks active alerts past their expiry as expired; returns which. */
  expire(now: number): { id: string; expiresAt: number }[] {
    return this.db.prepare("UPDATE alerts SET status = 'expired' WHERE status = 'active' AND expires_at <= ? RETURNING id, expires_at AS expiresAt").all(now) as { id: string; expiresAt: number }[];
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

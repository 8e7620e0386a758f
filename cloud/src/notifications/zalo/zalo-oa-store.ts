import type { Db } from '../../db/database.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import type { Selectable } from 'kysely';
import type { ZaloOaTable } from '../../db/query/tables.js';

/**
 * Whose OA: a commune's code, or null for the province's own (the fallback of a commune without one,
 * and the one OA a single-commune install had before communes got their own).
 */
export type OaScope = string | null;

/** The `scope` column: the commune's code, '' for the province's own (a NULL would not be unique). */
export const scopeKey = (scope: OaScope): string => scope ?? '';

/** An OA's connection as stored, its secrets opened. */
export interface ZaloConnection {
  /** The row's id, which followers point at. */
  id: number;
  communeCode: string | null;
  appId: string;
  oaId: string | null;
  appSecret: string;
  webhookSecret: string | null;
  accessToken: string | null;
  accessExpiresAt: number | null;
  refreshToken: string | null;
  refreshExpiresAt: number | null;
  version: number;
  refreshingUntil: number | null;
  state: 'connected' | 'needs_reconnect';
  stateReason: string | null;
  connectedAt: number;
  refreshedAt: number | null;
}

/** What admins see: never a secret or a token. */
export interface ZaloConnectionStatus {
  /** Whose OA (null: the province's own). */
  communeCode: string | null;
  state: 'not_connected' | 'connected' | 'needs_reconnect';
  reason: string | null;
  appId: string | null;
  oaId: string | null;
  webhookSecretSet: boolean;
  accessExpiresAt: number | null;
  refreshExpiresAt: number | null;
  connectedAt: number | null;
  refreshedAt: number | null;
}

export interface TokenPair {
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
}

type Row = Omit<Selectable<ZaloOaTable>, 'state'> & { state: 'connected' | 'needs_reconnect' };

/**
 * The rows of `zalo_oa`, one per commune that connected its own OA and one for the province's own.
 * Tokens and secrets are sealed at rest with the cloud's secret box. Every write that follows a
 * refresh is conditional on the OA's version read before it, so two processes cannot both store a
 * pair (see ZaloTokens).
 */
export class ZaloOaStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  load(scope: OaScope): ZaloConnection | null {
    const r = this.db.prepare('SELECT * FROM zalo_oa WHERE scope = ?').get(scopeKey(scope)) as Row | undefined;
    return r ? this.opened(r) : null;
  }

  /** The OAs an app id serves (several when one Zalo app is authorised by several communes' OAs): the webhook's candidates. */
  byApp(appId: string): ZaloConnection[] {
    return (this.db.prepare('SELECT * FROM zalo_oa WHERE app_id = ? ORDER BY id').all(appId) as Row[]).map((r) => this.opened(r));
  }

  /** Every OA's state, the province's first then by commune: a province admin's overview. */
  statuses(): ZaloConnectionStatus[] {
    const scopes = this.db.prepare("SELECT commune_code FROM zalo_oa ORDER BY scope <> '', scope").pluck().all() as (string | null)[];
    return scopes.map((scope) => this.status(scope));
  }

  /** Which OAs are connected now (the channel's choice of sender for a commune's broadcast). */
  connectedScopes(): Set<string> {
    return new Set(this.db.prepare("SELECT scope FROM zalo_oa WHERE state = 'connected'").pluck().all() as string[]);
  }

  /** Which OAs exist at all, connected or waiting to be reconnected. */
  knownScopes(): Set<string> {
    return new Set(this.db.prepare('SELECT scope FROM zalo_oa').pluck().all() as string[]);
  }

  private opened(r: Row): ZaloConnection {
    const open = (v: string | null) => (v === null ? null : this.box.open(v));
    return {
      id: r.id,
      communeCode: r.commune_code,
      appId: r.app_id,
      oaId: r.oa_id,
      appSecret: this.box.open(r.app_secret),
      webhookSecret: open(r.webhook_secret),
      accessToken: open(r.access_token),
      accessExpiresAt: r.access_expires_at,
      refreshToken: open(r.refresh_token),
      refreshExpiresAt: r.refresh_expires_at,
      version: r.version,
      refreshingUntil: r.refreshing_until,
      state: r.state,
      stateReason: r.state_reason,
      connectedAt: r.connected_at,
      refreshedAt: r.refreshed_at,
    };
  }

  /** The OA id to show a commune's citizens (the notices page's QR code): the commune's own when connected, else the province's. */
  connectedOaId(communeCode: string | null): string | null {
    const rows = this.db
      .prepare("SELECT scope, oa_id FROM zalo_oa WHERE scope IN (?, '') AND state = 'connected' AND oa_id IS NOT NULL")
      .all(scopeKey(communeCode)) as { scope: string; oa_id: string }[];
    return (rows.find((r) => r.scope !== '') ?? rows[0])?.oa_id ?? null;
  }

  status(scope: OaScope): ZaloConnectionStatus {
    const c = this.load(scope);
    if (!c) {
      return { communeCode: scope, state: 'not_connected', reason: null, appId: null, oaId: null, webhookSecretSet: false, accessExpiresAt: null, refreshExpiresAt: null, connectedAt: null, refreshedAt: null };
    }
    return {
      communeCode: c.communeCode,
      state: c.state,
      reason: c.stateReason,
      appId: c.appId,
      oaId: c.oaId,
      webhookSecretSet: c.webhookSecret !== null,
      accessExpiresAt: c.accessExpiresAt,
      refreshExpiresAt: c.refreshExpiresAt,
      connectedAt: c.connectedAt,
      refreshedAt: c.refreshedAt,
    };
  }

  /** A new connection (or a reconnection): replaces everything, bumps the version so a refresh in flight loses. */
  connect(scope: OaScope, c: { appId: string; oaId: string | null; appSecret: string; webhookSecret: string | null; pair: TokenPair }): void {
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO zalo_oa (scope, commune_code, app_id, oa_id, app_secret, webhook_secret, access_token, access_expires_at, refresh_token, refresh_expires_at, version, refreshing_until, state, state_reason, connected_at, refreshed_at, updated_at)
         VALUES (@scope, @communeCode, @appId, @oaId, @appSecret, @webhookSecret, @accessToken, @accessExpiresAt, @refreshToken, @refreshExpiresAt, 1, NULL, 'connected', NULL, @at, @at, @at)
         ON CONFLICT (scope) DO UPDATE SET app_id = excluded.app_id, oa_id = excluded.oa_id, app_secret = excluded.app_secret, webhook_secret = excluded.webhook_secret,
           access_token = excluded.access_token, access_expires_at = excluded.access_expires_at, refresh_token = excluded.refresh_token,
           refresh_expires_at = excluded.refresh_expires_at, version = zalo_oa.version + 1, refreshing_until = NULL, state = 'connected', state_reason = NULL,
           connected_at = excluded.connected_at, refreshed_at = excluded.refreshed_at, updated_at = excluded.updated_at`,
      )
      .run({
        scope: scopeKey(scope),
        communeCode: scope,
        appId: c.appId,
        oaId: c.oaId,
        appSecret: this.box.seal(c.appSecret),
        webhookSecret: c.webhookSecret === null ? null : this.box.seal(c.webhookSecret),
        accessToken: this.box.seal(c.pair.accessToken),
        accessExpiresAt: c.pair.accessExpiresAt,
        refreshToken: this.box.seal(c.pair.refreshToken),
        refreshExpiresAt: c.pair.refreshExpiresAt,
        at,
      });
  }

  /**
   * Takes the refresh lease if the row is still at `version` and nobody holds an unexpired lease:
   * only the process that gets it spends the refresh token. Returns the version it now owns.
   */
  takeRefreshLease(scope: OaScope, version: number, leaseMs: number): number | null {
    const at = this.now();
    const changed = this.db
      .prepare("UPDATE zalo_oa SET version = version + 1, refreshing_until = ?, updated_at = ? WHERE scope = ? AND version = ? AND state = 'connected' AND (refreshing_until IS NULL OR refreshing_until < ?)")
      .run(at + leaseMs, at, scopeKey(scope), version, at).changes;
    return changed === 1 ? version + 1 : null;
  }

  /** Stores the pair a refresh returned, if the lease's version is still the row's; false when someone else moved on. */
  storeRefreshed(scope: OaScope, version: number, pair: TokenPair): boolean {
    const at = this.now();
    return (
      this.db
        .prepare(
          `UPDATE zalo_oa SET access_token = ?, access_expires_at = ?, refresh_token = ?, refresh_expires_at = ?, version = version + 1,
             refreshing_until = NULL, refreshed_at = ?, updated_at = ? WHERE scope = ? AND version = ?`,
        )
        .run(this.box.seal(pair.accessToken), pair.accessExpiresAt, this.box.seal(pair.refreshToken), pair.refreshExpiresAt, at, at, scopeKey(scope), version).changes === 1
    );
  }

  /** Gives the lease back without a new pair (Zalo did not answer): someone may try again at once. */
  releaseLease(scope: OaScope, version: number): void {
    this.db.prepare('UPDATE zalo_oa SET refreshing_until = NULL, version = version + 1, updated_at = ? WHERE scope = ? AND version = ?').run(this.now(), scopeKey(scope), version);
  }

  /** The refresh token was refused: nothing can be sent until an admin connects the OA again. */
  markNeedsReconnect(scope: OaScope, version: number, reason: string): boolean {
    const at = this.now();
    return (
      this.db
        .prepare("UPDATE zalo_oa SET state = 'needs_reconnect', state_reason = ?, refreshing_until = NULL, version = version + 1, updated_at = ? WHERE scope = ? AND version = ?")
        .run(reason.slice(0, 500), at, scopeKey(scope), version).changes === 1
    );
  }
}

import type { Selectable } from 'kysely';
import { fromExcluded, type QueryDatabase } from '../../db/query/index.js';
import type { ZaloOaTable } from '../../db/query/tables.js';
import type { SecretBox } from '../../secrets/secret-box.js';

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
    private readonly q: QueryDatabase,
    private readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  async load(scope: OaScope): Promise<ZaloConnection | null> {
    const r = await this.q.db.selectFrom('zalo_oa').selectAll().where('scope', '=', scopeKey(scope)).executeTakeFirst();
    return r ? this.opened(r as Row) : null;
  }

  /** The OAs an app id serves (several when one Zalo app is authorised by several communes' OAs): the webhook's candidates. */
  async byApp(appId: string): Promise<ZaloConnection[]> {
    const rows = await this.q.db.selectFrom('zalo_oa').selectAll().where('app_id', '=', appId).orderBy('id').execute();
    return rows.map((r) => this.opened(r as Row));
  }

  /** Every OA's state, the province's first then by commune: a province admin's overview. */
  async statuses(): Promise<ZaloConnectionStatus[]> {
    // the province's row has scope '', which sorts first on both databases
    const rows = await this.q.db.selectFrom('zalo_oa').selectAll().orderBy('scope').execute();
    return rows.map((r) => this.statusOf(this.opened(r as Row)));
  }

  /** Which OAs are connected now (the channel's choice of sender for a commune's broadcast). */
  async connectedScopes(): Promise<Set<string>> {
    const rows = await this.q.db.selectFrom('zalo_oa').select('scope').where('state', '=', 'connected').execute();
    return new Set(rows.map((r) => r.scope));
  }

  /** Which OAs exist at all, connected or waiting to be reconnected. */
  async knownScopes(): Promise<Set<string>> {
    const rows = await this.q.db.selectFrom('zalo_oa').select('scope').execute();
    return new Set(rows.map((r) => r.scope));
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
  async connectedOaId(communeCode: string | null): Promise<string | null> {
    const rows = await this.q.db
      .selectFrom('zalo_oa')
      .select(['scope', 'oa_id'])
      .where('scope', 'in', [scopeKey(communeCode), ''])
      .where('state', '=', 'connected')
      .where('oa_id', 'is not', null)
      .execute();
    return (rows.find((r) => r.scope !== '') ?? rows[0])?.oa_id ?? null;
  }

  async status(scope: OaScope): Promise<ZaloConnectionStatus> {
    const c = await this.load(scope);
    if (!c) {
      return { communeCode: scope, state: 'not_connected', reason: null, appId: null, oaId: null, webhookSecretSet: false, accessExpiresAt: null, refreshExpiresAt: null, connectedAt: null, refreshedAt: null };
    }
    return this.statusOf(c);
  }

  private statusOf(c: ZaloConnection): ZaloConnectionStatus {
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

  /** A new connection (or a reconnection): replaces everything, bumps the version so a refresh in flight loses. One upsert. */
  async connect(scope: OaScope, c: { appId: string; oaId: string | null; appSecret: string; webhookSecret: string | null; pair: TokenPair }): Promise<void> {
    const at = this.now();
    await this.q.db
      .insertInto('zalo_oa')
      .values({
        scope: scopeKey(scope),
        commune_code: scope,
        app_id: c.appId,
        oa_id: c.oaId,
        app_secret: this.box.seal(c.appSecret),
        webhook_secret: c.webhookSecret === null ? null : this.box.seal(c.webhookSecret),
        access_token: this.box.seal(c.pair.accessToken),
        access_expires_at: c.pair.accessExpiresAt,
        refresh_token: this.box.seal(c.pair.refreshToken),
        refresh_expires_at: c.pair.refreshExpiresAt,
        version: 1,
        refreshing_until: null,
        state: 'connected',
        state_reason: null,
        connected_at: at,
        refreshed_at: at,
        updated_at: at,
      })
      .onConflict((oc) =>
        oc.column('scope').doUpdateSet((eb) => ({
          ...fromExcluded(['app_id', 'oa_id', 'app_secret', 'webhook_secret', 'access_token', 'access_expires_at', 'refresh_token', 'refresh_expires_at', 'connected_at', 'refreshed_at', 'updated_at']),
          version: eb('zalo_oa.version', '+', 1),
          refreshing_until: null,
          state: 'connected',
          state_reason: null,
        })),
      )
      .execute();
  }

  /**
   * Takes the refresh lease if the row is still at `version` and nobody holds an unexpired lease:
   * only the process that gets it spends the refresh token. Returns the version it now owns.
   */
  async takeRefreshLease(scope: OaScope, version: number, leaseMs: number): Promise<number | null> {
    const at = this.now();
    const taken = await this.q.db
      .updateTable('zalo_oa')
      .set((eb) => ({ version: eb('version', '+', 1), refreshing_until: at + leaseMs, updated_at: at }))
      .where('scope', '=', scopeKey(scope))
      .where('version', '=', version)
      .where('state', '=', 'connected')
      .where((eb) => eb.or([eb('refreshing_until', 'is', null), eb('refreshing_until', '<', at)]))
      .returning('version')
      .executeTakeFirst();
    return taken ? taken.version : null;
  }

  /** Stores the pair a refresh returned, if the lease's version is still the row's; false when someone else moved on. */
  async storeRefreshed(scope: OaScope, version: number, pair: TokenPair): Promise<boolean> {
    const at = this.now();
    const stored = await this.q.db
      .updateTable('zalo_oa')
      .set((eb) => ({
        access_token: this.box.seal(pair.accessToken),
        access_expires_at: pair.accessExpiresAt,
        refresh_token: this.box.seal(pair.refreshToken),
        refresh_expires_at: pair.refreshExpiresAt,
        version: eb('version', '+', 1),
        refreshing_until: null,
        refreshed_at: at,
        updated_at: at,
      }))
      .where('scope', '=', scopeKey(scope))
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(stored.numUpdatedRows) === 1;
  }

  /** Gives the lease back without a new pair (Zalo did not answer): someone may try again at once. */
  async releaseLease(scope: OaScope, version: number): Promise<void> {
    await this.q.db
      .updateTable('zalo_oa')
      .set((eb) => ({ refreshing_until: null, version: eb('version', '+', 1), updated_at: this.now() }))
      .where('scope', '=', scopeKey(scope))
      .where('version', '=', version)
      .execute();
  }

  /** The refresh token was refused: nothing can be sent until an admin connects the OA again. */
  async markNeedsReconnect(scope: OaScope, version: number, reason: string): Promise<boolean> {
    const marked = await this.q.db
      .updateTable('zalo_oa')
      .set((eb) => ({ state: 'needs_reconnect', state_reason: reason.slice(0, 500), refreshing_until: null, version: eb('version', '+', 1), updated_at: this.now() }))
      .where('scope', '=', scopeKey(scope))
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(marked.numUpdatedRows) === 1;
  }
}

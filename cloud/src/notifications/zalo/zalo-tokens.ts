import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../../audit/audit-log.js';
import { zaloRequest } from './zalo-http.js';
import { scopeKey, type OaScope, type TokenPair, type ZaloOaStore } from './zalo-oa-store.js';
import { ACCESS_TOKEN_LIFE_S, PATHS, REFRESH_TOKEN_LIFE_S, tokenAnswerSchema, tokenForm } from './zalo-wire.js';

export interface ZaloTokensOptions {
  store: ZaloOaStore;
  audit: AuditLog;
  logger: Logger;
  /** https://oauth.zaloapp.com, or the stand-in's. */
  oauthUrl: string;
  /** Refresh this long before the access token expires (default 10 minutes). */
  refreshEarlyMs?: number;
  /** How long one process may hold the refresh lease before another may take it (default 30 s). */
  leaseMs?: number;
  timeoutMs?: number;
  now?: () => number;
  /** Counts refreshes by outcome (sc_zalo_token_refreshes_total). */
  onRefresh?: (outcome: 'ok' | 'refused' | 'failed' | 'lost') => void;
}

/** An access token to send with, or why there is none now. */
export type AccessResult =
  | { ok: true; token: string }
  /** `retry`: try again later (Zalo did not answer the refresh); otherwise the OA needs an admin. */
  | { ok: false; retry: boolean; reason: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whose OA a reason speaks of, for the outbox's visible reasons and the logs. */
export const oaName = (scope: OaScope) => (scope === null ? "the province's Zalo OA" : `commune ${scope}'s Zalo OA`);

/** Why nothing can be sent through an OA not stored: the province's is the last resort of a commune without its own. */
const notConnected = (scope: OaScope) =>
  scope === null ? "the province's Zalo OA is not connected (nor the commune's own): connect one on the Zalo OA page" : `${oaName(scope)} is not connected`;

/**
 * Each OA's OAuth v4 tokens (one OA per commune that connected its own, one for the province): handed out while valid, refreshed 10 minutes before the access token
 * expires and when Zalo says it is invalid (-216) mid-send. A refresh token is single-use, so
 * exactly one refresh may run at a time: in this process a shared promise (the mutex), across
 * processes a lease taken by a conditional UPDATE on the row's version. Whoever loses waits for the
 * winner and reads the pair it stored, instead of spending the refresh token a second time, which
 * would be refused and lock the commune out. A refresh Zalo refuses puts the connection into
 * "needs reconnecting" (visible to admins, audited); messages then wait in the outbox. Every OA
 * refreshes on its own: one commune's refused token never holds another's messages.
 */
export class ZaloTokens {
  private readonly inflight = new Map<string, Promise<AccessResult>>();
  private readonly refreshEarlyMs: number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly o: ZaloTokensOptions) {
    this.refreshEarlyMs = o.refreshEarlyMs ?? 10 * 60_000;
    this.leaseMs = o.leaseMs ?? 30_000;
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.now = o.now ?? Date.now;
  }

  /** A valid access token, refreshing first when it expires within refreshEarlyMs. */
  async accessToken(scope: OaScope): Promise<AccessResult> {
    const c = this.o.store.load(scope);
    if (!c) return { ok: false, retry: false, reason: notConnected(scope) };
    if (c.state !== 'connected') return { ok: false, retry: false, reason: `${oaName(scope)} needs reconnecting: ${c.stateReason ?? ''}` };
    if (c.accessToken && (c.accessExpiresAt ?? 0) - this.refreshEarlyMs > this.now()) return { ok: true, token: c.accessToken };
    return this.refresh(scope, c.version);
  }

  /**
   * Zalo refused `used` as invalid or expired: a newer token stored meanwhile (another send or
   * process refreshed) is used as is; otherwise this refreshes.
   */
  async invalidated(scope: OaScope, used: string): Promise<AccessResult> {
    const c = this.o.store.load(scope);
    if (!c) return { ok: false, retry: false, reason: notConnected(scope) };
    if (c.state !== 'connected') return { ok: false, retry: false, reason: `${oaName(scope)} needs reconnecting: ${c.stateReason ?? ''}` };
    if (c.accessToken && c.accessToken !== used) return { ok: true, token: c.accessToken };
    return this.refresh(scope, c.version);
  }

  /** Exchanges an authorization code or checks a pasted refresh token by refreshing with it; the pair to store. */
  async exchange(appId: string, appSecret: string, grant: { refreshToken: string } | { code: string; codeVerifier?: string }): Promise<TokenPair> {
    const result = await this.callOAuth(appId, appSecret, grant);
    if (result.kind === 'pair') return result.pair;
    throw new Error(result.kind === 'refused' ? `Zalo refused the ${'code' in grant ? 'authorization code' : 'refresh token'}: ${result.reason}` : `Zalo did not answer: ${result.reason}`);
  }

  private refresh(scope: OaScope, version: number): Promise<AccessResult> {
    // one refresh per OA and process at a time: later callers share the one running
    const key = scopeKey(scope);
    let running = this.inflight.get(key);
    if (!running) {
      running = this.refreshOnce(scope, version).finally(() => this.inflight.delete(key));
      this.inflight.set(key, running);
    }
    return running;
  }

  private async refreshOnce(scope: OaScope, seenVersion: number): Promise<AccessResult> {
    const lease = this.o.store.takeRefreshLease(scope, seenVersion, this.leaseMs);
    if (lease === null) return this.awaitOtherRefresh(scope);
    const c = this.o.store.load(scope)!;
    const result = await this.callOAuth(c.appId, c.appSecret, { refreshToken: c.refreshToken ?? '' });
    if (result.kind === 'pair') {
      if (this.o.store.storeRefreshed(scope, lease, result.pair)) {
        this.o.onRefresh?.('ok');
        this.o.logger.info({ commune: scope, accessExpiresAt: result.pair.accessExpiresAt }, 'Zalo OA access token refreshed');
        return { ok: true, token: result.pair.accessToken };
      }
      // an admin reconnected while this refresh ran: theirs is the pair to keep
      this.o.onRefresh?.('lost');
      this.o.logger.warn({ commune: scope }, 'a Zalo OA refresh finished after the connection changed; the stored pair is kept');
      return this.fromStore(scope);
    }
    this.o.onRefresh?.(result.kind);
    if (result.kind === 'failed') {
      this.o.store.releaseLease(scope, lease);
      return { ok: false, retry: true, reason: `refreshing the access token of ${oaName(scope)} failed: ${result.reason}` };
    }
    const reason = `Zalo refused the refresh token of ${oaName(scope)} (${result.reason}); connect the OA again with a new authorization code or refresh token`;
    if (this.o.store.markNeedsReconnect(scope, lease, reason)) {
      await this.o.audit.record({ actor: 'system', action: 'zalo.needs_reconnect', target: `zalo-oa:${c.oaId ?? c.appId}`, details: { reason: result.reason }, communeCode: scope });
      this.o.logger.error({ commune: scope, reason: result.reason }, 'Zalo OA needs reconnecting: the refresh token was refused');
      return { ok: false, retry: false, reason };
    }
    return this.fromStore(scope);
  }

  /** Another process holds the lease: wait until it stored a pair (or gave up) and use what is stored. */
  private async awaitOtherRefresh(scope: OaScope): Promise<AccessResult> {
    const deadline = this.now() + this.leaseMs + 1000;
    for (;;) {
      const c = this.o.store.load(scope);
      if (!c || c.state !== 'connected') return this.fromStore(scope);
      const leased = c.refreshingUntil !== null && c.refreshingUntil >= this.now();
      if (!leased) {
        if (c.accessToken && (c.accessExpiresAt ?? 0) > this.now()) return { ok: true, token: c.accessToken };
        return { ok: false, retry: true, reason: 'another process was refreshing the Zalo access token and did not finish' };
      }
      if (this.now() > deadline) return { ok: false, retry: true, reason: 'waited too long for another process refreshing the Zalo access token' };
      await sleep(100);
    }
  }

  private fromStore(scope: OaScope): AccessResult {
    const c = this.o.store.load(scope);
    if (!c) return { ok: false, retry: false, reason: notConnected(scope) };
    if (c.state !== 'connected') return { ok: false, retry: false, reason: `${oaName(scope)} needs reconnecting: ${c.stateReason ?? ''}` };
    return c.accessToken ? { ok: true, token: c.accessToken } : { ok: false, retry: true, reason: 'no Zalo access token stored' };
  }

  private async callOAuth(
    appId: string,
    appSecret: string,
    grant: { refreshToken: string } | { code: string; codeVerifier?: string },
  ): Promise<{ kind: 'pair'; pair: TokenPair } | { kind: 'refused' | 'failed'; reason: string }> {
    const res = await zaloRequest(
      `${this.o.oauthUrl}${PATHS.accessToken}`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: appSecret }, body: tokenForm(appId, grant) },
      tokenAnswerSchema,
      this.timeoutMs,
    );
    if (res.kind === 'failed') return { kind: 'failed', reason: res.reason };
    const body = res.body;
    if ('error' in body) {
      // the documentation found names no code for a spent or revoked refresh token: any error answer is a refusal
      const words = [body.error_name, body.error_reason, body.error_description].filter(Boolean).join(': ');
      return { kind: 'refused', reason: `error ${body.error}${words ? ` ${words}` : ''}` };
    }
    const at = this.now();
    return {
      kind: 'pair',
      pair: {
        accessToken: body.access_token,
        accessExpiresAt: at + (body.expires_in || ACCESS_TOKEN_LIFE_S) * 1000,
        refreshToken: body.refresh_token,
        refreshExpiresAt: at + (body.refresh_token_expires_in ?? REFRESH_TOKEN_LIFE_S) * 1000,
      },
    };
  }
}

import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../../audit/audit-log.js';
import type { CloudConfig } from '../../config.js';
import type { QueryDatabase } from '../../db/query/index.js';
import type { CloudMetrics } from '../../metrics.js';
import { API_PREFIX, type Mount } from '../../http/app.js';
import type { Guard } from '../../http/access.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { ZaloApi } from './zalo-api.js';
import { ZaloChannel } from './zalo-channel.js';
import { ZaloFollowers, type HamletRef } from './zalo-followers.js';
import { dbNoticeSource } from './zalo-notices.js';
import { ZaloOaStore } from './zalo-oa-store.js';
import { RatePacer } from './zalo-pacer.js';
import { createZaloRoutes } from './zalo-routes.js';
import { ZaloConnector } from './zalo-connect.js';
import { ZaloTokens } from './zalo-tokens.js';

export interface ZaloDeps {
  /** The query layer (SQLite or PostgreSQL): the OA, follower and broadcast-article stores are on it. */
  query: QueryDatabase;
  secrets: SecretBox;
  audit: AuditLog;
  logger: Logger;
  config: Pick<CloudConfig, 'SC_ZALO_API_URL' | 'SC_ZALO_OAUTH_URL' | 'SC_ZALO_RATE_PER_S' | 'SC_ZALO_CONCURRENCY' | 'SC_ZALO_BROADCAST'> &
    Partial<Pick<CloudConfig, 'SC_NOTIFY_GIVE_UP_AFTER_S' | 'SC_NOTIFY_MAX_ATTEMPTS'>>;
  hamlets: () => Promise<HamletRef[]>;
  /** The communes in service (a province admin's list of OAs, and which commune a request may name). */
  communes: () => Promise<{ code: string; name: string }[]>;
  /** The public base URL for links in messages (SC_PUBLIC_URL, else the cloud's own address). */
  publicUrl: () => string;
  /** Called when an admin connected an OA (the notifications module makes waiting Zalo messages due now). */
  onConnected?: () => void;
  /** sc_zalo_calls_total and sc_zalo_token_refreshes_total; absent in tests that do not read them. */
  metrics?: Pick<CloudMetrics, 'zaloCalls' | 'zaloTokenRefreshes'>;
  /** Tuning for tests: refresh margin, wait while disconnected, first rate-limit pause. */
  tuning?: { refreshEarlyMs?: number; disconnectedRetryMs?: number; rateLimitPauseMs?: number; leaseMs?: number };
}

export interface Zalo {
  /** The notification channel, for the notifications module to start with the others. */
  channel: ZaloChannel;
  store: ZaloOaStore;
  tokens: ZaloTokens;
  followers: ZaloFollowers;
  /** Connects an OA and shows its state: the API's and the console's. */
  connector: ZaloConnector;
  routes(guard: Guard): Mount[];
}

/** The communes' and the province's Zalo Official Accounts: their connections, followers, channel and routes. */
export function createZalo(deps: ZaloDeps): Zalo {
  const logger = deps.logger.child({ component: 'zalo' });
  const store = new ZaloOaStore(deps.query, deps.secrets);
  const metrics = deps.metrics;
  // while the OA needs reconnecting, a message's attempts are spread over the outbox's whole give-up
  // window (24 h / 30 attempts by default) instead of being spent in half an hour; reconnecting makes them due at once
  const { SC_NOTIFY_GIVE_UP_AFTER_S: giveUpS, SC_NOTIFY_MAX_ATTEMPTS: maxAttempts } = deps.config;
  const disconnectedRetryMs = giveUpS && maxAttempts ? Math.max(60_000, Math.floor((giveUpS * 1000) / maxAttempts)) : undefined;
  const tokens = new ZaloTokens({
    store,
    audit: deps.audit,
    logger,
    oauthUrl: deps.config.SC_ZALO_OAUTH_URL,
    ...(metrics ? { onRefresh: (outcome) => metrics.zaloTokenRefreshes.inc({ outcome }) } : {}),
    ...deps.tuning,
  });
  const followers = new ZaloFollowers(deps.query);
  const api = new ZaloApi({
    apiUrl: deps.config.SC_ZALO_API_URL,
    tokens,
    newPacer: () => new RatePacer(deps.config.SC_ZALO_RATE_PER_S),
    logger,
    ...(metrics ? { onCall: (endpoint: string, result: string) => metrics.zaloCalls.inc({ endpoint, result }) } : {}),
    ...(disconnectedRetryMs ? { disconnectedRetryMs } : {}),
    ...deps.tuning,
  });
  const channel = new ZaloChannel({
    query: deps.query,
    api,
    store,
    followers,
    hamlets: deps.hamlets,
    notices: dbNoticeSource(deps.query),
    logger,
    publicUrl: deps.publicUrl,
    broadcast: deps.config.SC_ZALO_BROADCAST === '1',
    concurrency: deps.config.SC_ZALO_CONCURRENCY,
  });
  const connector = new ZaloConnector({ store, tokens, followers, audit: deps.audit, ...(deps.onConnected ? { onConnected: deps.onConnected } : {}) });
  return {
    channel,
    connector,
    store,
    tokens,
    followers,
    routes: (guard) => [
      {
        prefix: API_PREFIX,
        app: createZaloRoutes({ guard, connector, store, followers, hamlets: deps.hamlets, communes: deps.communes, reply: (s, u, m, t) => channel.reply(s, u, m, t), logger }),
      },
    ],
  };
}

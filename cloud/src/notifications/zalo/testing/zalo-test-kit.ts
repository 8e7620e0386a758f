import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { VI_TAN } from '@smart-commune/shared';
import { createLogger } from '@smart-commune/shared/runtime';
import { AuditLog } from '../../../audit/audit-log.js';
import { SessionStore } from '../../../auth/session-store.js';
import { openCloudDatabase, type Db } from '../../../db/database.js';
import { DomainEventBus } from '../../../events/event-bus.js';
import { ObjectCommunes } from '../../../communes/object-commune.js';
import { sqliteQueryDatabase } from '../../../db/query/index.js';
import { CommuneStore } from '../../../communes/commune-store.js';
import { listHamlets, seedCommune } from '../../../hamlets/hamlets.js';
import { createGuard } from '../../../http/access.js';
import { API_PREFIX } from '../../../http/app.js';
import type { AppEnv } from '../../../http/env.js';
import { createErrorHandler } from '../../../http/errors.js';
import { createCloudMetrics, type CloudMetrics } from '../../../metrics.js';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64 } from '../../../secrets/secret-box.js';
import { createNotifications, type Notifications } from '../../notifications.js';
import type { Delivery } from '../../deliveries.js';
import { ZaloStandin, type StandinOa, type StandinOptions } from './zalo-standin.js';
import type { OaScope } from '../zalo-oa-store.js';
import { createZalo, type Zalo, type ZaloDeps } from '../zalo.js';
import { ZALO_WEBHOOK_PATH } from '../zalo-routes.js';

/** One commune's cloud side of the Zalo channel (real SQLite file, real HTTP) against the stand-in. Tests only. */
export interface ZaloKit {
  db: Db;
  bus: DomainEventBus;
  audit: AuditLog;
  /** The real outbox and dispatcher (notifications.ts) with only this channel. */
  notifications: Notifications;
  /** Waits until the channel has nothing queued or being sent, or `timeoutMs` passed. */
  drain(timeoutMs?: number): Promise<void>;
  /** Every Zalo message of the outbox, with its attempts. */
  deliveries(): Promise<Delivery[]>;
  delivery(idempotencyKey: string): Promise<Delivery | undefined>;
  standin: ZaloStandin;
  zalo: Zalo;
  webhookUrl: string;
  metrics: CloudMetrics;
  /** Connects the province's OA (the stand-in's first) with a refresh token the stand-in issued, as an admin would (through the connector). */
  connect(): Promise<void>;
  /** Connects a commune's OA (or the province's: null) to one of the stand-in's OAs. */
  connectOa(scope: OaScope, oa: StandinOa): Promise<void>;
  /** Another "process" on the same database: its own tokens (own in-process mutex). */
  secondProcess(): Zalo;
  close(): Promise<void>;
}

export async function startZaloKit(dir: string, options: { standin?: StandinOptions; tuning?: ZaloDeps['tuning']; ratePerS?: number; concurrency?: number; broadcast?: boolean } = {}): Promise<ZaloKit> {
  const db = openCloudDatabase(`${dir}/cloud.db`);
  const logger = createLogger('test', { level: 'silent' });
  const box = new SecretBox(secretKeyFromBase64(newSecretKeyBase64(), 'test key'));
  const query = sqliteQueryDatabase(db);
  await seedCommune(query, VI_TAN);
  const audit = new AuditLog(query);
  const metrics = createCloudMetrics();
  const bus = new DomainEventBus({ logger, handlerErrors: metrics.domainEventErrors });
  const standin = await new ZaloStandin(options.standin).start();
  const deps = (): ZaloDeps => ({
    query: sqliteQueryDatabase(db),
    secrets: box,
    audit,
    logger,
    metrics,
    config: {
      SC_ZALO_API_URL: standin.url,
      SC_ZALO_OAUTH_URL: standin.url,
      SC_ZALO_RATE_PER_S: options.ratePerS ?? 500,
      SC_ZALO_CONCURRENCY: options.concurrency ?? 8,
      SC_ZALO_BROADCAST: options.broadcast ? '1' : '0',
    },
    hamlets: () => listHamlets(query),
    communes: () => new CommuneStore(query).active(),
    publicUrl: () => 'https://xa-vi-tan.example',
    tuning: { refreshEarlyMs: 0, disconnectedRetryMs: 100, rateLimitPauseMs: 50, leaseMs: 5000, ...options.tuning },
  });
  const objectCommunes = new ObjectCommunes(sqliteQueryDatabase(db));
  let notifications: Notifications | null = null;
  const zalo = createZalo({ ...deps(), onConnected: () => notifications?.resume('zalo') });
  notifications = createNotifications({
    query: sqliteQueryDatabase(db),
    subjectCommune: (subject) => objectCommunes.of(subject),
    bus,
    logger,
    metrics,
    audit,
    channels: [zalo.channel],
    config: { SC_NOTIFY_RETRY_FIRST_S: 0.02, SC_NOTIFY_RETRY_MAX_S: 1, SC_NOTIFY_MAX_ATTEMPTS: 30, SC_NOTIFY_GIVE_UP_AFTER_S: 3600, SC_NOTIFY_RETENTION_DAYS: 90, SC_NOTIFY_SEND_TIMEOUT_S: 30 },
  });
  await notifications.start();
  const running = notifications;
  const deliveries = async () => (await running.store.page({ channel: 'zalo' }, 100_000, 0)).items;

  const app = new OpenAPIHono<AppEnv>();
  app.onError(createErrorHandler(logger));
  const guard = createGuard(new SessionStore(query, 3600_000), { verify: async () => null });
  for (const mount of zalo.routes(guard)) app.route(mount.prefix, mount.app);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${API_PREFIX}${ZALO_WEBHOOK_PATH}`;
  standin.webhookUrl = webhookUrl;

  return {
    db,
    bus,
    audit,
    notifications: running,
    deliveries,
    delivery: async (key) => (await deliveries()).find((d) => d.idempotencyKey === key),
    async drain(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const waiting = (await running.store.backlog()).filter((b) => b.channel === 'zalo').reduce((n, b) => n + b.count, 0);
        if (waiting === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    standin,
    zalo,
    webhookUrl,
    metrics,
    async connect() {
      await zalo.connector.connect(null, standin.main.connectInput(), 'admin', null);
    },
    async connectOa(scope, oa) {
      await zalo.connector.connect(scope, oa.connectInput(), 'admin', null);
    },
    secondProcess: () => createZalo(deps()),
    async close() {
      await running.stop();
      await bus.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await standin.close();
      db.close();
    },
  };
}

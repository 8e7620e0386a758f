import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { loadCloudConfig } from '../../../config.js';
import { openCloudDatabase, type Db } from '../../../db/database.js';
import { sqliteQueryDatabase } from '../../../db/query/index.js';
import { DomainEventBus } from '../../../events/event-bus.js';
import { seedCommune } from '../../../hamlets/hamlets.js';
import { createCloudMetrics } from '../../../metrics.js';
import type { Role } from '../../../users/roles.js';
import { UserStore } from '../../../users/user-store.js';
import { WebPushChannel } from '../webpush-channel.js';
import { startLocalPushService, type LocalPushService } from './local-push-service.js';
import { TestOutbox } from './test-outbox.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Setup {
  db: Db;
  bus: DomainEventBus;
  outbox: TestOutbox;
  channel: WebPushChannel;
  push: LocalPushService;
  users: UserStore;
  clock: { now: number | null };
  /** A person of this role with one device subscribed; returns the device. */
  staff(role: Role, name: string): Promise<{ userId: string; device: ReturnType<LocalPushService['newDevice']>; subscriptionId: string }>;
  /** Delivers what is due, repeatedly, until nothing is left due now. */
  flush(): Promise<void>;
}

/**
 * A fresh data directory for each test, and everything a test started stopped after it: `start()`
 * opens a cloud database with the commune and one box (edge_A, camera cam-1), the channel and a local
 * RFC 8030 push service.
 */
export function useChannelSetups(): {
  start(settings?: Record<string, unknown>): Promise<Setup>;
  dir(): string;
  /** Stops something the test started itself, after the setups' own (the order the tests had). */
  alsoStop(stop: () => Promise<void>): void;
} {
  let dir = '';
  let stops: (() => Promise<void>)[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-webpush-'));
    stops = [];
  });
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { start: (settings) => start(dir, stops, settings), dir: () => dir, alsoStop: (stop) => void stops.unshift(stop) };
}

async function start(dir: string, stops: (() => Promise<void>)[], settings: Record<string, unknown> = {}): Promise<Setup> {
  const clock = { now: null as number | null };
  const now = () => clock.now ?? Date.now();
  const config = loadCloudConfig({}, {
    SC_DATA_DIR: dir,
    SC_PUSH_ALLOW_LOCAL_ENDPOINTS: true,
    SC_NOTIFY_OFFLINE_AFTER_S: 0.3,
    SC_NOTIFY_ALERT_START_S: 0.3,
    SC_NOTIFY_DEVICE_COOLDOWN_S: 2,
    SC_NOTIFY_INCIDENT_COOLDOWN_S: 0,
    ...settings,
  });
  const db = openCloudDatabase(join(dir, 'cloud.db'));
  await seedCommune(sqliteQueryDatabase(db), VI_TAN);
  db.prepare("INSERT INTO edges (id, name, hamlet_code, status, created_at, updated_at) VALUES ('edge_A', 'Cổng trường', 'ap-2a', 'active', 0, 0)").run();
  db.prepare("INSERT INTO edge_state (edge_id, online) VALUES ('edge_A', 1)").run();
  db.prepare("INSERT INTO camera_status (edge_id, camera_id, status, changed_at) VALUES ('edge_A', 'cam-1', 'streaming', 0)").run();
  const bus = new DomainEventBus({ logger: silentLogger(), handlerErrors: createCloudMetrics().domainEventErrors });
  const outbox = new TestOutbox(now, 200);
  const channel = new WebPushChannel({ query: sqliteQueryDatabase(db), config, logger: silentLogger(), now });
  const push = await startLocalPushService({ vapidPublicKey: channel.vapid.publicKey });
  await channel.start({ bus, outbox, logger: silentLogger() });
  const users = new UserStore(sqliteQueryDatabase(db));
  stops.push(async () => {
    await channel.stop();
    await bus.stop();
    await push.close();
    db.close();
  });
  return {
    db,
    bus,
    outbox,
    channel,
    push,
    users,
    clock,
    async staff(role, name) {
      const user = await users.create({ username: name, role, password: `password-of-${name}`, mustChangePassword: false });
      const device = push.newDevice();
      const { subscription } = await channel.subscriptions.subscribe(user.id, { endpoint: device.endpoint, p256dh: device.keys.p256dh, auth: device.keys.auth, label: 'Chrome trên Android' });
      return { userId: user.id, device, subscriptionId: subscription.id };
    },
    async flush() {
      await bus.settled();
      while ((await outbox.deliverDue(channel)) > 0) await bus.settled();
    },
  };
}

/** As the fleet and vision domains do: the state is stored, then the event published. */
export function edgeOffline(setup: Setup, online: boolean) {
  setup.db.prepare("UPDATE edge_state SET online = ? WHERE edge_id = 'edge_A'").run(online ? 1 : 0);
  if (online) setup.bus.publish('edge.online', { edgeId: 'edge_A', at: Date.now(), lastSeenAt: Date.now() });
  else setup.bus.publish('edge.offline', { edgeId: 'edge_A', at: Date.now(), reason: 'missed_heartbeats' });
}

export function cameraOffline(setup: Setup, online: boolean, status: 'reconnecting' | 'failed' = 'reconnecting') {
  setup.db.prepare("UPDATE camera_status SET status = ? WHERE edge_id = 'edge_A' AND camera_id = 'cam-1'").run(online ? 'streaming' : status);
  if (online) setup.bus.publish('camera.online', { edgeId: 'edge_A', cameraId: 'cam-1', at: Date.now() });
  else setup.bus.publish('camera.offline', { edgeId: 'edge_A', cameraId: 'cam-1', at: Date.now(), status, error: 'timeout' });
}

export const incident = (id: string, extra: Record<string, unknown> = {}) => ({
  incidentId: id,
  edgeId: 'edge_A',
  hamletCode: 'ap-2a',
  cameraId: 'cam-1',
  label: 'person',
  detectedAt: Date.now(),
  severity: 'alert' as 'alert' | 'detection',
  continues: null as string | null,
  ...extra,
});

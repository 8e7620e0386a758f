import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { addCommune, personOf } from '../communes/testing/two-communes.js';
import { ObjectCommunes } from '../communes/object-commune.js';
import { loadCloudConfig } from '../config.js';
import { openCloudDatabase, type Db } from '../db/database.js';
import { sqliteQueryDatabase } from '../db/query/index.js';
import { DomainEventBus } from '../events/event-bus.js';
import { seedCommune } from '../hamlets/hamlets.js';
import { createCloudMetrics } from '../metrics.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { UserStore } from '../users/user-store.js';
import type { NewOutboxMessage } from './channel.js';
import { OutboxStore } from './outbox.js';
import { startLocalPushService, type LocalPushService } from './webpush/testing/local-push-service.js';
import { TestOutbox } from './webpush/testing/test-outbox.js';
import { WebPushChannel } from './webpush/webpush-channel.js';

describe("staff Web Push: a commune's staff are told only of their commune", () => {
  let dir: string;
  let db: Db;
  let bus: DomainEventBus;
  let outbox: TestOutbox;
  let channel: WebPushChannel;
  let push: LocalPushService;
  const subscriptionOf: Record<string, string> = {};
  const users: Record<string, { id: string; role: 'police'; communeCode: string | null }> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-commune-push-'));
    const config = loadCloudConfig({}, { SC_DATA_DIR: dir, SC_PUSH_ALLOW_LOCAL_ENDPOINTS: true, SC_NOTIFY_INCIDENT_COOLDOWN_S: 0 });
    db = openCloudDatabase(join(dir, 'cloud.db'));
    await seedCommune(sqliteQueryDatabase(db), VI_TAN);
    db.prepare("INSERT INTO communes (code, name, district, province, created_at) VALUES ('vi-thuy', 'Xã Vị Thủy', 'Huyện Vị Thủy', 'Tỉnh Hậu Giang', 0)").run();
    db.prepare("INSERT INTO hamlets (code, commune_code, name, position) VALUES ('vt-1', 'vi-thuy', 'Ấp Vị Thủy 1', 100)").run();
    for (const [id, hamlet] of [['edge_A', 'ap-2a'], ['edge_B', 'vt-1']] as const) {
      db.prepare("INSERT INTO edges (id, name, hamlet_code, status, created_at, updated_at) VALUES (?, ?, ?, 'active', 0, 0)").run(id, `Tủ ${hamlet}`, hamlet);
    }
    bus = new DomainEventBus({ logger: silentLogger(), handlerErrors: createCloudMetrics().domainEventErrors });
    outbox = new TestOutbox(Date.now, 200);
    channel = new WebPushChannel({ query: sqliteQueryDatabase(db), config, logger: silentLogger() });
    push = await startLocalPushService({ vapidPublicKey: channel.vapid.publicKey });
    await channel.start({ bus, outbox, logger: silentLogger() });
    const store = new UserStore(sqliteQueryDatabase(db));
    for (const [name, communeCode] of [['police-a', 'vi-tan'], ['police-b', 'vi-thuy'], ['police-tinh', null]] as const) {
      const user = await store.create({ username: name, role: 'police', communeCode, password: `password-of-${name}`, mustChangePassword: false });
      users[name] = { id: user.id, role: 'police', communeCode };
      const device = push.newDevice();
      subscriptionOf[name] = (await channel.subscriptions.subscribe(user.id, { endpoint: device.endpoint, p256dh: device.keys.p256dh, auth: device.keys.auth, label: name })).subscription.id;
    }
  });
  afterAll(async () => {
    await channel.stop();
    await bus.stop();
    await push.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const opened = (incidentId: string, edgeId: string, hamletCode: string) => ({
    incidentId,
    edgeId,
    hamletCode,
    cameraId: 'cam-1',
    label: 'person',
    detectedAt: Date.now(),
    severity: 'alert' as const,
    continues: null,
  });
  const recipientsOf = (incidentId: string) =>
    outbox.entries
      .filter((e) => e.message.idempotencyKey.startsWith(`incident.opened:${incidentId}:`))
      .map((e) => Object.keys(subscriptionOf).find((name) => subscriptionOf[name] === e.message.recipient))
      .sort();

  it("sends commune B's incident to B's police and the province's, never to commune A's", async () => {
    bus.publish('incident.opened', opened('inc_b', 'edge_B', 'vt-1'));
    bus.publish('incident.opened', opened('inc_a', 'edge_A', 'ap-2a'));
    await bus.settled();
    expect(recipientsOf('inc_b')).toEqual(['police-b', 'police-tinh']);
    expect(recipientsOf('inc_a')).toEqual(['police-a', 'police-tinh']);
  });

  it("refuses another commune's hamlet or camera in a commune person's choices, as unknown", async () => {
    const a = users['police-a']!;
    expect(await channel.subscriptions.unknownScope(['ap-1', 'vt-1'], [], a)).toEqual([{ path: 'hamlets.1', message: 'unknown hamlet vt-1' }]);
    expect(await channel.subscriptions.unknownScope(['ap-1', 'vt-1'], [], users['police-tinh']!)).toEqual([]);
  });
});

describe('deliveries and "where it went" per commune', () => {
  let test: TestCloud;
  let edgeB: string;
  let adminA: { token: string };
  let provinceAdmin: { token: string };
  let store: OutboxStore;
  // a channel the test cloud does not run: its web push dispatcher would send (and count away) webpush messages
  const message = (key: string, subject: string, extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
    channel: 'sms',
    idempotencyKey: key,
    recipient: 'sub_x',
    subject,
    event: 'incident.opened',
    content: { title: 'Cảnh báo', body: 'người', path: '/police/incidents' },
    ...extra,
  });

  beforeAll(async () => {
    test = await startTestCloud();
    await addCommune(test, 'vi-thuy', 'vt-1');
    edgeB = (await claimTestEdge(test, 'vt-1')).edgeId;
    const edgeA = (await claimTestEdge(test, 'ap-1')).edgeId;
    adminA = await personOf(test, 'admin-a', 'admin', 'vi-tan');
    provinceAdmin = await personOf(test, 'admin-tinh', 'admin', null);
    store = new OutboxStore(test.cloud.query, (subject) => new ObjectCommunes(test.cloud.query).of(subject));
    await store.enqueue([
      message('a:1', `camera:${edgeA}/cam-1`),
      message('b:1', `camera:${edgeB}/cam-1`),
      message('b:2', `edge:${edgeB}`),
      message('p:1', 'alert:province-wide'),
      message('p:2', 'alert:province-wide', { communeCode: 'vi-tan' }),
    ]);
    // commune B's message given up, to try again
    await test.cloud.query.db.updateTable('notification_outbox').set({ status: 'failed' }).where('idempotency_key', '=', 'b:1').execute();
  });
  afterAll(async () => {
    await test.stop();
  });

  const keys = async (token: string, query = '') => {
    const res = await test.request('GET', `/api/v1/notifications/deliveries?limit=200${query}`, undefined, token);
    expect(res.status).toBe(200);
    return (res.body.items as { idempotencyKey: string }[]).map((d) => d.idempotencyKey).sort();
  };
  const row = (key: string) => test.cloud.query.db.selectFrom('notification_outbox').select(['id', 'commune_code', 'status']).where('idempotency_key', '=', key).executeTakeFirstOrThrow();
  const idOf = async (key: string) => (await row(key)).id;

  it("stamps each message with its subject's commune unless its channel said", async () => {
    const commune = async (key: string) => (await row(key)).commune_code;
    expect(await Promise.all(['a:1', 'b:1', 'b:2', 'p:1', 'p:2'].map(commune))).toEqual(['vi-tan', 'vi-thuy', 'vi-thuy', null, 'vi-tan']);
  });

  it("lists a commune admin's deliveries only, and lets a province admin filter by commune", async () => {
    expect(await keys(adminA.token)).toEqual(['a:1', 'p:2']);
    expect(await keys(adminA.token, '&commune=vi-thuy')).toEqual(['a:1', 'p:2']);
    expect(await keys(provinceAdmin.token)).toEqual(['a:1', 'b:1', 'b:2', 'p:1', 'p:2']);
    expect(await keys(provinceAdmin.token, '&commune=vi-thuy')).toEqual(['b:1', 'b:2']);
  });

  it("answers a commune admin's retry of another commune's message as not found", async () => {
    const id = await idOf('b:1');
    const theirs = await test.request('POST', `/api/v1/notifications/deliveries/${id}/retry`, undefined, adminA.token);
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.message).toBe(`notification ${id} not found`);
    expect((await test.cloud.query.db.selectFrom('notification_outbox').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('failed');
    expect((await test.request('POST', `/api/v1/notifications/deliveries/${id}/retry`, undefined, provinceAdmin.token)).status).toBe(200);
  });

  it('answers "where it went" per commune: another commune\'s subject is not found, a province item counts the commune\'s own', async () => {
    const reach = (token: string, subject: string) => test.request('GET', `/api/v1/notifications/subjects/${encodeURIComponent(subject)}`, undefined, token);
    expect((await reach(adminA.token, `edge:${edgeB}`)).status).toBe(404);
    expect((await reach(provinceAdmin.token, `edge:${edgeB}`)).body.channels).toMatchObject([{ channel: 'sms', queued: 1 }]);
    expect((await reach(adminA.token, 'alert:province-wide')).body.channels).toMatchObject([{ channel: 'sms', queued: 1 }]);
    expect((await reach(provinceAdmin.token, 'alert:province-wide')).body.channels).toMatchObject([{ channel: 'sms', queued: 2 }]);
  });

  it("shows a commune admin's deliveries page without another commune's messages", async () => {
    const res = await test.cloud.app.request('/admin/notifications', { headers: { cookie: `${SESSION_COOKIE}=${adminA.token}` } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`camera:`);
    expect(html).not.toContain(edgeB);
  });
});

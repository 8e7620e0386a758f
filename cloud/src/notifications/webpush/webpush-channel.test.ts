import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { loadCloudConfig } from '../../config.js';
import { openCloudDatabase, type Db } from '../../db/database.js';
import { DomainEventBus } from '../../events/event-bus.js';
import { seedCommune } from '../../hamlets/hamlets.js';
import { createCloudMetrics } from '../../metrics.js';
import type { Role } from '../../users/roles.js';
import { UserStore } from '../../users/user-store.js';
import { startLocalPushService, type LocalPushService } from './testing/local-push-service.js';
import { TestOutbox } from './testing/test-outbox.js';
import { vapidKeyFile } from './vapid-keys.js';
import { WebPushChannel } from './webpush-channel.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Setup {
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

let dir: string;
let setup: Setup;
let stops: (() => Promise<void>)[] = [];

async function start(settings: Record<string, unknown> = {}): Promise<Setup> {
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
  seedCommune(db, VI_TAN);
  db.prepare("INSERT INTO edges (id, name, hamlet_code, status, created_at, updated_at) VALUES ('edge_A', 'Cổng trường', 'ap-2a', 'active', 0, 0)").run();
  db.prepare("INSERT INTO edge_state (edge_id, online) VALUES ('edge_A', 1)").run();
  db.prepare("INSERT INTO camera_status (edge_id, camera_id, status, changed_at) VALUES ('edge_A', 'cam-1', 'streaming', 0)").run();
  const bus = new DomainEventBus({ logger: silentLogger(), handlerErrors: createCloudMetrics().domainEventErrors });
  const outbox = new TestOutbox(now, 200);
  const channel = new WebPushChannel({ db, config, logger: silentLogger(), now });
  const push = await startLocalPushService({ vapidPublicKey: channel.vapid.publicKey });
  await channel.start({ bus, outbox, logger: silentLogger() });
  const users = new UserStore(db);
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
      const { subscription } = channel.subscriptions.subscribe(user.id, { endpoint: device.endpoint, p256dh: device.keys.p256dh, auth: device.keys.auth, label: 'Chrome trên Android' });
      return { userId: user.id, device, subscriptionId: subscription.id };
    },
    async flush() {
      await bus.settled();
      while ((await outbox.deliverDue(channel)) > 0) await bus.settled();
    },
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-webpush-'));
  stops = [];
});

afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
});

/** As the fleet and vision domains do: the state is stored, then the event published. */
function edgeOffline(online: boolean) {
  setup.db.prepare("UPDATE edge_state SET online = ? WHERE edge_id = 'edge_A'").run(online ? 1 : 0);
  if (online) setup.bus.publish('edge.online', { edgeId: 'edge_A', at: Date.now(), lastSeenAt: Date.now() });
  else setup.bus.publish('edge.offline', { edgeId: 'edge_A', at: Date.now(), reason: 'missed_heartbeats' });
}

function cameraOffline(online: boolean, status: 'reconnecting' | 'failed' = 'reconnecting') {
  setup.db.prepare("UPDATE camera_status SET status = ? WHERE edge_id = 'edge_A' AND camera_id = 'cam-1'").run(online ? 'streaming' : status);
  if (online) setup.bus.publish('camera.online', { edgeId: 'edge_A', cameraId: 'cam-1', at: Date.now() });
  else setup.bus.publish('camera.offline', { edgeId: 'edge_A', cameraId: 'cam-1', at: Date.now(), status, error: 'timeout' });
}

const incident = (id: string, extra: Record<string, unknown> = {}) => ({
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

describe('staff Web Push against a local RFC 8030 push service', () => {
  it('keeps one VAPID key pair in a private file, the same at the next start', async () => {
    setup = await start();
    const file = vapidKeyFile({ SC_DATA_DIR: dir });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new WebPushChannel({ db: setup.db, config: loadCloudConfig({}, { SC_DATA_DIR: dir }), logger: silentLogger() });
    expect(again.vapid.publicKey).toBe(setup.channel.vapid.publicKey);
    expect(Buffer.from(setup.channel.vapid.publicKey, 'base64url')).toHaveLength(65);
  });

  it('an incident item opened: the police officer gets an encrypted push the service verifies and decrypts, with title and link', async () => {
    setup = await start();
    const police = await setup.staff('police', 'police-1');
    const tech = await setup.staff('technician', 'tech-1');
    setup.bus.publish('incident.opened', incident('inc_1'));
    await setup.flush();
    expect(setup.push.refused).toEqual([]);
    const got = setup.push.for(police.device.id);
    expect(got).toHaveLength(1);
    expect(got[0]!.payload).toMatchObject({ title: 'Cảnh báo mới: người', url: '/police/incidents/inc_1', tag: 'incident-inc_1', kind: 'incident' });
    expect(String(got[0]!.payload.body)).toContain('Cổng trường');
    expect(got[0]!.claims.aud).toBe(setup.push.origin);
    expect(got[0]!.urgency).toBe('normal');
    expect(got[0]!.ttl).toBeGreaterThan(0);
    // the technician does not review incidents
    expect(setup.push.for(tech.device.id)).toHaveLength(0);
    expect(setup.channel.subscriptions.get(police.subscriptionId)!.lastSuccessAt).not.toBeNull();
    // the same event again (a handler run twice) is the same idempotency key: nothing more is sent
    setup.bus.publish('incident.opened', incident('inc_1'));
    await setup.flush();
    expect(setup.push.for(police.device.id)).toHaveLength(1);
    expect(setup.outbox.entries.map((e) => e.message.idempotencyKey)).toEqual([`incident.opened:inc_1:${police.subscriptionId}`]);
  });

  it('a detection (severity) and an item continuing another are not pushed, and a person who turned incidents off gets none', async () => {
    setup = await start();
    const police = await setup.staff('police', 'police-1');
    setup.bus.publish('incident.opened', { ...incident('inc_d'), severity: 'detection' });
    setup.bus.publish('incident.opened', { ...incident('inc_c'), continues: 'inc_b' });
    await setup.flush();
    expect(setup.push.received).toHaveLength(0);
    setup.channel.subscriptions.setPreferences({ id: police.userId, role: 'police' }, { kinds: [], quietHours: null });
    setup.bus.publish('incident.opened', incident('inc_2'));
    await setup.flush();
    expect(setup.push.received).toHaveLength(0);
  });

  it('quiet hours: the push waits until their end (Asia/Ho_Chi_Minh), an emergency does not', async () => {
    setup = await start();
    const police = await setup.staff('police', 'police-1');
    const operator = await setup.staff('operator', 'operator-1');
    for (const p of [police, operator]) setup.channel.subscriptions.setPreferences({ id: p.userId, role: p === police ? 'police' : 'operator' }, { kinds: ['incident', 'alert_not_started'], quietHours: { start: '22:00', end: '06:00' } });
    // 23:30 in Vị Tân is 16:30 UTC
    const night = Date.UTC(2026, 11, 6, 16, 30);
    setup.clock.now = night;
    setup.bus.publish('incident.opened', incident('inc_n'));
    await setup.flush();
    expect(setup.push.received).toHaveLength(0);
    const [waiting] = setup.outbox.queued();
    // 06:00 the next morning in Vị Tân: 23:00 UTC
    expect(waiting!.notBefore).toBe(Date.UTC(2026, 11, 6, 23, 0));
    // the alert-not-started check is an emergency: no wait
    setup.bus.publish('alert.started', { alertId: 'alr_1', version: 1, priority: 'emergency', severity: 'extreme', kind: 'flood', origin: 'json', hamletCodes: ['ap-1'], startsAt: night, expiresAt: night + 3600_000, replaces: null });
    await setup.bus.settled();
    setup.clock.now = night + 1000; // past the check's due time; its real timer fires within 0.3 s
    await sleep(500);
    await setup.flush();
    expect(setup.push.for(operator.device.id)).toHaveLength(1);
    expect(setup.push.for(operator.device.id)[0]!.urgency).toBe('high');
    expect(setup.push.for(police.device.id)).toHaveLength(0);
    setup.clock.now = Date.UTC(2026, 11, 6, 23, 0);
    await setup.flush();
    expect(setup.push.for(police.device.id)).toHaveLength(1);
  });

  it('a message that waited (quiet hours) is not sent once the account is disabled or its role changed', async () => {
    setup = await start();
    const police = await setup.staff('police', 'police-1');
    const other = await setup.staff('police', 'police-2');
    for (const p of [police, other]) setup.channel.subscriptions.setPreferences({ id: p.userId, role: 'police' }, { kinds: ['incident'], quietHours: { start: '22:00', end: '06:00' } });
    setup.clock.now = Date.UTC(2026, 11, 6, 16, 30); // 23:30 in Vị Tân
    setup.bus.publish('incident.opened', incident('inc_q'));
    await setup.flush();
    expect(setup.outbox.queued()).toHaveLength(2);
    await setup.users.update(police.userId, { disabled: true });
    await setup.users.update(other.userId, { role: 'technician' });
    setup.clock.now = Date.UTC(2026, 11, 6, 23, 0);
    await setup.flush();
    expect(setup.push.received).toHaveLength(0);
    const outcome = (subscriptionId: string) => {
      const entry = setup.outbox.entries.find((e) => e.message.recipient === subscriptionId)!;
      return [entry.status, (entry.outcomes[0] as { reason?: string }).reason];
    };
    expect(outcome(police.subscriptionId)).toEqual(['failed', 'the account is disabled']);
    expect(outcome(other.subscriptionId)).toEqual(['failed', 'the person may no longer receive this kind (their role changed)']);
  });

  it('a cooldown per camera: one push, the rest summarised at the window end', async () => {
    setup = await start({ SC_NOTIFY_INCIDENT_COOLDOWN_S: 0.5 });
    const police = await setup.staff('police', 'police-1');
    for (let i = 0; i < 6; i++) setup.bus.publish('incident.opened', incident(`inc_${i}`));
    await setup.flush();
    expect(setup.push.for(police.device.id)).toHaveLength(1);
    await sleep(800);
    await setup.flush();
    const got = setup.push.for(police.device.id);
    expect(got).toHaveLength(2);
    expect(got[1]!.payload).toMatchObject({ title: '5 cảnh báo mới khác', url: '/police/incidents' });
  });


  it('a summary goes to each device of its person only, and not to a person disabled during the window', async () => {
    setup = await start({ SC_NOTIFY_INCIDENT_COOLDOWN_S: 0.5 });
    const police = await setup.staff('police', 'police-1');
    const second = setup.push.newDevice();
    setup.channel.subscriptions.subscribe(police.userId, { endpoint: second.endpoint, p256dh: second.keys.p256dh, auth: second.keys.auth, label: 'Firefox' });
    const gone = await setup.staff('police', 'police-2');
    for (let i = 0; i < 3; i++) setup.bus.publish('incident.opened', incident(`inc_s${i}`));
    await setup.flush();
    await setup.users.update(gone.userId, { disabled: true });
    await sleep(800);
    await setup.flush();
    const summaries = (id: string) => setup.push.for(id).filter((r) => r.payload.title === '2 cảnh báo mới khác');
    expect(summaries(police.device.id)).toHaveLength(1);
    expect(summaries(second.id)).toHaveLength(1);
    expect(setup.push.for(gone.device.id)).toHaveLength(1); // the first item only: no summary once disabled
  });
  it('410 Gone removes the subscription and gives the message up', async () => {
    setup = await start();
    const police = await setup.staff('police', 'police-1');
    setup.push.expire(police.device.id);
    setup.bus.publish('incident.opened', incident('inc_g'));
    await setup.flush();
    const [entry] = setup.outbox.entries;
    expect(entry!.status).toBe('failed');
    expect(entry!.outcomes[0]).toMatchObject({ ok: false, retry: false });
    expect((entry!.outcomes[0] as { reason: string }).reason).toContain('410');
    expect(setup.channel.subscriptions.get(police.subscriptionId)).toBeNull();
  });

  it('429 is retried after Retry-After; 5xx is retried; 400 is given up with its reason', async () => {
    setup = await start();
    const police = await setup.staff('police', 'police-1');
    setup.push.script(police.device.id, { status: 429, headers: { 'retry-after': '7' } }, { status: 503 });
    const t0 = Date.UTC(2026, 11, 6, 8, 0);
    setup.clock.now = t0;
    setup.bus.publish('incident.opened', incident('inc_r'));
    await setup.flush();
    const [entry] = setup.outbox.entries;
    expect(entry!.outcomes[0]).toMatchObject({ ok: false, retry: true, retryAfterMs: 7000 });
    expect(entry!.notBefore).toBe(t0 + 7000);
    setup.clock.now = t0 + 6999;
    await setup.flush();
    expect(entry!.outcomes).toHaveLength(1);
    setup.clock.now = t0 + 7000;
    await setup.flush();
    expect(entry!.outcomes[1]).toMatchObject({ ok: false, retry: true });
    setup.clock.now = t0 + 8000;
    await setup.flush();
    expect(entry!.status).toBe('sent');
    expect(setup.push.for(police.device.id)).toHaveLength(1);

    setup.push.script(police.device.id, { status: 400, body: 'bad topic' });
    setup.bus.publish('incident.opened', incident('inc_b'));
    await setup.flush();
    expect(setup.outbox.entries[1]!.status).toBe('failed');
    expect((setup.outbox.entries[1]!.outcomes[0] as { reason: string }).reason).toBe('push service answered 400: bad topic');
  });

  it('a box offline longer than the delay: one push to technicians; back: one push; back before the delay: none', async () => {
    setup = await start();
    const tech = await setup.staff('technician', 'tech-1');
    const police = await setup.staff('police', 'police-1');
    // a blip shorter than the delay is nobody's business
    edgeOffline(false);
    await sleep(50);
    edgeOffline(true);
    await sleep(500);
    await setup.flush();
    expect(setup.push.received).toHaveLength(0);

    edgeOffline(false);
    await sleep(500);
    await setup.flush();
    const offline = setup.push.for(tech.device.id);
    expect(offline).toHaveLength(1);
    expect(offline[0]!.payload).toMatchObject({ title: 'Tủ mất kết nối: Cổng trường', url: '/fleet/boxes/edge_A', tag: 'edge:edge_A' });
    expect(offline[0]!.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    edgeOffline(true);
    await setup.flush();
    const both = setup.push.for(tech.device.id);
    expect(both).toHaveLength(2);
    expect(both[1]!.payload).toMatchObject({ title: 'Tủ đã kết nối lại: Cổng trường', tag: 'edge:edge_A' });
    expect(both[1]!.topic).toBe(both[0]!.topic);
    expect(setup.push.for(police.device.id)).toHaveLength(0);
  });

  it("a loudspeaker zone's alarm (raised by the fleet after SC_SPEAKER_ALARM_AFTER_S): technicians and operators are told, and when it ends; police are not", async () => {
    setup = await start();
    const tech = await setup.staff('technician', 'tech-1');
    const operator = await setup.staff('operator', 'operator-1');
    const police = await setup.staff('police', 'police-1');
    const downSince = Date.now() - 6 * 60_000;
    setup.bus.publish('speaker.alarm.raised', { edgeId: 'edge_A', zone: 'loa-cho', at: Date.now(), downSince, state: 'muted', reason: 'volume 0' });
    await setup.flush();
    setup.bus.publish('speaker.alarm.cleared', { edgeId: 'edge_A', zone: 'loa-cho', at: Date.now(), downSince });
    await setup.flush();
    for (const person of [tech, operator]) {
      const got = setup.push.for(person.device.id);
      expect(got.map((p) => p.payload.title)).toEqual(['Loa không phát được: loa-cho (Cổng trường)', 'Loa phát lại được: loa-cho (Cổng trường)']);
      expect(got[0]!.payload).toMatchObject({ url: '/speakers', tag: 'speaker:edge_A/loa-cho' });
      expect(got[0]!.payload.body).toMatch(/hơn 6 phút/);
    }
    expect(setup.push.for(police.device.id)).toHaveLength(0);
    // the zone's own offline/online events no longer notify anyone by themselves: the alarm does
    setup.bus.publish('speaker.offline', { edgeId: 'edge_A', zone: 'loa-cho', at: Date.now(), state: 'offline', reason: null });
    await sleep(300);
    await setup.flush();
    expect(setup.push.for(tech.device.id)).toHaveLength(2);
  });

  it('someone who turned the speaker kind off is not told of zone alarms', async () => {
    setup = await start();
    const operator = await setup.staff('operator', 'operator-1');
    setup.channel.subscriptions.setPreferences({ id: operator.userId, role: 'operator' }, { kinds: ['alert_not_started'], quietHours: null });
    setup.bus.publish('speaker.alarm.raised', { edgeId: 'edge_A', zone: 'loa-cho', at: Date.now(), downSince: Date.now() - 400_000, state: 'offline', reason: null });
    await setup.flush();
    expect(setup.push.for(operator.device.id)).toHaveLength(0);
  });

  it('the offline delay survives a restart, and a box back without its event (the restart in between) is not reported', async () => {
    setup = await start({ SC_NOTIFY_OFFLINE_AFTER_S: 0.4 });
    const tech = await setup.staff('technician', 'tech-1');
    edgeOffline(false);
    await setup.bus.settled();
    await setup.channel.stop(); // the cloud stops within the delay
    const config = loadCloudConfig({}, { SC_DATA_DIR: dir, SC_PUSH_ALLOW_LOCAL_ENDPOINTS: true, SC_NOTIFY_OFFLINE_AFTER_S: 0.4 });
    const restarted = new WebPushChannel({ db: setup.db, config, logger: silentLogger() });
    const bus = new DomainEventBus({ logger: silentLogger(), handlerErrors: createCloudMetrics().domainEventErrors });
    await restarted.start({ bus, outbox: setup.outbox, logger: silentLogger() });
    stops.unshift(async () => {
      await restarted.stop();
      await bus.stop();
    });
    await sleep(600);
    await setup.outbox.deliverDue(restarted);
    expect(setup.push.for(tech.device.id).map((p) => p.payload.title)).toEqual(['Tủ mất kết nối: Cổng trường']);

    // offline again; the state says online when the delay ends, though no event said so
    bus.publish('edge.online', { edgeId: 'edge_A', at: Date.now(), lastSeenAt: Date.now() });
    setup.db.prepare("UPDATE edge_state SET online = 0 WHERE edge_id = 'edge_A'").run();
    bus.publish('edge.offline', { edgeId: 'edge_A', at: Date.now(), reason: 'announced' });
    setup.db.prepare("UPDATE edge_state SET online = 1 WHERE edge_id = 'edge_A'").run();
    await sleep(600);
    await setup.outbox.deliverDue(restarted);
    expect(setup.push.for(tech.device.id).map((p) => p.payload.title)).toEqual(['Tủ mất kết nối: Cổng trường', 'Tủ đã kết nối lại: Cổng trường']);
  });

  it('a flapping camera gives a bounded number of pushes: the pair, then one summary of where it stands', async () => {
    setup = await start({ SC_NOTIFY_OFFLINE_AFTER_S: 0.1, SC_NOTIFY_DEVICE_COOLDOWN_S: 1.5 });
    const tech = await setup.staff('technician', 'tech-1');
    const flap = async (times: number) => {
      for (let i = 0; i < times; i++) {
        cameraOffline(false);
        await sleep(150); // longer than the delay: each offline counts
        cameraOffline(true);
        await setup.flush();
      }
    };
    await flap(6);
    cameraOffline(false, 'failed');
    await sleep(150);
    await setup.flush();
    expect(setup.push.for(tech.device.id).map((p) => p.payload.title)).toEqual(['Camera mất kết nối: cam-1 (Cổng trường)', 'Camera đã kết nối lại: cam-1 (Cổng trường)']);
    await sleep(1500); // the window ends: one summary, saying it is offline now
    await setup.flush();
    const got = setup.push.for(tech.device.id);
    expect(got).toHaveLength(3);
    expect(got[2]!.payload.title).toBe('Camera chập chờn: cam-1 (Cổng trường)');
    expect(String(got[2]!.payload.body)).toMatch(/^11 lần .* Hiện vẫn mất kết nối\.$/);
    expect(got[2]!.payload.url).toBe('/fleet/boxes/edge_A/cameras/cam-1');
    // it comes back: the person was last told "offline", so "back online" follows
    cameraOffline(true);
    await setup.flush();
    expect(setup.push.for(tech.device.id)).toHaveLength(4);
  });

  it('an emergency alert a targeted hamlet did not start in time: operators are told which hamlets', async () => {
    setup = await start();
    const operator = await setup.staff('operator', 'operator-1');
    const now = Date.now();
    setup.bus.publish('alert.started', { alertId: 'alr_9', version: 1, priority: 'emergency', severity: 'extreme', kind: 'flood', origin: 'json', hamletCodes: ['ap-1', 'ap-2', 'ap-3'], startsAt: now, expiresAt: now + 3600_000, replaces: null });
    setup.bus.publish('alert.delivered', { alertId: 'alr_9', hamletCode: 'ap-1', edgeId: 'edge_A', startedAt: now });
    setup.bus.publish('alert.delivered', { alertId: 'alr_9', hamletCode: 'ap-3', edgeId: 'edge_B', startedAt: now });
    await sleep(500);
    await setup.flush();
    const got = setup.push.for(operator.device.id);
    expect(got).toHaveLength(1);
    expect(got[0]!.payload).toMatchObject({ title: 'Báo động khẩn chưa phát ở 1 ấp', url: '/radio/alerts#alert-alr_9' });
    expect(String(got[0]!.payload.body)).toContain('Ấp 2 chưa phát');
    // every hamlet started: nothing
    setup.bus.publish('alert.started', { alertId: 'alr_10', version: 1, priority: 'emergency', severity: 'extreme', kind: 'flood', origin: 'json', hamletCodes: ['ap-1'], startsAt: now, expiresAt: now + 3600_000, replaces: null });
    setup.bus.publish('alert.delivered', { alertId: 'alr_10', hamletCode: 'ap-1', edgeId: 'edge_A', startedAt: now });
    await sleep(500);
    await setup.flush();
    expect(setup.push.for(operator.device.id)).toHaveLength(1);
  });
});

describe('each person\'s hamlets and cameras', () => {
  /** A second box, in Ấp 1, with its camera: edge_A is in Ấp 2A. */
  const boxInAp1 = () => {
    setup.db.prepare("INSERT INTO edges (id, name, hamlet_code, status, created_at, updated_at) VALUES ('edge_B', 'Chợ', 'ap-1', 'active', 0, 0)").run();
    setup.db.prepare("INSERT INTO edge_state (edge_id, online) VALUES ('edge_B', 1)").run();
  };
  const prefs = (userId: string, role: Role, hamlets: string[], cameras: string[] = []) =>
    setup.channel.subscriptions.setPreferences({ id: userId, role }, { kinds: ['incident', 'device', 'alert_not_started'], quietHours: null, hamlets, cameras });

  it('a police officer of Ấp 1 gets an Ấp 1 item and not an Ấp 2A one; an officer who chose nothing gets both', async () => {
    setup = await start();
    boxInAp1();
    const ap1 = await setup.staff('police', 'police-ap1');
    const everywhere = await setup.staff('police', 'police-all');
    expect(prefs(ap1.userId, 'police', ['ap-1'])).toMatchObject({ kinds: ['incident'], hamlets: ['ap-1'], cameras: [] });
    setup.bus.publish('incident.opened', incident('inc_ap1', { edgeId: 'edge_B', hamletCode: 'ap-1', cameraId: 'cam-9' }));
    setup.bus.publish('incident.opened', incident('inc_ap2a'));
    await setup.flush();
    expect(setup.push.refused).toEqual([]);
    expect(setup.push.for(ap1.device.id).map((p) => p.payload.url)).toEqual(['/police/incidents/inc_ap1']);
    expect(setup.push.for(everywhere.device.id).map((p) => p.payload.url).sort()).toEqual(['/police/incidents/inc_ap1', '/police/incidents/inc_ap2a']);
    expect(String(setup.push.for(ap1.device.id)[0]!.payload.body)).toContain('Ấp 1');
  });

  it('a chosen camera brings its items wherever its hamlet; an item without a hamlet falls back to its box\'s', async () => {
    setup = await start();
    boxInAp1();
    const officer = await setup.staff('police', 'police-cam');
    prefs(officer.userId, 'police', ['ap-1'], ['edge_A/cam-1']);
    setup.bus.publish('incident.opened', incident('inc_cam1'));
    setup.bus.publish('incident.opened', incident('inc_cam2', { cameraId: 'cam-2' }));
    setup.bus.publish('incident.opened', incident('inc_nohamlet', { edgeId: 'edge_B', hamletCode: null, cameraId: 'cam-9' }));
    await setup.flush();
    expect(setup.push.for(officer.device.id).map((p) => p.payload.url).sort()).toEqual(['/police/incidents/inc_cam1', '/police/incidents/inc_nohamlet']);
  });

  it('technicians hear of boxes in their hamlets only; operators of alerts one of their hamlets did not start', async () => {
    setup = await start();
    const techAp1 = await setup.staff('technician', 'tech-ap1');
    const techAp2a = await setup.staff('technician', 'tech-ap2a');
    const opAp1 = await setup.staff('operator', 'op-ap1');
    const opAp2 = await setup.staff('operator', 'op-ap2');
    prefs(techAp1.userId, 'technician', ['ap-1']);
    prefs(techAp2a.userId, 'technician', ['ap-2a']);
    prefs(opAp1.userId, 'operator', ['ap-1']);
    prefs(opAp2.userId, 'operator', ['ap-2']);
    edgeOffline(false);
    const now = Date.now();
    setup.bus.publish('alert.started', { alertId: 'alr_s', version: 1, priority: 'emergency', severity: 'extreme', kind: 'flood', origin: 'json', hamletCodes: ['ap-1', 'ap-2'], startsAt: now, expiresAt: now + 3600_000, replaces: null });
    setup.bus.publish('alert.delivered', { alertId: 'alr_s', hamletCode: 'ap-1', edgeId: 'edge_B', startedAt: now });
    await sleep(500);
    await setup.flush();
    expect(setup.push.for(techAp2a.device.id).map((p) => p.payload.url)).toEqual(['/fleet/boxes/edge_A']);
    expect(setup.push.for(techAp1.device.id)).toHaveLength(0);
    // Ấp 1 started, Ấp 2 did not: Ấp 2's operator is told, Ấp 1's is not
    expect(setup.push.for(opAp2.device.id).map((p) => p.payload.url)).toEqual(['/radio/alerts#alert-alr_s']);
    expect(setup.push.for(opAp1.device.id)).toHaveLength(0);
  });
});

import { describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { loadCloudConfig } from '../../config.js';
import { DomainEventBus } from '../../events/event-bus.js';
import { createCloudMetrics } from '../../metrics.js';
import type { Role } from '../../users/roles.js';
import { WebPushChannel } from './webpush-channel.js';
import { cameraOffline, edgeOffline, incident, sleep, useChannelSetups, type Setup } from './testing/channel-setup.js';
import { sqliteQueryDatabase } from '../../db/query/index.js';

const setups = useChannelSetups();
let setup: Setup;

describe('staff Web Push about boxes, loudspeakers, cameras and alerts', () => {
  it('a box offline longer than the delay: one push to technicians; back: one push; back before the delay: none', async () => {
    setup = await setups.start();
    const tech = await setup.staff('technician', 'tech-1');
    const police = await setup.staff('police', 'police-1');
    // a blip shorter than the delay is nobody's business
    edgeOffline(setup, false);
    await sleep(50);
    edgeOffline(setup, true);
    await sleep(500);
    await setup.flush();
    expect(setup.push.received).toHaveLength(0);

    edgeOffline(setup, false);
    await sleep(500);
    await setup.flush();
    const offline = setup.push.for(tech.device.id);
    expect(offline).toHaveLength(1);
    expect(offline[0]!.payload).toMatchObject({ title: 'Tủ mất kết nối: Cổng trường', url: '/fleet/boxes/edge_A', tag: 'edge:edge_A' });
    expect(offline[0]!.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    edgeOffline(setup, true);
    await setup.flush();
    const both = setup.push.for(tech.device.id);
    expect(both).toHaveLength(2);
    expect(both[1]!.payload).toMatchObject({ title: 'Tủ đã kết nối lại: Cổng trường', tag: 'edge:edge_A' });
    expect(both[1]!.topic).toBe(both[0]!.topic);
    expect(setup.push.for(police.device.id)).toHaveLength(0);
  });

  it("a loudspeaker zone's alarm (raised by the fleet after SC_SPEAKER_ALARM_AFTER_S): technicians and operators are told, and when it ends; police are not", async () => {
    setup = await setups.start();
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
    setup = await setups.start();
    const operator = await setup.staff('operator', 'operator-1');
    await setup.channel.subscriptions.setPreferences({ id: operator.userId, role: 'operator' }, { kinds: ['alert_not_started'], quietHours: null });
    setup.bus.publish('speaker.alarm.raised', { edgeId: 'edge_A', zone: 'loa-cho', at: Date.now(), downSince: Date.now() - 400_000, state: 'offline', reason: null });
    await setup.flush();
    expect(setup.push.for(operator.device.id)).toHaveLength(0);
  });

  it('the offline delay survives a restart, and a box back without its event (the restart in between) is not reported', async () => {
    setup = await setups.start({ SC_NOTIFY_OFFLINE_AFTER_S: 0.4 });
    const tech = await setup.staff('technician', 'tech-1');
    edgeOffline(setup, false);
    await setup.bus.settled();
    await setup.channel.stop(); // the cloud stops within the delay
    const config = loadCloudConfig({}, { SC_DATA_DIR: setups.dir(), SC_PUSH_ALLOW_LOCAL_ENDPOINTS: true, SC_NOTIFY_OFFLINE_AFTER_S: 0.4 });
    const restarted = new WebPushChannel({ query: sqliteQueryDatabase(setup.db), config, logger: silentLogger() });
    const bus = new DomainEventBus({ logger: silentLogger(), handlerErrors: createCloudMetrics().domainEventErrors });
    await restarted.start({ bus, outbox: setup.outbox, logger: silentLogger() });
    setups.alsoStop(async () => {
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
    setup = await setups.start({ SC_NOTIFY_OFFLINE_AFTER_S: 0.1, SC_NOTIFY_DEVICE_COOLDOWN_S: 1.5 });
    const tech = await setup.staff('technician', 'tech-1');
    const flap = async (times: number) => {
      for (let i = 0; i < times; i++) {
        cameraOffline(setup, false);
        await sleep(150); // longer than the delay: each offline counts
        cameraOffline(setup, true);
        await setup.flush();
      }
    };
    await flap(6);
    cameraOffline(setup, false, 'failed');
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
    cameraOffline(setup, true);
    await setup.flush();
    expect(setup.push.for(tech.device.id)).toHaveLength(4);
  });

  it('an emergency alert a targeted hamlet did not start in time: operators are told which hamlets', async () => {
    setup = await setups.start();
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
    setup = await setups.start();
    boxInAp1();
    const ap1 = await setup.staff('police', 'police-ap1');
    const everywhere = await setup.staff('police', 'police-all');
    expect(await prefs(ap1.userId, 'police', ['ap-1'])).toMatchObject({ kinds: ['incident'], hamlets: ['ap-1'], cameras: [] });
    setup.bus.publish('incident.opened', incident('inc_ap1', { edgeId: 'edge_B', hamletCode: 'ap-1', cameraId: 'cam-9' }));
    setup.bus.publish('incident.opened', incident('inc_ap2a'));
    await setup.flush();
    expect(setup.push.refused).toEqual([]);
    expect(setup.push.for(ap1.device.id).map((p) => p.payload.url)).toEqual(['/police/incidents/inc_ap1']);
    expect(setup.push.for(everywhere.device.id).map((p) => p.payload.url).sort()).toEqual(['/police/incidents/inc_ap1', '/police/incidents/inc_ap2a']);
    expect(String(setup.push.for(ap1.device.id)[0]!.payload.body)).toContain('Ấp 1');
  });

  it('a chosen camera brings its items wherever its hamlet; an item without a hamlet falls back to its box\'s', async () => {
    setup = await setups.start();
    boxInAp1();
    const officer = await setup.staff('police', 'police-cam');
    await prefs(officer.userId, 'police', ['ap-1'], ['edge_A/cam-1']);
    setup.bus.publish('incident.opened', incident('inc_cam1'));
    setup.bus.publish('incident.opened', incident('inc_cam2', { cameraId: 'cam-2' }));
    setup.bus.publish('incident.opened', incident('inc_nohamlet', { edgeId: 'edge_B', hamletCode: null, cameraId: 'cam-9' }));
    await setup.flush();
    expect(setup.push.for(officer.device.id).map((p) => p.payload.url).sort()).toEqual(['/police/incidents/inc_cam1', '/police/incidents/inc_nohamlet']);
  });

  it('technicians hear of boxes in their hamlets only; operators of alerts one of their hamlets did not start', async () => {
    setup = await setups.start();
    const techAp1 = await setup.staff('technician', 'tech-ap1');
    const techAp2a = await setup.staff('technician', 'tech-ap2a');
    const opAp1 = await setup.staff('operator', 'op-ap1');
    const opAp2 = await setup.staff('operator', 'op-ap2');
    await prefs(techAp1.userId, 'technician', ['ap-1']);
    await prefs(techAp2a.userId, 'technician', ['ap-2a']);
    await prefs(opAp1.userId, 'operator', ['ap-1']);
    await prefs(opAp2.userId, 'operator', ['ap-2']);
    edgeOffline(setup, false);
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

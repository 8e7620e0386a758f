import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { loadCloudConfig } from '../../config.js';
import { vapidKeyFile } from './vapid-keys.js';
import { WebPushChannel } from './webpush-channel.js';
import { incident, sleep, useChannelSetups, type Setup } from './testing/channel-setup.js';
import { sqliteQueryDatabase } from '../../db/query/index.js';

const setups = useChannelSetups();
let setup: Setup;

describe('staff Web Push against a local RFC 8030 push service', () => {
  it('keeps one VAPID key pair in a private file, the same at the next start', async () => {
    setup = await setups.start();
    const file = vapidKeyFile({ SC_DATA_DIR: setups.dir() });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new WebPushChannel({ query: sqliteQueryDatabase(setup.db), config: loadCloudConfig({}, { SC_DATA_DIR: setups.dir() }), logger: silentLogger() });
    expect(again.vapid.publicKey).toBe(setup.channel.vapid.publicKey);
    expect(Buffer.from(setup.channel.vapid.publicKey, 'base64url')).toHaveLength(65);
  });

  it('an incident item opened: the police officer gets an encrypted push the service verifies and decrypts, with title and link', async () => {
    setup = await setups.start();
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
    expect((await setup.channel.subscriptions.get(police.subscriptionId))!.lastSuccessAt).not.toBeNull();
    // the same event again (a handler run twice) is the same idempotency key: nothing more is sent
    setup.bus.publish('incident.opened', incident('inc_1'));
    await setup.flush();
    expect(setup.push.for(police.device.id)).toHaveLength(1);
    expect(setup.outbox.entries.map((e) => e.message.idempotencyKey)).toEqual([`incident.opened:inc_1:${police.subscriptionId}`]);
  });

  it('a detection (severity) and an item continuing another are not pushed, and a person who turned incidents off gets none', async () => {
    setup = await setups.start();
    const police = await setup.staff('police', 'police-1');
    setup.bus.publish('incident.opened', { ...incident('inc_d'), severity: 'detection' });
    setup.bus.publish('incident.opened', { ...incident('inc_c'), continues: 'inc_b' });
    await setup.flush();
    expect(setup.push.received).toHaveLength(0);
    await setup.channel.subscriptions.setPreferences({ id: police.userId, role: 'police' }, { kinds: [], quietHours: null });
    setup.bus.publish('incident.opened', incident('inc_2'));
    await setup.flush();
    expect(setup.push.received).toHaveLength(0);
  });

  it('quiet hours: the push waits until their end (Asia/Ho_Chi_Minh), an emergency does not', async () => {
    setup = await setups.start();
    const police = await setup.staff('police', 'police-1');
    const operator = await setup.staff('operator', 'operator-1');
    for (const p of [police, operator]) await setup.channel.subscriptions.setPreferences({ id: p.userId, role: p === police ? 'police' : 'operator' }, { kinds: ['incident', 'alert_not_started'], quietHours: { start: '22:00', end: '06:00' } });
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
    setup = await setups.start();
    const police = await setup.staff('police', 'police-1');
    const other = await setup.staff('police', 'police-2');
    for (const p of [police, other]) await setup.channel.subscriptions.setPreferences({ id: p.userId, role: 'police' }, { kinds: ['incident'], quietHours: { start: '22:00', end: '06:00' } });
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
    setup = await setups.start({ SC_NOTIFY_INCIDENT_COOLDOWN_S: 0.5 });
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
    setup = await setups.start({ SC_NOTIFY_INCIDENT_COOLDOWN_S: 0.5 });
    const police = await setup.staff('police', 'police-1');
    const second = setup.push.newDevice();
    await setup.channel.subscriptions.subscribe(police.userId, { endpoint: second.endpoint, p256dh: second.keys.p256dh, auth: second.keys.auth, label: 'Firefox' });
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
    setup = await setups.start();
    const police = await setup.staff('police', 'police-1');
    setup.push.expire(police.device.id);
    setup.bus.publish('incident.opened', incident('inc_g'));
    await setup.flush();
    const [entry] = setup.outbox.entries;
    expect(entry!.status).toBe('failed');
    expect(entry!.outcomes[0]).toMatchObject({ ok: false, retry: false });
    expect((entry!.outcomes[0] as { reason: string }).reason).toContain('410');
    expect(await setup.channel.subscriptions.get(police.subscriptionId)).toBeNull();
  });

  it('429 is retried after Retry-After; 5xx is retried; 400 is given up with its reason', async () => {
    setup = await setups.start();
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
});

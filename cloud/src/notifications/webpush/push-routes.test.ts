import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import type { Role } from '../../users/roles.js';
import { startLocalPushService, type LocalPushService } from './testing/local-push-service.js';

let test: TestCloud;
let push: LocalPushService;
const tokens = new Map<Role, string>();

beforeAll(async () => {
  test = await startTestCloud({ SC_PUSH_ALLOW_LOCAL_ENDPOINTS: true });
  push = await startLocalPushService({ vapidPublicKey: test.cloud.webPush.vapid.publicKey });
  for (const role of ['police', 'technician', 'operator', 'viewer'] as const) {
    const created = await test.request('POST', '/api/v1/users', { username: `${role}-1`, role, password: `password-of-${role}`, mustChangePassword: false });
    expect(created.status).toBe(201);
    tokens.set(role, await test.login(`${role}-1`, `password-of-${role}`));
  }
}, 60_000);

afterAll(async () => {
  await push?.close();
  await test?.stop();
});

const as = (role: Role) => tokens.get(role)!;
const device = () => {
  const d = push.newDevice();
  return { id: d.id, body: { endpoint: d.endpoint, keys: d.keys, expirationTime: null } };
};

describe('the notifications API', () => {
  it('gives staff the VAPID public key; a viewer may not subscribe at all', async () => {
    const key = await test.request('GET', '/api/v1/notifications/push/key', undefined, as('police'));
    expect(key.status).toBe(200);
    expect(key.body.publicKey).toBe(test.cloud.webPush.vapid.publicKey);
    expect((await test.request('GET', '/api/v1/notifications/push/key', undefined, as('viewer'))).status).toBe(403);
    expect((await test.request('POST', '/api/v1/notifications/push/subscriptions', device().body, as('viewer'))).status).toBe(403);
    expect((await test.request('GET', '/api/v1/notifications/push/key', undefined, null)).status).toBe(401);
  });

  it('subscribes a device once (the same endpoint again is an update), lists it to its owner only, and removes it', async () => {
    const d = device();
    const first = await test.request('POST', '/api/v1/notifications/push/subscriptions', { ...d.body, label: 'Điện thoại của Lan' }, as('police'));
    expect(first.status).toBe(201);
    expect(first.body.device).toMatchObject({ label: 'Điện thoại của Lan', service: push.origin, endpointSuffix: d.body.endpoint.slice(-16), lastSuccessAt: null });
    expect(first.body.device).not.toHaveProperty('endpoint');
    const again = await test.request('POST', '/api/v1/notifications/push/subscriptions', d.body, as('police'));
    expect(again.status).toBe(200);
    expect(again.body.device.id).toBe(first.body.device.id);
    const mine = await test.request('GET', '/api/v1/notifications/push/subscriptions', undefined, as('police'));
    expect(mine.body.devices.map((x: { id: string }) => x.id)).toEqual([first.body.device.id]);
    const theirs = await test.request('GET', '/api/v1/notifications/push/subscriptions', undefined, as('technician'));
    expect(theirs.body.devices).toEqual([]);
    // someone else's device is not found, not removable
    expect((await test.request('DELETE', `/api/v1/notifications/push/subscriptions/${first.body.device.id}`, undefined, as('technician'))).status).toBe(404);
    expect((await test.request('DELETE', `/api/v1/notifications/push/subscriptions/${first.body.device.id}`, undefined, as('police'))).status).toBe(204);
    expect((await test.request('GET', '/api/v1/notifications/push/subscriptions', undefined, as('police'))).body.devices).toEqual([]);
  });

  it('refuses endpoints that are not a push service\'s and keys that are not a browser\'s, naming the field', async () => {
    const d = device();
    const bad = async (body: unknown) => test.request('POST', '/api/v1/notifications/push/subscriptions', body, as('police'));
    const ftp = await bad({ ...d.body, endpoint: 'ftp://push.example/x' });
    expect(ftp.status).toBe(400);
    expect(ftp.body.error.message).toContain('endpoint');
    expect((await bad({ ...d.body, endpoint: 'http://push.example.com/abc' })).status).toBe(400);
    // an address inside the LAN is not a push service
    const lan = await bad({ ...d.body, endpoint: 'https://192.168.1.1/admin' });
    expect(lan.status).toBe(400);
    expect(lan.body.error.message).toBe('endpoint must name a push service by its host name');
    expect((await bad({ ...d.body, endpoint: 'https://[fd00::1]/x' })).status).toBe(400);
    expect((await bad({ ...d.body, endpoint: 'https://router/x' })).status).toBe(400);
    expect((await bad({ ...d.body, endpoint: `https://push.example.com/${'x'.repeat(1100)}` })).status).toBe(400);
    expect((await bad({ ...d.body, keys: { ...d.body.keys, p256dh: 'AAAA' } })).status).toBe(400);
    const auth = await bad({ ...d.body, keys: { ...d.body.keys, auth: Buffer.alloc(8).toString('base64url') } });
    expect(auth.status).toBe(400);
    expect(JSON.stringify(auth.body.error.details)).toContain('keys.auth');
    expect((await bad({ ...d.body, extra: 1 })).status).toBe(400);
  });

  it('sends a test notification to each of the person\'s devices and says what each push service answered', async () => {
    const a = device();
    const b = device();
    const ids: string[] = [];
    for (const d of [a, b]) {
      const added = await test.request('POST', '/api/v1/notifications/push/subscriptions', d.body, as('technician'));
      expect(added.status).toBe(201);
      ids.push(added.body.device.id);
    }
    push.expire(b.id);
    const sent = await test.request('POST', '/api/v1/notifications/push/test', undefined, as('technician'));
    expect(sent.status).toBe(200);
    // (two devices added in the same millisecond may list in either order: matched by id)
    const results = new Map<string, { ok: boolean; reason: string | null }>(sent.body.results.map((r: { subscriptionId: string }) => [r.subscriptionId, r]));
    expect([results.get(ids[0]!)?.ok, results.get(ids[1]!)?.ok]).toEqual([true, false]);
    expect(results.get(ids[1]!)?.reason).toContain('410');
    expect(push.for(a.id)[0]!.payload).toMatchObject({ title: 'Thông báo thử', url: '/account/notifications' });
    // the gone one was forgotten, and counted
    const metrics = (await test.request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^sc_push_devices_gone_total 1$/m);
    expect(metrics).toMatch(/^sc_push_subscriptions \d+$/m);
    const left = await test.request('GET', '/api/v1/notifications/push/subscriptions', undefined, as('technician'));
    expect(left.body.devices).toHaveLength(1);
    expect(left.body.devices[0].lastSuccessAt).toEqual(expect.any(Number));
  });

  it('preferences: the role\'s kinds by default; a kind of another role is refused; quiet hours are validated', async () => {
    const initial = await test.request('GET', '/api/v1/notifications/preferences', undefined, as('operator'));
    expect(initial.body).toEqual({ kinds: ['alert_not_started', 'speaker'], quietHours: null, hamlets: [], cameras: [], available: ['alert_not_started', 'speaker'] });
    const foreign = await test.request('PUT', '/api/v1/notifications/preferences', { kinds: ['incident'], quietHours: null }, as('operator'));
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.message).toContain('incident');
    expect((await test.request('PUT', '/api/v1/notifications/preferences', { kinds: [], quietHours: { start: '25:00', end: '06:00' } }, as('operator'))).status).toBe(400);
    const saved = await test.request('PUT', '/api/v1/notifications/preferences', { kinds: [], quietHours: { start: '22:00', end: '06:00' } }, as('operator'));
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ kinds: [], quietHours: { start: '22:00', end: '06:00' }, hamlets: [], cameras: [], available: ['alert_not_started', 'speaker'] });
  });

  it('preferences: hamlets and cameras that exist are stored; an unknown one is refused naming it; left out, they stay', async () => {
    const { db } = test.cloud.query;
    await db.insertInto('edges').values({ id: 'edge_scope', name: 'Chợ', hamlet_code: 'ap-1', status: 'active', created_at: 0, updated_at: 0 }).execute();
    await db
      .insertInto('documents')
      .values({ edge_id: 'edge_scope', doc: 'surveillance', version: 1, body: JSON.stringify({ surveillance: { cameras: [{ id: 'cam-cho', name: 'Cổng chợ' }] } }), issued_at: 0 })
      .execute();
    const put = (body: unknown) => test.request('PUT', '/api/v1/notifications/preferences', body, as('police'));
    const unknownHamlet = await put({ kinds: ['incident'], quietHours: null, hamlets: ['ap-1', 'ap-99'] });
    expect(unknownHamlet.status).toBe(400);
    expect(unknownHamlet.body.error.message).toBe('unknown hamlet ap-99');
    expect(unknownHamlet.body.error.details).toEqual([{ path: 'hamlets.1', message: 'unknown hamlet ap-99' }]);
    const unknownCamera = await put({ kinds: ['incident'], quietHours: null, cameras: ['edge_scope/cam-nope'] });
    expect(unknownCamera.status).toBe(400);
    expect(unknownCamera.body.error.message).toContain('edge_scope/cam-nope');
    // malformed and unbounded input is refused by the schema
    expect((await put({ kinds: ['incident'], quietHours: null, hamlets: ['Ấp 1'] })).status).toBe(400);
    expect((await put({ kinds: ['incident'], quietHours: null, cameras: ['cam-cho'] })).status).toBe(400);
    expect((await put({ kinds: ['incident'], quietHours: null, hamlets: Array.from({ length: 51 }, (_, i) => `ap-${i}`) })).status).toBe(400);
    // nothing refused was stored
    expect((await test.request('GET', '/api/v1/notifications/preferences', undefined, as('police'))).body).toMatchObject({ hamlets: [], cameras: [] });
    const saved = await put({ kinds: ['incident'], quietHours: null, hamlets: ['ap-1', 'ap-2', 'ap-1'], cameras: ['edge_scope/cam-cho'] });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ hamlets: ['ap-1', 'ap-2'], cameras: ['edge_scope/cam-cho'] });
    // a client that only knows kinds and quiet hours leaves the hamlets as chosen
    const kindsOnly = await put({ kinds: ['incident'], quietHours: { start: '22:00', end: '06:00' } });
    expect(kindsOnly.body).toMatchObject({ hamlets: ['ap-1', 'ap-2'], cameras: ['edge_scope/cam-cho'] });
    // back to the whole commune
    expect((await put({ kinds: ['incident'], quietHours: null, hamlets: [], cameras: [] })).body).toMatchObject({ hamlets: [], cameras: [] });
  });

  it('in the running cloud, an incident item opened reaches the police officer\'s device through the outbox, recorded as sent', async () => {
    const d = device();
    expect((await test.request('POST', '/api/v1/notifications/push/subscriptions', d.body, as('police'))).status).toBe(201);
    const before = push.received.length;
    test.cloud.events.publish('incident.opened', { incidentId: 'inc_live1', edgeId: 'edg_none', hamletCode: 'ap-1', cameraId: 'cam-1', label: 'person', detectedAt: Date.now(), severity: 'alert', continues: null });
    await push.waitFor(before + 1);
    expect(push.for(d.id)[0]!.payload).toMatchObject({ title: 'Cảnh báo mới: người', url: '/police/incidents/inc_live1', kind: 'incident' });
    expect(String(push.for(d.id)[0]!.payload.body)).toContain('Ấp 1');
    await expect
      .poll(async () => (await test.request('GET', '/api/v1/notifications/deliveries?channel=webpush&subject=incident:inc_live1')).body.items)
      .toMatchObject([{ status: 'sent', recipient: expect.stringMatching(/^psub_/), attempts: 1 }]);
  });

  it('serves the service worker from the root with a script type, and allows it in the CSP', async () => {
    const res = await test.cloud.app.request('/sw.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain("addEventListener('notificationclick'");
    expect(res.headers.get('content-security-policy')).toContain("worker-src 'self'");
  });
});

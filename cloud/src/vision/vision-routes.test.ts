import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { SNAPSHOT as JPEG } from '../incidents/testing/incident-kit.js';

const CAMERA = {
  id: 'cong-truong',
  name: 'Cổng trường',
  source: { kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/cam', username: 'admin', password: 'mat-khau-1' },
  zones: [{ id: 'san', name: 'Sân trường', polygon: [[0.1, 0.5], [0.9, 0.5], [0.9, 1], [0.1, 1]] }],
  rules: [{ id: 'ban-dem', name: 'Người vào sân ban đêm', zone: 'san', classes: ['person'], windows: [{ start: '22:00', end: '05:00' }] }],
};

let test: TestCloud;
let edgeId: string;
let password: string;
const cameras = () => `/api/v1/edges/${edgeId}/cameras`;
const configBody = async ()=> (await test.cloud.fleet.documents.get(edgeId, 'config'))!;

beforeAll(async () => {
  test = await startTestCloud();
  ({ edgeId, password } = await claimTestEdge(test));
});
afterAll(() => test.stop());

describe('cameras of a box', () => {
  it('adds a camera into the config document, filling defaults and never showing its password', async () => {
    const before = (await configBody()).version;
    const added = await test.request('POST', cameras(), CAMERA);
    expect(added.status).toBe(201);
    expect(added.body.source).toEqual({ kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/cam', username: 'admin', hasPassword: true });
    expect(JSON.stringify(added.body)).not.toContain('mat-khau-1');
    expect(added.body.detect.fps).toBe(5);
    expect(added.body.live.status).toBe('unknown');
    const config = await configBody();
    expect(config.version).toBe(before + 1);
    expect(config.body.surveillance!.cameras[0]!.source).toMatchObject({ password: 'mat-khau-1' });
    expect(config.body.telemetryIntervalS).toBeGreaterThan(0); // the rest of the document is kept
  });

  it('keeps cameras out of the config routes: not shown there, kept when the rest of the config is replaced', async () => {
    const shown = await test.request('GET', `/api/v1/edges/${edgeId}/config`);
    expect(shown.body.body.surveillance).toBeUndefined();
    expect(JSON.stringify(shown.body)).not.toContain('mat-khau-1');
    const replaced = await test.request('PUT', `/api/v1/edges/${edgeId}/config`, { ...shown.body.body, telemetryIntervalS: 20 });
    expect(replaced.status).toBe(200);
    expect((await configBody()).body.surveillance!.cameras.map((c) => c.id)).toEqual(['cong-truong']);
    const sneaky = await test.request('PUT', `/api/v1/edges/${edgeId}/config`, { telemetryIntervalS: 20, surveillance: { cameras: [] } });
    expect(sneaky.status).toBe(400);
    expect(sneaky.body.error.message).toContain('/cameras');
  });

  it('refuses a second camera with the same id, naming it', async () => {
    const again = await test.request('POST', cameras(), CAMERA);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('cong-truong');
  });

  it('refuses a rule whose zone the camera does not have, naming the field', async () => {
    const bad = await test.request('PUT', `${cameras()}/cong-truong/rules`, { rules: [{ id: 'r1', name: 'Đường', zone: 'duong' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('rules.0.zone: camera cong-truong has no zone "duong"');
  });

  it('keeps the stored password when a technician edits without retyping it', async () => {
    const { password: _password, ...source } = CAMERA.source;
    const edited = await test.request('PUT', `${cameras()}/cong-truong`, { ...CAMERA, name: 'Cổng trường Vị Tân', source });
    expect(edited.status).toBe(200);
    expect(edited.body.name).toBe('Cổng trường Vị Tân');
    expect((await configBody()).body.surveillance!.cameras[0]!.source).toMatchObject({ password: 'mat-khau-1' });
  });

  it('replaces zones and rules, validated with the camera as a whole', async () => {
    const zones = await test.request('PUT', `${cameras()}/cong-truong/zones`, { zones: [...CAMERA.zones, { id: 'duong', name: 'Đường', polygon: [[0, 0], [1, 0], [1, 0.4]] }] });
    expect(zones.status).toBe(200);
    const rules = await test.request('PUT', `${cameras()}/cong-truong/rules`, { rules: [{ id: 'lang-vang', name: 'Lảng vảng', zone: 'duong', minDwellSeconds: 30 }] });
    expect(rules.status).toBe(200);
    expect(rules.body.rules).toEqual([{ id: 'lang-vang', name: 'Lảng vảng', zone: 'duong', minDwellSeconds: 30, enabled: true, cooldownSeconds: 0, severity: 'alert' }]);
    expect(rules.body.zones.map((z: { id: string }) => z.id)).toEqual(['san', 'duong']);
  });

  it('shows the newest stream state the box reported, whatever order the events arrive in', async () => {
    const events = test.cloud.fleet.events;
    await events.record(edgeId, 'camera', { eventId: 'evt_cam_00000002', ts: 2_000, body: { cameraId: 'cong-truong', status: 'reconnecting', error: 'Connection refused', attempts: 2 } });
    await events.record(edgeId, 'camera', { eventId: 'evt_cam_00000001', ts: 1_000, body: { cameraId: 'cong-truong', status: 'streaming', attempts: 0 } });
    await test.cloud.events.settled(); // the cameras domain has stored both
    const shown = await test.request('GET', `${cameras()}/cong-truong`);
    expect(shown.body.live).toMatchObject({ status: 'reconnecting', error: 'Connection refused', attempts: 2, changedAt: 2_000 });
  });

  it('lists devices the box discovered and adopts one as an ONVIF camera', async () => {
    const device = { urn: 'urn:uuid:1234-5678', xaddr: 'http://127.0.0.1:8080/onvif/device_service', name: 'Camera Ap 1', hardware: 'SC-SIM' };
    await test.cloud.fleet.events.record(edgeId, 'discovery', { eventId: 'evt_disc_0000001', ts: 5_000, body: { devices: [device] } });
    await test.cloud.events.settled();
    const listed = await test.request('GET', `/api/v1/edges/${edgeId}/discovered-cameras`);
    expect(listed.body.devices).toEqual([{ ...device, firstSeenAt: 5_000, lastSeenAt: 5_000, adoptedAs: null }]);
    const adopted = await test.request('POST', `/api/v1/edges/${edgeId}/discovered-cameras/adopt`, { urn: device.urn, id: 'cho', name: 'Chợ Vị Tân', username: 'admin', password: 'doi-mat-khau' });
    expect(adopted.status).toBe(201);
    expect(adopted.body.source).toEqual({ kind: 'onvif', xaddr: device.xaddr, username: 'admin', hasPassword: true });
    const again = await test.request('GET', `/api/v1/edges/${edgeId}/discovered-cameras`);
    expect(again.body.devices[0].adoptedAs).toBe('cho');
  });

  it('changes the model size and storage limits, refusing a size the box has no model for', async () => {
    const changed = await test.request('PATCH', `/api/v1/edges/${edgeId}/surveillance`, { model: '320x320', storage: { ringMinutes: 20 } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ model: '320x320', storage: { ringMinutes: 20, incidentDays: 30 } });
    const bad = await test.request('PATCH', `/api/v1/edges/${edgeId}/surveillance`, { model: '640x640' });
    expect(bad.status).toBe(400);
  });

  it('removes a camera from the document', async () => {
    expect((await test.request('DELETE', `${cameras()}/cho`)).status).toBe(204);
    expect((await configBody()).body.surveillance!.cameras.map((c) => c.id)).toEqual(['cong-truong']);
    expect((await test.request('GET', `${cameras()}/cho`)).status).toBe(404);
  });

  it('is for technicians and admins only', async () => {
    await test.request('POST', '/api/v1/users', { username: 'operator-cam', role: 'operator', password: 'password-operator', mustChangePassword: false });
    const token = await test.login('operator-cam', 'password-operator');
    expect((await test.request('GET', cameras(), undefined, token)).status).toBe(403);
    expect((await test.request('POST', cameras(), { ...CAMERA, id: 'x' }, token)).status).toBe(403);
  });
});

describe("a camera's current picture", () => {
  it('is fetched from the box and each person viewing a camera is audited once per window, as views of evidence are', async () => {
    for (const id of ['cong-cho', 'ben-do']) expect((await test.request('POST', cameras(), { ...CAMERA, id })).status).toBe(201);
    // the box answers over MQTT with its own credentials, as sc-edge does
    const box = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edgeId, username: edgeId, password, reconnectPeriod: 0 });
    try {
      await box.subscribeAsync(topics.req(edgeId, 'camera-snapshot'), { qos: 1 });
      box.on('message', (_topic, payload) => {
        const { transaction } = JSON.parse(payload.toString()) as { transaction: string };
        const body = { jpegBase64: JPEG.toString('base64'), width: 768, height: 576, takenAt: Date.now() };
        void box.publishAsync(topics.res(edgeId, 'camera-snapshot'), JSON.stringify({ transaction, ts: Date.now(), ok: true, body }), { qos: 1 });
      });
      await test.request('POST', '/api/v1/users', { username: 'ky-thuat-1', role: 'technician', password: 'password-ky-thuat-1', mustChangePassword: false });
      await test.request('POST', '/api/v1/users', { username: 'ky-thuat-2', role: 'technician', password: 'password-ky-thuat-2', mustChangePassword: false });
      const tech1 = await test.login('ky-thuat-1', 'password-ky-thuat-1');
      const tech2 = await test.login('ky-thuat-2', 'password-ky-thuat-2');
      const view = async (token: string, cameraId: string) => {
        const res = await test.cloud.app.request(`${cameras()}/${cameraId}/snapshot.jpg`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('image/jpeg');
        expect(Buffer.from(await res.arrayBuffer()).equals(JPEG)).toBe(true);
      };
      await view(tech1, 'cong-cho');
      await view(tech1, 'cong-cho'); // the page reloading the picture: the same viewing
      await view(tech1, 'ben-do');
      await view(tech2, 'cong-cho');

      const views = (await test.cloud.audit.page({ action: 'camera.snapshot_view' }, 50, 0)).items.map((e) => [e.actor, e.target]);
      expect(views.sort()).toEqual([
        ['ky-thuat-1', `camera:${edgeId}/ben-do`],
        ['ky-thuat-1', `camera:${edgeId}/cong-cho`],
        ['ky-thuat-2', `camera:${edgeId}/cong-cho`],
      ]);
    } finally {
      await box.endAsync();
    }
  });
});

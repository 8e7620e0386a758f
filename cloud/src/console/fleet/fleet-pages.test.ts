import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { csrfTokenFor, SESSION_COOKIE } from '../../auth/session-cookie.js';

describe("technician's pages and the QR route", () => {
  let test: TestCloud;
  let technician: string;
  let operator: string;
  let box: string;
  beforeAll(async () => {
    test = await startTestCloud();
    box = (await test.request('POST', '/api/v1/edges', { name: 'Tủ loa chợ', hamletCode: 'ap-2' })).body.id;
    for (const [username, role] of [['tech-1', 'technician'], ['op-1', 'operator']] as const) {
      expect((await test.request('POST', '/api/v1/users', { username, role, password: `password-${username}`, mustChangePassword: false })).status).toBe(201);
    }
    technician = await test.login('tech-1', 'password-tech-1');
    operator = await test.login('op-1', 'password-op-1');
  });
  afterAll(async () => {
    await test.stop();
  });

  /** A request as the browser sends it: the session cookie, and the CSRF header unless told otherwise. */
  const send = (session: string, method: string, path: string, body?: string, csrf: string | null = csrfTokenFor(session)) =>
    test.cloud.app.request(path, {
      method,
      headers: { cookie: `${SESSION_COOKIE}=${session}`, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      body,
    });

  it('draws the QR code of a claim command as SVG that encodes its text', async () => {
    const command = 'sc-edge provision --cloud http://192.168.1.10:8080 --token nWYoCcofqql8XcHXBS99V27A8BotG5UsnLX3YKKMxIU';
    const res = await send(technician, 'POST', '/fleet/qr.svg', JSON.stringify({ text: command }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const svg = await res.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*viewBox="0 0 (\d+) \1"/);
    // the token is in the picture's modules, never in the markup
    expect(svg).not.toContain('nWYoCcofqql8');
  });

  it('refuses a missing CSRF token, a bad body, and a role other than technician or admin', async () => {
    expect((await send(technician, 'POST', '/fleet/qr.svg', JSON.stringify({ text: 'x' }), null)).status).toBe(403);
    const empty = await send(technician, 'POST', '/fleet/qr.svg', JSON.stringify({ text: '' }));
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('text is empty') } });
    expect((await send(technician, 'POST', '/fleet/qr.svg', 'not json')).status).toBe(400);
    expect((await send(technician, 'POST', '/fleet/qr.svg', JSON.stringify({ text: 'x'.repeat(1001) }))).status).toBe(400);
    expect((await send(operator, 'POST', '/fleet/qr.svg', JSON.stringify({ text: 'x' }))).status).toBe(403);
  });

  it('serves the pages to a technician with the plan of the nine hamlets, and not to an operator', async () => {
    const res = await send(technician, 'GET', '/fleet');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<h1>Ấp và tủ thiết bị</h1>');
    expect(page.match(/<a href="#hamlet-[\w-]+" id="plan-/g)).toHaveLength(9);
    expect(page).toContain('<label for="box-name">Tên tủ</label>');
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")/);
    expect((await send(technician, 'GET', `/fleet/boxes/${box}/cameras/cong-truong?lang=en`)).status).toBe(200);
    expect((await send(technician, 'GET', `/fleet/boxes/${box}/cameras/Bad%20Id`)).status).toBe(404);
    // a box that does not exist is a 404 page, as another commune's box is (fleet-scope.test.ts)
    expect((await send(technician, 'GET', '/fleet/boxes/edg_x')).status).toBe(404);
    expect((await send(technician, 'GET', '/fleet/boxes/edg_x/cameras/cong-truong')).status).toBe(404);
    expect((await send(operator, 'GET', '/fleet')).status).toBe(403);
  });

  it("gives the box page a card of version compatibility, in Vietnamese first, filled by its own script", async () => {
    const page = await (await send(technician, 'GET', `/fleet/boxes/${box}`)).text();
    expect(page).toContain('<h2 id="compat-heading">Tương thích phiên bản</h2>');
    expect(page).toContain('<dt>Giao thức của tủ</dt><dd data-compat="box"></dd>');
    expect(page).toContain('fleet-compat.js');
    expect(await (await send(technician, 'GET', `/fleet/boxes/${box}?lang=en`)).text()).toContain('<h2 id="compat-heading">Version compatibility</h2>');
  });

  it('offers the technician a form for a hamlet\'s centre and radius, an import of many, and the commune\'s codes, in Vietnamese first', async () => {
    const page = await (await send(technician, 'GET', '/fleet')).text();
    expect(page).toContain('<h2 id="locations-heading">Vị trí các ấp</h2>');
    for (const label of ['<label for="location-lat">Vĩ độ (lat)</label>', '<label for="location-radius">Bán kính (m)</label>', '<label for="location-file">Tệp vị trí</label>', '<label for="codes-commune">Mã xã</label>']) {
      expect(page).toContain(label);
    }
    expect(page).toContain('fleet-locations.js');
    expect(await (await send(technician, 'GET', '/fleet?lang=en')).text()).toContain('<label for="location-lat">Latitude</label>');
  });

  it("offers on a box's page the remote doctor, its logs, and restart and reboot with a required reason, in Vietnamese first", async () => {
    const page = await (await send(technician, 'GET', `/fleet/boxes/${box}`)).text();
    expect(page).toContain('<h2 id="diagnose-heading">Chẩn đoán từ xa</h2>');
    for (const label of ['<label for="log-lines">Số dòng gần nhất</label>', '<label for="log-level">Từ mức</label>', '<label for="log-from">Từ lúc (không bắt buộc)</label>', '<label for="power-reason">Lý do (bắt buộc)</label>']) {
      expect(page).toContain(label);
    }
    expect(page).toMatch(/<textarea id="power-reason" name="reason"[^>]*required/);
    expect(page).toContain('<option value="warn" >Cảnh báo (warn)</option>');
    expect(page).toContain('fleet-box-maintenance.js');
    expect(page).toContain('<button type="button" id="reboot-box" class="danger">Khởi động lại tủ</button>');
    const english = await (await send(technician, 'GET', `/fleet/boxes/${box}?lang=en`)).text();
    expect(english).toContain('<button type="button" id="restart-daemon">Restart the program</button>');
    expect(english).toContain('"refusedEmergency":"The box refused');
  });
});

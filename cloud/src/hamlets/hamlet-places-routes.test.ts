import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { UserStore } from '../users/user-store.js';

describe('hamlet locations and the commune\'s codes', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  /** A raw body through the app (CSV, GeoJSON, multipart). */
  const send = async (body: string | FormData, contentType: string | null, token = test.adminToken) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (contentType) headers['content-type'] = contentType;
    const res = await test.cloud.app.request('/api/v1/hamlets/locations', { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as any };
  };
  const location = async (code: string) => (await test.request('GET', `/api/v1/hamlets/${code}/location`)).body;

  it('has no location at first; a technician sets a centre and radius, or an outline (its centre and radius follow)', async () => {
    const all = await test.request('GET', '/api/v1/hamlets/locations');
    expect(all.body.hamlets).toHaveLength(9);
    expect(all.body.hamlets[0]).toEqual({ code: 'ap-1', name: 'Ấp 1', lat: null, lon: null, radiusM: null, outline: null, source: 'none', boxes: [], boxRadiusM: 500 });

    await test.request('POST', '/api/v1/users', { username: 'tech-1', role: 'technician', password: 'password-tech', mustChangePassword: false });
    const tech = await test.login('tech-1', 'password-tech');
    const put = await test.request('PUT', '/api/v1/hamlets/ap-2/location', { lat: 9.7981, lon: 105.4312, radiusM: 800 }, tech);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ code: 'ap-2', lat: 9.7981, lon: 105.4312, radiusM: 800, outline: null, source: 'own' });

    const outline = [[9.79, 105.42], [9.8, 105.42], [9.8, 105.43], [9.79, 105.43]];
    const drawn = await test.request('PUT', '/api/v1/hamlets/ap-3/location', { outline });
    expect(drawn.body).toMatchObject({ outline, source: 'own', lat: expect.closeTo(9.795, 6), lon: expect.closeTo(105.425, 6) });
    expect(drawn.body.radiusM).toBeGreaterThan(770);
    expect(drawn.body.radiusM).toBeLessThan(790);
    const capForm = await test.request('PUT', '/api/v1/hamlets/ap-4/location', { lat: 9.8, lon: 105.44, radiusM: 700, outline: '9.79,105.43 9.8,105.43 9.8,105.45 9.79,105.43' });
    expect(capForm.body.outline).toEqual([[9.79, 105.43], [9.8, 105.43], [9.8, 105.45], [9.79, 105.43]]);
    expect(await location('ap-4')).toMatchObject({ radiusM: 700, source: 'own' });
  });

  it('refuses a location that is not one, naming why', async () => {
    const half = await test.request('PUT', '/api/v1/hamlets/ap-2/location', { lat: 9.8, lon: 105.4 });
    expect(half.status).toBe(400);
    expect(half.body.error.message).toBe('give lat, lon and radiusM, or an outline alone');
    expect((await test.request('PUT', '/api/v1/hamlets/ap-2/location', { lat: 99, lon: 105.4, radiusM: 500 })).status).toBe(400);
    expect((await test.request('PUT', '/api/v1/hamlets/ap-2/location', { lat: 9.8, lon: 105.4, radiusM: 2 })).status).toBe(400);
    const flat = await test.request('PUT', '/api/v1/hamlets/ap-2/location', { outline: [[9.8, 105.4], [9.8, 105.4], [9.81, 105.4]] });
    expect(flat.body.error.message).toBe('outline: an outline needs at least three different points');
    expect((await test.request('PUT', '/api/v1/hamlets/ap-99/location', { lat: 9.8, lon: 105.4, radiusM: 500 })).status).toBe(404);
    expect((await location('ap-2')).source).toBe('none');
  });

  it('imports a CSV of many hamlets, the outline quoted in CAP form', async () => {
    const csv = 'code,lat,lon,radius_m,outline\r\nap-1,9.801,105.401,600,\r\nap-2,9.802,105.42,650,\r\nap-5,,,,"9.79,105.45 9.8,105.45 9.8,105.46 9.79,105.45"\r\n';
    const res = await send(`\uFEFF${csv}`, 'text/csv');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.imported).toBe(3);
    expect(await location('ap-1')).toMatchObject({ lat: 9.801, lon: 105.401, radiusM: 600, outline: null });
    expect((await location('ap-5')).outline).toHaveLength(4);
    // without the header, columns in their order
    expect((await send('ap-6,9.81,105.47,500', 'text/csv')).status).toBe(200);
  });

  it('imports nothing when one row is bad, and names each bad row', async () => {
    const csv = 'code,lat,lon,radius_m\nap-1,9.7,105.3,600\nap-9,9.8,105.4,600\nap-2,9.8,,600\nap-1,9.8,105.4,600\n';
    const res = await send(csv, 'text/csv');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('nothing imported: row 3 (ap-9): unknown hamlet ap-9 (and 2 more)');
    expect(res.body.error.details).toEqual([
      { at: 'row 3', code: 'ap-9', message: 'unknown hamlet ap-9' },
      { at: 'row 4', code: 'ap-2', message: 'give all three of lat, lon and radius_m (or none of them with an outline)' },
      { at: 'row 5', code: 'ap-1', message: 'ap-1 appears twice' },
    ]);
    expect((await location('ap-1')).source).toBe('none');
    const unquoted = await send('ap-1,,,,9.79,105.45 9.8,105.45 9.8,105.46', 'text/csv');
    expect(unquoted.body.error.message).toContain('row 1 (ap-1): more fields than the 5 columns');
    expect((await send('', 'text/csv')).body.error.message).toBe('nothing imported: file: no hamlet in the file');
  });

  it('imports a GeoJSON FeatureCollection of Points (with radius_m) and Polygons, also as an uploaded file', async () => {
    const geojson = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: 'ap-3', radius_m: 700 }, geometry: { type: 'Point', coordinates: [105.43, 9.79] } },
        { type: 'Feature', properties: { code: 'ap-3a' }, geometry: { type: 'Polygon', coordinates: [[[105.44, 9.78], [105.45, 9.78], [105.45, 9.79], [105.44, 9.79], [105.44, 9.78]]] } },
      ],
    };
    const res = await send(JSON.stringify(geojson), 'application/geo+json');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await location('ap-3')).toMatchObject({ lat: 9.79, lon: 105.43, radiusM: 700, outline: null });
    expect((await location('ap-3a')).outline).toEqual([[9.78, 105.44], [9.78, 105.45], [9.79, 105.45], [9.79, 105.44], [9.78, 105.44]]);

    const bad = { ...geojson, features: [...geojson.features, { type: 'Feature', properties: { code: 'ap-4' }, geometry: { type: 'Point', coordinates: [105.4, 9.8] } }] };
    const refused = await send(JSON.stringify(bad), 'application/geo+json');
    expect(refused.body.error.message).toBe('nothing imported: feature 3 (ap-4): a Point needs properties.radius_m (metres)');

    const form = new FormData();
    form.append('file', new File([JSON.stringify({ ...geojson, features: [{ ...geojson.features[0], properties: { code: 'ap-7', radius_m: 900 } }] })], 'ap.geojson'));
    const uploaded = await send(form, null);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
    expect((await location('ap-7')).radiusM).toBe(900);
  });

  it('keeps the commune\'s administrative codes unset until someone sets them', async () => {
    expect((await test.request('GET', '/api/v1/commune/admin-codes')).body).toEqual({ adminCode: null, provinceAdminCode: null });
    const set = await test.request('PUT', '/api/v1/commune/admin-codes', { adminCode: '31474', provinceAdminCode: '93' });
    expect(set.body).toEqual({ adminCode: '31474', provinceAdminCode: '93' });
    expect((await test.request('PUT', '/api/v1/commune/admin-codes', { adminCode: 'VT', provinceAdminCode: null })).status).toBe(400);
  });

  it('is for admins and technicians (operators read the codes only)', async () => {
    await test.request('POST', '/api/v1/users', { username: 'op-1', role: 'operator', password: 'password-op', mustChangePassword: false });
    const op = await test.login('op-1', 'password-op');
    expect((await test.request('PUT', '/api/v1/hamlets/ap-2/location', { lat: 9.8, lon: 105.4, radiusM: 500 }, op)).status).toBe(403);
    expect((await send('ap-1,9.8,105.4,500', 'text/csv', op)).status).toBe(403);
    expect((await test.request('GET', '/api/v1/hamlets/ap-2/location', undefined, op)).status).toBe(403);
    expect((await test.request('GET', '/api/v1/commune/admin-codes', undefined, op)).status).toBe(200);
    expect((await test.request('PUT', '/api/v1/commune/admin-codes', { adminCode: null, provinceAdminCode: null }, op)).status).toBe(403);
  });

  it("keeps a commune's technician to their commune's hamlets and codes: another commune's is not found (issue 10)", async () => {
    const created = await test.request('POST', '/api/v1/communes', { code: 'vi-thuy', name: 'Xã Vị Thủy', province: 'Tỉnh Hậu Giang', hamlets: [{ code: 'vt-1', name: 'Ấp Vị Thủy 1' }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await new UserStore(test.cloud.query).create({ username: 'tech-vt', password: 'password-tech-vt', role: 'technician', communeCode: 'vi-thuy', mustChangePassword: false });
    const tech = await test.login('tech-vt', 'password-tech-vt');

    expect((await test.request('GET', '/api/v1/hamlets/locations', undefined, tech)).body.hamlets.map((h: { code: string }) => h.code)).toEqual(['vt-1']);
    expect((await test.request('GET', '/api/v1/hamlets/locations')).body.hamlets).toHaveLength(10);
    const theirs = await test.request('PUT', '/api/v1/hamlets/ap-1/location', { lat: 9.8, lon: 105.4, radiusM: 500 }, tech);
    expect([theirs.status, theirs.body.error.message]).toEqual([404, 'hamlet ap-1 not found']);
    expect((await test.request('GET', '/api/v1/hamlets/ap-1/location', undefined, tech)).status).toBe(404);
    const imported = await send('vt-1,9.8,105.4,500\nap-1,9.8,105.4,500', 'text/csv', tech);
    expect([imported.status, imported.body.error.message]).toEqual([400, 'nothing imported: row 2 (ap-1): unknown hamlet ap-1']);
    expect((await location('ap-1')).source).toBe('none');
    expect((await test.request('PUT', '/api/v1/hamlets/vt-1/location', { lat: 9.8, lon: 105.4, radiusM: 500 }, tech)).body).toMatchObject({ code: 'vt-1', source: 'own' });

    // the codes: theirs without naming it; another commune's is not found; the province names the commune once there are two
    expect((await test.request('PUT', '/api/v1/commune/admin-codes', { adminCode: '31480', provinceAdminCode: '93' }, tech)).body).toEqual({ adminCode: '31480', provinceAdminCode: '93' });
    expect((await test.request('GET', '/api/v1/commune/admin-codes?commune=vi-tan', undefined, tech)).status).toBe(404);
    expect((await test.request('GET', '/api/v1/commune/admin-codes')).status).toBe(400);
    expect((await test.request('GET', '/api/v1/commune/admin-codes?commune=vi-thuy')).body).toEqual({ adminCode: '31480', provinceAdminCode: '93' });
    const taken = await test.request('PUT', '/api/v1/commune/admin-codes?commune=vi-tan', { adminCode: '31480', provinceAdminCode: '93' });
    expect([taken.status, taken.body.error.message]).toEqual([409, 'administrative code "31480" is already another commune\'s']);
  });
});

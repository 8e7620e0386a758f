import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';

/** The province admin shapes the province; a commune's people see only their commune's hamlets. */
describe('communes and hamlets', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  });
  afterAll(async () => {
    await test.stop();
  });

  const person = async (username: string, role: string, communeCode: string | null) => {
    const res = await test.request('POST', '/api/v1/users', { username, role, communeCode, password: `password-${username}`, mustChangePassword: false });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return test.login(username, `password-${username}`);
  };

  it('lists the seeded commune with its hamlet and box counts', async () => {
    const res = await test.request('GET', '/api/v1/communes');
    expect(res.status).toBe(200);
    expect(res.body.communes).toEqual([
      expect.objectContaining({ code: 'vi-tan', name: 'Xã Vị Tân', hamlets: 9, edges: 0, online: 0, retiredAt: null, adminCode: null }),
    ]);
  });

  it('adds a commune with its hamlets, named from their names, and refuses a taken code', async () => {
    const res = await test.request('POST', '/api/v1/communes', {
      name: 'Xã Hỏa Lựu',
      province: 'Thành phố Cần Thơ',
      adminCode: '31321',
      provinceAdminCode: '92',
      hamlets: [{ name: 'Ấp Thạnh Hòa' }, { name: 'Ấp Mỹ Hiệp', code: 'hl-my-hiep' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ code: 'hoa-luu', name: 'Xã Hỏa Lựu', adminCode: '31321', hamlets: 2, edges: 0 });
    const hamlets = await test.request('GET', '/api/v1/communes/hoa-luu/hamlets');
    expect(hamlets.body.hamlets.map((h: { code: string; position: number }) => [h.code, h.position])).toEqual([
      ['hoa-luu-ap-thanh-hoa', 0],
      ['hl-my-hiep', 1],
    ]);

    const again = await test.request('POST', '/api/v1/communes', { code: 'hoa-luu', name: 'Xã Khác', province: 'Thành phố Cần Thơ' });
    expect([again.status, again.body.error.message]).toEqual([409, 'commune code "hoa-luu" is already taken']);
    // a hamlet code is a key across the province: a taken one leaves no half-made commune behind
    const taken = await test.request('POST', '/api/v1/communes', { code: 'xa-moi', name: 'Xã Mới', province: 'T', hamlets: [{ code: 'ap-1', name: 'Ấp 1' }] });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain('"ap-1"');
    expect((await test.request('GET', '/api/v1/communes/xa-moi')).status).toBe(404);
    const admin = await test.request('POST', '/api/v1/communes', { code: 'xa-khac', name: 'Xã Khác', province: 'T', adminCode: '31321' });
    expect([admin.status, admin.body.error.message]).toEqual([409, 'administrative code "31321" is already another commune\'s']);
    const bad = await test.request('POST', '/api/v1/communes', { code: 'Xã', name: '', province: 'T' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['code', 'name']);
  });

  it('renames a hamlet, reorders the hamlets (every one, once), adds one at the end', async () => {
    expect((await test.request('PATCH', '/api/v1/communes/hoa-luu/hamlets/hl-my-hiep', { name: 'Ấp Mỹ Hiệp A' })).body).toMatchObject({ name: 'Ấp Mỹ Hiệp A' });
    // a hamlet under another commune's path is none of that commune's
    expect((await test.request('PATCH', '/api/v1/communes/hoa-luu/hamlets/ap-1', { name: 'x' })).status).toBe(404);
    const partial = await test.request('PUT', '/api/v1/communes/hoa-luu/hamlets/order', { codes: ['hl-my-hiep', 'ap-1'] });
    expect(partial.status).toBe(400);
    expect(partial.body.error.message).toBe('codes: list every hamlet of hoa-luu once ("ap-1" is not a hamlet of hoa-luu; "hoa-luu-ap-thanh-hoa" is missing)');
    const order = await test.request('PUT', '/api/v1/communes/hoa-luu/hamlets/order', { codes: ['hl-my-hiep', 'hoa-luu-ap-thanh-hoa'] });
    expect(order.body.hamlets.map((h: { code: string }) => h.code)).toEqual(['hl-my-hiep', 'hoa-luu-ap-thanh-hoa']);
    const added = await test.request('POST', '/api/v1/communes/hoa-luu/hamlets', { name: 'Ấp Mới' });
    expect(added.body).toMatchObject({ code: 'hoa-luu-ap-moi', position: 2, communeCode: 'hoa-luu' });
  });

  it('refuses to retire a hamlet or commune with a box online; retired ones leave the pickers, their boxes stay', async () => {
    const box = await test.request('POST', '/api/v1/edges', { name: 'Tủ Mới', hamletCode: 'hoa-luu-ap-moi' });
    expect(box.status).toBe(201);
    await test.cloud.fleet.presence.onAvailability(box.body.id, { state: 'online', ts: Date.now() });
    expect((await test.request('GET', '/api/v1/communes/hoa-luu')).body).toMatchObject({ edges: 1, online: 1 });

    const hamlet = await test.request('PATCH', '/api/v1/communes/hoa-luu/hamlets/hoa-luu-ap-moi', { retired: true });
    expect([hamlet.status, hamlet.body.error.message]).toEqual([409, 'hamlet hoa-luu-ap-moi has 1 box online: revoke or move it to another hamlet before retiring']);
    const commune = await test.request('PATCH', '/api/v1/communes/hoa-luu', { retired: true });
    expect(commune.status).toBe(409);

    await test.cloud.fleet.presence.onAvailability(box.body.id, { state: 'offline', ts: Date.now() });
    const retired = await test.request('PATCH', '/api/v1/communes/hoa-luu/hamlets/hoa-luu-ap-moi', { retired: true });
    expect(retired.status).toBe(200);
    expect(retired.body.retiredAt).toEqual(expect.any(Number));
    const picker = (await test.request('GET', '/api/v1/hamlets')).body.hamlets.map((h: { code: string }) => h.code);
    expect(picker).not.toContain('hoa-luu-ap-moi');
    expect(picker).toContain('hl-my-hiep');
    expect((await test.request('GET', `/api/v1/edges/${box.body.id}`)).status).toBe(200);

    const renamed = await test.request('PATCH', '/api/v1/communes/hoa-luu', { name: 'Xã Hoả Lựu', retired: true });
    expect(renamed.body).toMatchObject({ name: 'Xã Hoả Lựu', retiredAt: expect.any(Number) });
    expect((await test.request('GET', '/api/v1/hamlets')).body.hamlets.map((h: { code: string }) => h.code)).not.toContain('hl-my-hiep');
    expect((await test.request('GET', '/api/v1/communes?retired=exclude')).body.communes.map((c: { code: string }) => c.code)).toEqual(['vi-tan']);
    // nobody can be put in a retired commune
    const placed = await test.request('POST', '/api/v1/users', { username: 'in-retired', role: 'operator', communeCode: 'hoa-luu', password: 'password-in-retired' });
    expect([placed.status, placed.body.error.message]).toEqual([400, 'communeCode: commune "hoa-luu" is retired']);
    expect((await test.request('PATCH', '/api/v1/communes/hoa-luu', { retired: false })).body.retiredAt).toBeNull();
  });

  it('imports a CSV (also uploaded), naming each bad row and importing nothing then', async () => {
    const file = '\uFEFFcommune_code,commune_name,commune_admin_code,province,province_admin_code,hamlet_code,hamlet_name\r\ntan-phu,Xã Tân Phú,31330,Thành phố Cần Thơ,92,,Ấp 1\r\n';
    const csv = await test.cloud.app.request('/api/v1/communes/import', { method: 'POST', headers: { authorization: `Bearer ${test.adminToken}`, 'content-type': 'text/csv' }, body: file });
    expect(csv.status).toBe(200);
    expect(await csv.json()).toEqual({ communes: { created: ['tan-phu'], updated: [], unchanged: 0 }, hamlets: { created: ['tan-phu-ap-1'], updated: [], unchanged: 0 } });

    const form = new FormData();
    form.set('file', new File([`${file}tan-phu,Xã Tân Phú,31330,Thành phố Cần Thơ,92,ap-2,Ấp 2\r\n`], 'communes.csv', { type: 'text/csv' }));
    const upload = await test.cloud.app.request('/api/v1/communes/import', { method: 'POST', headers: { authorization: `Bearer ${test.adminToken}` }, body: form });
    expect(upload.status).toBe(400);
    const refused = (await upload.json()) as { error: { message: string; details: unknown } };
    expect(refused.error.message).toBe('nothing imported: line 3, hamlet_code: hamlet code "ap-2" is already commune vi-tan\'s (Ấp 2)');
    expect(refused.error.details).toEqual([{ line: 3, column: 'hamlet_code', message: 'hamlet code "ap-2" is already commune vi-tan\'s (Ấp 2)' }]);
  });

  it("is the province admin's: a commune's admin is refused (403); a commune's people see only their commune's hamlets and places", async () => {
    const communeAdmin = await person('tp-admin', 'admin', 'tan-phu');
    expect((await test.request('GET', '/api/v1/communes', undefined, communeAdmin)).status).toBe(403);
    expect((await test.request('POST', '/api/v1/communes/import', undefined, communeAdmin)).status).toBe(403);
    const hamlets = await test.request('GET', '/api/v1/hamlets', undefined, communeAdmin);
    expect(hamlets.body.hamlets.map((h: { code: string }) => h.code)).toEqual(['tan-phu-ap-1']);
    const places = await test.request('GET', '/api/v1/hamlets/locations', undefined, communeAdmin);
    expect(places.body.hamlets.map((h: { code: string }) => h.code)).toEqual(['tan-phu-ap-1']);
    expect((await test.request('GET', '/api/v1/hamlets/ap-1/location', undefined, communeAdmin)).status).toBe(404);
    const put = await test.request('PUT', '/api/v1/hamlets/ap-1/location', { lat: 9.9, lon: 105.6, radiusM: 800 }, communeAdmin);
    expect([put.status, put.body.error.message]).toEqual([404, 'hamlet ap-1 not found']);
    const importOther = await test.cloud.app.request('/api/v1/hamlets/locations', {
      method: 'POST',
      headers: { authorization: `Bearer ${communeAdmin}`, 'content-type': 'text/csv' },
      body: 'code,lat,lon,radius_m\nap-1,9.9,105.6,800\n',
    });
    expect(importOther.status).toBe(400);
    expect((await test.request('GET', '/api/v1/hamlets/ap-1/location')).body.lat).toBeNull();

    // the commune's own codes, never another's
    expect((await test.request('PUT', '/api/v1/commune/admin-codes', { adminCode: '31331', provinceAdminCode: '92' }, communeAdmin)).body).toEqual({ adminCode: '31331', provinceAdminCode: '92' });
    expect((await test.request('GET', '/api/v1/commune/admin-codes?commune=vi-tan', undefined, communeAdmin)).status).toBe(404);
    expect((await test.request('GET', '/api/v1/commune/admin-codes?commune=tan-phu')).body.adminCode).toBe('31331');
    expect((await test.request('GET', '/api/v1/commune/admin-codes?commune=vi-tan')).body.adminCode).toBeNull();
    // the province admin names the commune once there are several
    const unnamed = await test.request('GET', '/api/v1/commune/admin-codes');
    expect([unnamed.status, unnamed.body.error.details]).toEqual([400, [{ path: 'commune', message: 'required' }]]);
    const taken = await test.request('PUT', '/api/v1/commune/admin-codes?commune=vi-tan', { adminCode: '31331', provinceAdminCode: '92' });
    expect(taken.status).toBe(409);
  });
});

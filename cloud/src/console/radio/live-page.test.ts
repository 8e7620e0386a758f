import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { UserStore } from '../../users/user-store.js';

describe('the live voice page', () => {
  let test: TestCloud;
  const cookie: Record<string, string> = {};

  beforeAll(async () => {
    test = await startTestCloud();
    for (const role of ['operator', 'viewer'] as const) {
      await test.request('POST', '/api/v1/users', { username: `${role}-page`, displayName: role, role, password: `password-of-${role}`, mustChangePassword: false });
      cookie[role] = `sc_session=${await test.login(`${role}-page`, `password-of-${role}`)}`;
    }
  }, 30_000);
  afterAll(async () => {
    await test?.stop();
  });

  const get = (path: string, who: string) => test.cloud.app.request(path, { headers: { cookie: cookie[who]!, accept: 'text/html' } });

  it('is the only page that may ask for the microphone', async () => {
    const live = await get('/radio/live', 'operator');
    expect(live.status).toBe(200);
    expect(live.headers.get('permissions-policy')).toMatch(/(^|, )microphone=\(self\)/);
    expect(live.headers.get('permissions-policy')).toMatch(/camera=\(\)/);
    for (const other of ['/radio/bulletins', '/', '/api/v1/hamlets', '/radio/live/', '/radio/live?x=1']) {
      const res = await get(other, 'operator');
      const policy = res.headers.get('permissions-policy') ?? '';
      if (other === '/radio/live?x=1') expect(policy).toMatch(/microphone=\(self\)/); // the same page, with a query
      else expect(policy, other).toMatch(/(^|, )microphone=\(\)/);
    }
  });

  it('offers the hamlets, speaker zones, priorities, a confirmation step and one Stop button, in Vietnamese and English', async () => {
    const vi = await (await get('/radio/live', 'operator')).text();
    expect(vi).toContain('<h1>Phát trực tiếp bằng giọng nói</h1>');
    for (const text of ['Tất cả các ấp', 'Các ấp được chọn', 'Ấp 2A', 'Khẩn cấp', 'Ưu tiên', 'Thông thường', 'Xác nhận phát trực tiếp', 'Dừng phát', 'Mức micro', 'Các tủ chưa khai báo vùng loa nào']) {
      expect(vi).toContain(text);
    }
    expect(vi).toContain('src="/assets/console/radio-live.js"');
    expect(vi.match(/id="live-stop"/g)).toHaveLength(1);
    const en = await (await get('/radio/live?lang=en', 'operator')).text();
    expect(en).toContain('<h1>Speak live</h1>');
    expect(en).toContain('Go on air');
  });

  it('is refused to a role without the live permission, and listed in the menu only for those it lets in', async () => {
    const refused = await get('/radio/live', 'viewer');
    expect(refused.status).toBe(403);
    expect(await (await get('/', 'viewer')).text()).not.toContain('href="/radio/live"');
    expect(await (await get('/', 'operator')).text()).toContain('href="/radio/live"');
  });

  it("shows a commune's operator their commune's hamlets only, on the live, alert and station pages (issue 10)", async () => {
    test.cloud.db.prepare("INSERT INTO communes (code, name, district, province, created_at) VALUES ('vi-dong', 'Xã Vị Đông', 'Thành phố Vị Thanh', 'Tỉnh Hậu Giang', ?)").run(Date.now());
    test.cloud.db.prepare("INSERT INTO hamlets (code, commune_code, name, position) VALUES ('vd-1', 'vi-dong', 'Ấp Một Vị Đông', 101)").run();
    await new UserStore(test.cloud.query).create({ username: 'vidong-page', password: 'password-of-vidong', role: 'operator', communeCode: 'vi-dong', mustChangePassword: false });
    cookie.viDong = `sc_session=${await test.login('vidong-page', 'password-of-vidong')}`;
    for (const page of ['/radio/live', '/radio/alerts', '/radio/stations', '/radio/schedule', '/radio/playback']) {
      const theirs = await (await get(page, 'viDong')).text();
      expect(theirs, page).toContain('Ấp Một Vị Đông');
      expect(theirs, page).not.toContain('Ấp 2A');
      const province = await (await get(page, 'operator')).text();
      expect(province, page).toContain('Ấp Một Vị Đông');
      expect(province, page).toContain('Ấp 2A');
    }
  });
});

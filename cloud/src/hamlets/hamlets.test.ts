import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { forEachDatabase } from '../../../test-support/databases.js';
import { seedCommuneQuery, seedEdgeQuery } from '../communes/testing/seed-query.js';
import { listHamlets, seedCommune } from './hamlets.js';

const VI_TAN_HAMLETS = [
  ['ap-1', 'Ấp 1'],
  ['ap-2', 'Ấp 2'],
  ['ap-2a', 'Ấp 2A'],
  ['ap-3', 'Ấp 3'],
  ['ap-3a', 'Ấp 3A'],
  ['ap-4', 'Ấp 4'],
  ['ap-5', 'Ấp 5'],
  ['ap-6', 'Ấp 6'],
  ['ap-7', 'Ấp 7'],
];

interface Hamlet {
  code: string;
  name: string;
  communeCode: string;
  edges: number;
  online: number;
}

describe('GET /api/v1/hamlets', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  const get = async (token: string | null = test.adminToken) => {
    const res = await test.cloud.app.request('/api/v1/hamlets', { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { hamlets: Hamlet[] } & { error?: { code: string } } };
  };

  it('lists the nine hamlets of Vị Tân in their usual order', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.body.hamlets.map((h) => [h.code, h.name])).toEqual(VI_TAN_HAMLETS);
    for (const hamlet of res.body.hamlets) expect(hamlet).toMatchObject({ communeCode: 'vi-tan', edges: 0, online: 0 });
  });

  it('counts the boxes and the online boxes of each hamlet', async () => {
    const headers = { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json' };
    const ids: string[] = [];
    for (const hamletCode of ['ap-2a', 'ap-2a', 'ap-7']) {
      const res = await test.cloud.app.request('/api/v1/edges', { method: 'POST', headers, body: JSON.stringify({ name: `Tủ ${ids.length}`, hamletCode }) });
      ids.push(((await res.json()) as { id: string }).id);
    }
    await test.cloud.fleet.presence.onAvailability(ids[0]!, { state: 'online', ts: Date.now() });

    const byCode = new Map((await get()).body.hamlets.map((h) => [h.code, h]));
    expect(byCode.get('ap-2a')).toMatchObject({ edges: 2, online: 1 });
    expect(byCode.get('ap-7')).toMatchObject({ edges: 1, online: 0 });
    expect(byCode.get('ap-1')).toMatchObject({ edges: 0, online: 0 });
    expect(byCode.size).toBe(9);
  });

  it('is readable by a viewer and refused without a token', async () => {
    const headers = { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json' };
    await test.cloud.app.request('/api/v1/users', { method: 'POST', headers, body: JSON.stringify({ username: 'viewer-1', role: 'viewer', password: 'password-v', mustChangePassword: false }) });
    const viewer = await test.login('viewer-1', 'password-v');
    expect((await get(viewer)).body.hamlets).toHaveLength(9);
    const anonymous = await get(null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error?.code).toBe('unauthorized');
  });
});

forEachDatabase('hamlets', (get) => {
  const seed = { code: 'xa-thu', name: 'Xã Thử', district: 'Huyện Thử', province: 'Tỉnh Thử', hamlets: [{ code: 'ap-b', name: 'Ấp B' }, { code: 'ap-a', name: 'Ấp A' }] };

  it('seeds once and leaves later edits alone', async () => {
    await seedCommune(get(), seed);
    expect((await listHamlets(get())).map((h) => h.code)).toEqual(['ap-b', 'ap-a']);
    await get().db.updateTable('hamlets').set({ name: 'Ấp Bê' }).where('code', '=', 'ap-b').execute();
    await seedCommune(get(), seed);
    expect((await listHamlets(get())).map((h) => h.name)).toEqual(['Ấp Bê', 'Ấp A']);
  });

  it('seeds once when two starts seed at the same time (the commune row decides)', async () => {
    await Promise.all([seedCommune(get(), seed), seedCommune(get(), seed)]);
    expect(await get().db.selectFrom('hamlets').select('code').orderBy('position').execute()).toEqual([{ code: 'ap-b' }, { code: 'ap-a' }]);
  });

  it("lists the hamlets in service by their communes' age then position, counting every box and the online ones", async () => {
    await seedCommune(get(), seed, 2_000);
    await seedCommuneQuery(get(), { code: 'vi-thuy', name: 'Xã Vị Thủy', district: '', province: 'Tỉnh Thử', hamlets: [{ code: 'vt-2', name: 'Ấp 2' }, { code: 'vt-1', name: 'Ấp 1' }] }, 1_000);
    await seedCommuneQuery(get(), { code: 'xa-cu', name: 'Xã Cũ', district: '', province: 'Tỉnh Thử', hamlets: [{ code: 'cu-1', name: 'Ấp Cũ' }] }, 500);
    await get().db.updateTable('communes').set({ retired_at: 3_000 }).where('code', '=', 'xa-cu').execute();
    // a commune without a creation time (written before migration 28) comes last
    await get().db.insertInto('communes').values({ code: 'xa-la', name: 'Xã Lạ', district: '', province: 'Tỉnh Thử', created_at: null }).execute();
    await get().db.insertInto('hamlets').values([{ code: 'la-1', commune_code: 'xa-la', name: 'Ấp Lạ', position: 0 }, { code: 'vt-3', commune_code: 'vi-thuy', name: 'Ấp 3', position: 5, retired_at: 3_000 }]).execute();
    await seedEdgeQuery(get(), 'e1', 'ap-a', { online: true });
    await seedEdgeQuery(get(), 'e2', 'ap-a');
    await seedEdgeQuery(get(), 'e3', 'ap-a', { status: 'revoked' });
    await seedEdgeQuery(get(), 'e4', 'vt-1', { online: true });

    const all = await listHamlets(get());
    expect(all.map((h) => h.code)).toEqual(['vt-2', 'vt-1', 'ap-b', 'ap-a', 'la-1']);
    expect(all.find((h) => h.code === 'ap-a')).toEqual({ code: 'ap-a', name: 'Ấp A', communeCode: 'xa-thu', edges: 3, online: 1 });
    expect(all.find((h) => h.code === 'vt-1')).toEqual({ code: 'vt-1', name: 'Ấp 1', communeCode: 'vi-thuy', edges: 1, online: 1 });
    expect(all.find((h) => h.code === 'ap-b')).toMatchObject({ edges: 0, online: 0 });

    // a commune's person: their commune's only; a province-level person: all of them
    expect((await listHamlets(get(), { communeCode: 'vi-thuy' })).map((h) => h.code)).toEqual(['vt-2', 'vt-1']);
    expect((await listHamlets(get(), { communeCode: 'xa-cu' })).map((h) => h.code)).toEqual([]);
    expect(await listHamlets(get(), { communeCode: null })).toEqual(all);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { openCloudDatabase } from '../db/database.js';
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

describe('seedCommune', () => {
  it('seeds once and leaves later edits alone', () => {
    const db = openCloudDatabase(':memory:');
    try {
      const seed = { code: 'xa-thu', name: 'Xã Thử', district: 'Huyện Thử', province: 'Tỉnh Thử', hamlets: [{ code: 'ap-b', name: 'Ấp B' }, { code: 'ap-a', name: 'Ấp A' }] };
      seedCommune(db, seed);
      expect(listHamlets(db).map((h) => h.code)).toEqual(['ap-b', 'ap-a']);
      db.prepare("UPDATE hamlets SET name = 'Ấp Bê' WHERE code = 'ap-b'").run();
      seedCommune(db, seed);
      expect(listHamlets(db).map((h) => h.name)).toEqual(['Ấp Bê', 'Ấp A']);
    } finally {
      db.close();
    }
  });
});

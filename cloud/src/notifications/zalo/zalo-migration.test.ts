import Database from 'better-sqlite3';
import { migrate } from '@smart-commune/shared/runtime';
import { describe, expect, it } from 'vitest';
import { cloudMigrations } from '../../db/migrations.js';
import { sqliteQueryDatabase } from '../../db/query/index.js';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64 } from '../../secrets/secret-box.js';
import { ZaloFollowers } from './zalo-followers.js';
import { ZaloOaStore } from './zalo-oa-store.js';

/** The migrations before the one containing `marker`. */
const before = (marker: string) => {
  const index = cloudMigrations.findIndex((m) => m.includes(marker));
  expect(index).toBeGreaterThan(0);
  return cloudMigrations.slice(0, index);
};

describe('the migration to an OA per commune', () => {
  it("makes a single-commune install's one OA the province's own, with its tokens, state and followers, and no manual step", async () => {
    const db = new Database(':memory:');
    const box = new SecretBox(secretKeyFromBase64(newSecretKeyBase64(), 'test key'));
    try {
      // a database as it was before communes (issue 10): one commune, the one OA (id 1), its followers
      migrate(db, before('ALTER TABLE zalo_oa ADD COLUMN commune_code'));
      db.prepare("INSERT INTO communes (code, name, district, province) VALUES ('vi-tan', 'Xã Vị Tân', 'Vị Thanh', 'Hậu Giang')").run();
      db.prepare("INSERT INTO hamlets (code, commune_code, name, position) VALUES ('ap-1', 'vi-tan', 'Ấp 1', 0), ('ap-2', 'vi-tan', 'Ấp 2', 1)").run();
      db.prepare(
        `INSERT INTO zalo_oa (id, app_id, oa_id, app_secret, webhook_secret, access_token, access_expires_at, refresh_token, refresh_expires_at, version, state, connected_at, refreshed_at, updated_at)
         VALUES (1, '3141592653589793', '2718281828459045', ?, ?, ?, 4000000000000, ?, 4100000000000, 7, 'connected', 1000, 2000, 2000)`,
      ).run(box.seal('app-secret'), box.seal('oa-secret-key'), box.seal('at_old'), box.seal('rt_old'));
      const follower = db.prepare('INSERT INTO zalo_followers (user_id, hamlet_code, subscribed_at) VALUES (?, ?, 5)');
      follower.run('1001', 'ap-1');
      follower.run('1001', 'ap-2');
      follower.run('1002', 'ap-2');

      migrate(db, cloudMigrations);

      const q = sqliteQueryDatabase(db);
      const store = new ZaloOaStore(q, box);
      const province = (await store.load(null))!;
      expect(province).toMatchObject({
        id: 1,
        communeCode: null,
        appId: '3141592653589793',
        oaId: '2718281828459045',
        appSecret: 'app-secret',
        webhookSecret: 'oa-secret-key',
        accessToken: 'at_old',
        refreshToken: 'rt_old',
        version: 7,
        state: 'connected',
      });
      expect(await store.load('vi-tan')).toBeNull(); // the commune has no OA of its own: the province's serves it
      expect(await store.connectedOaId('vi-tan')).toBe('2718281828459045');
      const followers = new ZaloFollowers(q);
      expect(await followers.inHamlets(null, ['ap-2'])).toEqual(['1001', '1002']);
      expect(await followers.hamletsOf(null, '1001')).toEqual(['ap-1', 'ap-2']);
      expect(await followers.inHamlets('vi-tan', ['ap-1', 'ap-2'])).toEqual([]);

      // the commune may now connect its own next to the province's, and its followers are its own
      const far = 4000000000000;
      await store.connect('vi-tan', { appId: '1000000000000011', oaId: '9000000000000011', appSecret: 'tan-secret', webhookSecret: null, pair: { accessToken: 'at_tan', accessExpiresAt: far, refreshToken: 'rt_tan', refreshExpiresAt: far } });
      expect((await store.load('vi-tan'))!.id).not.toBe(1);
      expect(await store.connectedOaId('vi-tan')).toBe('9000000000000011');
      expect((await store.load(null))!.accessToken).toBe('at_old');
      expect(await followers.subscribe('vi-tan', '1001', 'ap-1')).toBe(true);
      expect(await followers.inHamlets('vi-tan', ['ap-1'])).toEqual(['1001']);
      expect(await followers.countsByHamlet(null)).toEqual({ 'ap-1': 1, 'ap-2': 2 });
      // one OA per commune and one for the province: the database refuses a second
      expect(() => db.prepare("INSERT INTO zalo_oa (scope, commune_code, app_id, app_secret, state, connected_at, updated_at) VALUES ('', NULL, '1', 'x', 'connected', 1, 1)").run()).toThrow(/UNIQUE/);
      expect(() => db.prepare("INSERT INTO zalo_oa (scope, commune_code, app_id, app_secret, state, connected_at, updated_at) VALUES ('', 'vi-tan', '1', 'x', 'connected', 1, 1)").run()).toThrow(/CHECK/);
    } finally {
      db.close();
    }
  });

  it('leaves a database that never connected an OA with none', async () => {
    const db = new Database(':memory:');
    try {
      migrate(db, cloudMigrations);
      expect(db.prepare('SELECT COUNT(*) FROM zalo_oa').pluck().get()).toBe(0);
      expect(await new ZaloOaStore(sqliteQueryDatabase(db), new SecretBox(secretKeyFromBase64(newSecretKeyBase64(), 'k'))).statuses()).toEqual([]);
    } finally {
      db.close();
    }
  });
});

import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../../test-support/databases.js';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64 } from '../../secrets/secret-box.js';
import { ZaloFollowers } from './zalo-followers.js';
import { dbNoticeSource } from './zalo-notices.js';
import { ZaloOaStore, type TokenPair } from './zalo-oa-store.js';
import { insertPlaces } from '../../../../test-support/places.js';

/* The Zalo OA and follower stores on both databases: one OA per commune and one for the province, each with its own followers. */

const T0 = Date.UTC(2026, 11, 7, 8);
const far = T0 + 30 * 86_400_000;
const pair = (n: string): TokenPair => ({ accessToken: `at-${n}`, accessExpiresAt: far, refreshToken: `rt-${n}`, refreshExpiresAt: far });
const oa = (n: string, appId = `app-${n}`) => ({ appId, oaId: `oa-${n}`, appSecret: `secret-${n}`, webhookSecret: n === 'tan' ? 'hook-tan' : null, pair: pair(n) });

async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1' }, { code: 'ap-2', name: 'Ấp 2' }] },
    { code: 'vi-thuy', name: 'Vị Thủy', district: 'Vị Thủy', hamlets: [{ code: 'vt-1', name: 'Ấp 1' }] },
  ]);
}

forEachDatabase('the Zalo OA and follower stores', (get) => {
  let now = T0;
  const box = new SecretBox(secretKeyFromBase64(newSecretKeyBase64(), 'test key'));
  const stores = () => ({ store: new ZaloOaStore(get(), box, () => now), followers: new ZaloFollowers(get(), () => now) });

  it('keeps one OA per commune and one for the province, sealed, each reconnect bumping the version', async () => {
    now = T0;
    await seed(get());
    const { store } = stores();
    expect(await store.statuses()).toEqual([]);
    expect(await store.load(null)).toBeNull();
    await store.connect('vi-thuy', oa('thuy', 'shared-app'));
    await store.connect(null, oa('tinh'));
    await store.connect('vi-tan', oa('tan', 'shared-app'));
    expect((await store.statuses()).map((s) => [s.communeCode, s.state, s.oaId, s.webhookSecretSet])).toEqual([
      [null, 'connected', 'oa-tinh', false],
      ['vi-tan', 'connected', 'oa-tan', true],
      ['vi-thuy', 'connected', 'oa-thuy', false],
    ]);
    const tan = (await store.load('vi-tan'))!;
    expect(tan).toMatchObject({ communeCode: 'vi-tan', appSecret: 'secret-tan', accessToken: 'at-tan', refreshToken: 'rt-tan', version: 1, connectedAt: T0 });
    // sealed at rest
    const raw = await get().db.selectFrom('zalo_oa').select(['access_token', 'app_secret']).where('scope', '=', 'vi-tan').executeTakeFirstOrThrow();
    expect(raw.access_token).not.toContain('at-tan');
    expect(raw.app_secret).not.toContain('secret-tan');
    expect((await store.byApp('shared-app')).map((c) => c.communeCode)).toEqual(['vi-thuy', 'vi-tan']);
    now = T0 + 1000;
    await store.connect('vi-tan', { ...oa('tan2', 'shared-app'), webhookSecret: null });
    expect(await store.load('vi-tan')).toMatchObject({ id: tan.id, version: 2, accessToken: 'at-tan2', webhookSecret: null, connectedAt: T0 + 1000, state: 'connected' });
    expect([...(await store.knownScopes())].sort()).toEqual(['', 'vi-tan', 'vi-thuy']);
  });

  it('lets one refresher at a time take the lease, stores its pair only at its version, and marks a refused token', async () => {
    now = T0;
    await seed(get());
    const { store } = stores();
    await store.connect('vi-tan', oa('tan'));
    const a = await store.takeRefreshLease('vi-tan', 1, 30_000);
    expect(a).toBe(2);
    expect(await store.takeRefreshLease('vi-tan', 1, 30_000)).toBeNull(); // the version moved
    expect(await store.takeRefreshLease('vi-tan', 2, 30_000)).toBeNull(); // the lease is held
    expect(await store.storeRefreshed('vi-tan', 1, pair('stale'))).toBe(false);
    expect(await store.storeRefreshed('vi-tan', a!, pair('new'))).toBe(true);
    expect(await store.load('vi-tan')).toMatchObject({ accessToken: 'at-new', version: 3, refreshingUntil: null });
    const b = await store.takeRefreshLease('vi-tan', 3, 30_000);
    await store.releaseLease('vi-tan', b!);
    const c = await store.takeRefreshLease('vi-tan', 5, 30_000);
    expect(c).toBe(6);
    expect(await store.markNeedsReconnect('vi-tan', c!, 'refused')).toBe(true);
    expect(await store.status('vi-tan')).toMatchObject({ state: 'needs_reconnect', reason: 'refused' });
    expect([...(await store.connectedScopes())]).toEqual([]);
    expect(await store.takeRefreshLease('vi-tan', 7, 30_000)).toBeNull(); // not connected
  });

  it("keeps each OA's followers its own, and shows citizens their commune's OA or else the province's", async () => {
    now = T0;
    await seed(get());
    const { store, followers } = stores();
    expect(await followers.subscribe('vi-tan', 'u1', 'ap-1')).toBe(false); // no such OA stored
    await store.connect(null, oa('tinh'));
    expect(await store.connectedOaId('vi-tan')).toBe('oa-tinh');
    await store.connect('vi-tan', oa('tan'));
    expect(await store.connectedOaId('vi-tan')).toBe('oa-tan');
    expect(await store.connectedOaId('vi-thuy')).toBe('oa-tinh');
    expect(await followers.subscribe('vi-tan', 'u1', 'ap-1')).toBe(true);
    expect(await followers.subscribe('vi-tan', 'u1', 'ap-1')).toBe(false); // already
    expect(await followers.subscribe('vi-tan', 'u1', 'ap-2')).toBe(true);
    expect(await followers.subscribe('vi-tan', 'u2', 'ap-2')).toBe(true);
    expect(await followers.subscribe(null, 'u1', 'vt-1')).toBe(true); // the same id with another OA is another person
    expect(await followers.inHamlets('vi-tan', ['ap-1', 'ap-2'])).toEqual(['u1', 'u2']);
    expect(await followers.inHamlets('vi-tan', [])).toEqual([]);
    expect(await followers.inHamlets(null, ['ap-1'])).toEqual([]);
    expect(await followers.hamletsOf('vi-tan', 'u1')).toEqual(['ap-1', 'ap-2']);
    expect(await followers.countsByHamlet('vi-tan')).toEqual({ 'ap-1': 1, 'ap-2': 2 });
    expect(await followers.countsByHamlet(null)).toEqual({ 'vt-1': 1 });
    expect(await followers.unsubscribeAll('vi-tan', 'u1')).toBe(2);
    expect(await followers.hamletsOf('vi-tan', 'u1')).toEqual([]);
    expect(await followers.hamletsOf(null, 'u1')).toEqual(['vt-1']);
  });

  it("reads an alert's and a bulletin's public text for the messages", async () => {
    await seed(get());
    const { db } = get();
    await db.insertInto('audio_assets').values({ sha256: 'b'.repeat(64), bytes: 1, duration_ms: 1000, mime: 'audio/ogg', created_at: T0 }).execute();
    await db
      .insertInto('bulletins')
      .values({ id: 'b1', title: 'Bão số 9', kind: 'tts', text: 'Gia cố nhà cửa.', asset_sha256: 'b'.repeat(64), duration_ms: 1000, loudness_lufs: -16, true_peak_dbtp: -1, created_at: T0 })
      .execute();
    await db
      .insertInto('alerts')
      .values({ id: 'a1', version: 1, title: 'Lũ', text: 'Di dời ngay.', severity: 'extreme', origin: 'json', bulletin_id: 'b1', priority: 'emergency', volume: 90, starts_at: T0, expires_at: T0 + 1, targets: '[]', status: 'active', created_at: T0 })
      .execute();
    const notices = dbNoticeSource(get());
    expect(await notices.alert('a1')).toEqual({ title: 'Lũ', text: 'Di dời ngay.', bulletinId: 'b1' });
    expect(await notices.bulletin('b1')).toEqual({ title: 'Bão số 9', text: 'Gia cố nhà cửa.' });
    expect(await notices.alert('nope')).toBeNull();
  });
});

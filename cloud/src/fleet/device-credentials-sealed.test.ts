import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../test-support/databases.js';
import { insertPlaces } from '../../../test-support/places.js';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64 } from '../secrets/secret-box.js';
import { DeviceCredentials } from './device-credentials.js';

const PLACES = [{ code: 'xa-a', name: 'Xã A', hamlets: [{ code: 'a-1', name: 'Ấp A1', edge: { id: 'edg_s1', status: 'unclaimed' as const } }] }];

forEachDatabase('device credentials sealed for an external broker', (get) => {
  it('reads back the current secret (not the pending one until promoted), never after revocation, and stores it sealed', async () => {
    await insertPlaces(get(), PLACES);
    const box = new SecretBox(secretKeyFromBase64(newSecretKeyBase64(), 'test'));
    const credentials = new DeviceCredentials(get(), box);
    const first = await credentials.issue('edg_s1', null);
    expect(await credentials.secretOf('edg_s1')).toBe(first);
    expect(await credentials.activeAccounts()).toEqual([{ edgeId: 'edg_s1', secret: first }]);
    const row = await get().db.selectFrom('edges').select(['secret_sealed']).where('id', '=', 'edg_s1').executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(first);

    const next = await credentials.stagePending('edg_s1');
    expect(await credentials.secretOf('edg_s1')).toBe(first); // the broker keeps the old one until the box confirms
    await credentials.promotePending('edg_s1');
    expect(await credentials.secretOf('edg_s1')).toBe(next);

    // another key (the configured one was replaced without keeping the old): treated as never sealed
    expect(await new DeviceCredentials(get(), new SecretBox(secretKeyFromBase64(newSecretKeyBase64(), 'other'))).secretOf('edg_s1')).toBeNull();
    // without a SecretBox (embedded broker) nothing reversible is written
    await new DeviceCredentials(get()).issue('edg_s1', null);
    expect(await credentials.secretOf('edg_s1')).toBeNull();

    await credentials.issue('edg_s1', null);
    await credentials.revoke('edg_s1');
    expect(await credentials.secretOf('edg_s1')).toBeNull();
    expect(await credentials.activeAccounts()).toEqual([]);
    const revoked = await get().db.selectFrom('edges').select(['secret_sealed', 'pending_secret_sealed']).where('id', '=', 'edg_s1').executeTakeFirstOrThrow();
    expect(revoked).toEqual({ secret_sealed: null, pending_secret_sealed: null });
  });
});

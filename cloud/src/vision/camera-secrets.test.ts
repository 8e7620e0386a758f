import { expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { forEachDatabase } from '../../../test-support/databases.js';
import { insertPlaces } from '../../../test-support/places.js';
import { racingConnection } from '../../../test-support/second-connection.js';
import type { QueryDatabase } from '../db/query/index.js';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64 } from '../secrets/secret-box.js';
import { sealCameraPasswords } from './camera-secrets.js';

const key = (name: string) => secretKeyFromBase64(newSecretKeyBase64(), name);

const config = (...passwords: (string | undefined)[]) => ({
  telemetryIntervalS: 10,
  surveillance: { cameras: passwords.map((password, i) => ({ id: `cam${i}`, source: { kind: 'rtsp', url: 'rtsp://10.0.0.9/s', ...(password === undefined ? {} : { password }) } })) },
});

async function boxes(q: QueryDatabase, bodies: Record<string, unknown>) {
  await insertPlaces(q, [{ code: 'vi-tan', name: 'Xã Vị Tân', hamlets: Object.keys(bodies).map((id, i) => ({ code: `ap-${i + 1}`, name: `Ấp ${i + 1}`, edge: id })) }]);
  for (const [id, body] of Object.entries(bodies)) {
    await q.db.insertInto('documents').values({ edge_id: id, doc: 'config', version: 3, body: JSON.stringify(body), issued_at: 1 }).execute();
  }
  // another document kind is never touched
  await q.db.insertInto('documents').values({ edge_id: Object.keys(bodies)[0]!, doc: 'schedule', version: 1, body: '{"items":[]}', issued_at: 1 }).execute();
}

const passwordsOf = async (q: QueryDatabase, edgeId: string) => {
  const row = await q.db.selectFrom('documents').select(['body', 'version']).where('edge_id', '=', edgeId).where('doc', '=', 'config').executeTakeFirstOrThrow();
  return { version: row.version, passwords: (JSON.parse(row.body) as ReturnType<typeof config>).surveillance.cameras.map((c) => (c.source as { password?: string }).password) };
};

forEachDatabase("cameras' passwords sealed at start", (get) => {
  it('encrypts clear text and what a previous key sealed, leaves the rest and the version alone, and then has nothing to do', async () => {
    const q = get();
    const [oldKey, newKey] = [key('old'), key('new')];
    const old = new SecretBox(oldKey);
    await boxes(q, { e1: config('Clear-1', undefined), e2: config(old.seal('Sealed-Old')), e3: { telemetryIntervalS: 10 } });
    const box = new SecretBox(newKey, [oldKey]);
    expect(await sealCameraPasswords(q, box, silentLogger())).toBe(2);
    const e1 = await passwordsOf(q, 'e1');
    expect(e1.version).toBe(3); // the box's config did not change
    expect(e1.passwords[1]).toBeUndefined();
    expect(e1.passwords[0]).toMatch(new RegExp(`^enc:v1:${newKey.id}:`));
    expect(box.open(e1.passwords[0]!)).toBe('Clear-1');
    const [e2] = (await passwordsOf(q, 'e2')).passwords;
    expect(e2).toMatch(new RegExp(`^enc:v1:${newKey.id}:`));
    expect(new SecretBox(newKey).open(e2!)).toBe('Sealed-Old'); // the old key is no longer needed
    expect(await q.db.selectFrom('documents').select('body').where('doc', '=', 'schedule').executeTakeFirst()).toEqual({ body: '{"items":[]}' });
    expect(await sealCameraPasswords(q, box, silentLogger())).toBe(0);
  });

  it('throws naming the missing key and changes nothing, not even the documents it could seal', async () => {
    const q = get();
    const stranger = new SecretBox(key('other'));
    const sealedByStranger = stranger.seal('Pass-9');
    await boxes(q, { e1: config('Clear-1'), e2: config(sealedByStranger) });
    const box = new SecretBox(key('current'));
    await expect(sealCameraPasswords(q, box, silentLogger())).rejects.toThrow(`a value was encrypted with key ${stranger.current.id}`);
    expect((await passwordsOf(q, 'e1')).passwords).toEqual(['Clear-1']);
    expect((await passwordsOf(q, 'e2')).passwords).toEqual([sealedByStranger]);
  });

  it('two processes starting at once seal each password once, and both leave it readable', async () => {
    const q = get();
    await boxes(q, { e1: config('Clear-1', 'Clear-2'), e2: config('Clear-3') });
    const box = new SecretBox(key('current'));
    const other = racingConnection(q);
    try {
      const counts = await Promise.all([sealCameraPasswords(q, box, silentLogger()), sealCameraPasswords(other, box, silentLogger())]);
      // every password was sealed by one of them: their counts add up to the three, never more
      expect(counts[0] + counts[1]).toBe(3);
    } finally {
      await other.close();
    }
    const all = [...(await passwordsOf(q, 'e1')).passwords, ...(await passwordsOf(q, 'e2')).passwords];
    expect(all.map((p) => box.open(p!))).toEqual(['Clear-1', 'Clear-2', 'Clear-3']);
  });
});

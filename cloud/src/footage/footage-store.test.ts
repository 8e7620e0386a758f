import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { FootageStore } from './footage-store.js';
import { insertPlaces } from '../../../test-support/places.js';

/** Two communes, a box in a hamlet of each. */
async function seed(q: TestDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: { id: 'e-a', name: 'Tủ A' } }] },
    { code: 'vi-thuy', name: 'Vị Thủy', district: 'Vị Thủy', hamlets: [{ code: 'vt-1', name: 'Ấp Vị Thủy 1', edge: { id: 'e-b', name: 'Tủ B' } }] },
  ]);
}

const ask = (edgeId: string, reason: string) => ({ edgeId, cameraId: 'cong-truong', fromMs: 1000, toMs: 61_000, reason, requestedBy: 'cong-an' });

forEachDatabase('the footage store', (get) => {
  it("stamps a request with its box's commune, lists newest first by commune, box and state", async () => {
    const q = get();
    await seed(q);
    const store = new FootageStore(q);
    const a1 = await store.create(ask('e-a', 'trộm 1'), 10);
    const b1 = await store.create(ask('e-b', 'trộm 2'), 20);
    const a2 = await store.create(ask('e-a', 'trộm 3'), 30);
    // a box the cloud does not know (yet): only the province follows its request
    const loose = await store.create(ask('e-unknown', 'trộm 4'), 40);
    expect(a1).toMatchObject({ edgeId: 'e-a', cameraId: 'cong-truong', fromMs: 1000, toMs: 61_000, reason: 'trộm 1', requestedBy: 'cong-an', communeCode: 'vi-tan', state: 'waiting', incidentId: null, missing: [], held: null, error: null, createdAt: 10, answeredAt: null });
    expect([b1.communeCode, loose.communeCode]).toEqual(['vi-thuy', null]);
    expect(await store.get(b1.id)).toEqual(b1);
    expect(await store.get('ftg_none')).toBeNull();
    const ids = async (f: Parameters<FootageStore['list']>[0]) => (await store.list(f)).map((r) => r.id);
    expect(await ids({})).toEqual([loose.id, a2.id, b1.id, a1.id]);
    expect(await ids({ communeCode: 'vi-tan' })).toEqual([a2.id, a1.id]);
    expect(await ids({ communeCode: 'vi-thuy' })).toEqual([b1.id]);
    expect(await ids({ edgeId: 'e-a', limit: 1 })).toEqual([a2.id]);
    expect(await ids({ state: 'done' })).toEqual([]);
  });

  it("takes a box's answer once, only for its own request, and leaves the box's waiting list", async () => {
    const q = get();
    await seed(q);
    const store = new FootageStore(q);
    const first = await store.create(ask('e-a', 'trộm 1'), 10);
    const second = await store.create(ask('e-a', 'trộm 2'), 20);
    await store.create(ask('e-b', 'trộm 3'), 15);
    expect(await store.waiting('e-a', 10)).toEqual([
      { id: first.id, cameraId: 'cong-truong', fromMs: 1000, toMs: 61_000 },
      { id: second.id, cameraId: 'cong-truong', fromMs: 1000, toMs: 61_000 },
    ]);
    expect((await store.waiting('e-a', 1)).map((w) => w.id)).toEqual([first.id]);

    const answer = { requestId: first.id, outcome: 'partial' as const, incidentId: 'inc_1', missing: [{ fromMs: 1000, toMs: 5000 }], held: { fromMs: 5000, toMs: 90_000 } };
    // another box cannot answer it
    expect(await store.answer('e-b', answer, 50)).toBe(false);
    expect(await store.answer('e-a', answer, 50)).toBe(true);
    // a resent answer changes nothing
    expect(await store.answer('e-a', { ...answer, outcome: 'unavailable', incidentId: null, error: 'gone' }, 60)).toBe(false);
    expect(await store.get(first.id)).toMatchObject({ state: 'partial', incidentId: 'inc_1', missing: [{ fromMs: 1000, toMs: 5000 }], held: { fromMs: 5000, toMs: 90_000 }, error: null, answeredAt: 50 });
    expect((await store.waiting('e-a', 10)).map((w) => w.id)).toEqual([second.id]);
    expect((await store.list({ state: 'partial' })).map((r) => r.id)).toEqual([first.id]);
  });
});

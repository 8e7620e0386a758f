import { expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { forEachDatabase } from '../../../test-support/databases.js';
import { seedCommuneQuery, seedEdgeQuery } from '../communes/testing/seed-query.js';
import { communesOfEdges, KeyRotationStore } from './key-rotation-store.js';

const VI_THUY = { code: 'vi-thuy', name: 'Xã Vị Thủy', district: '', province: 'T', hamlets: [{ code: 'vt-1', name: 'Ấp Vĩnh Phú' }] };
const PROVINCE = { communeCode: null };

forEachDatabase('key rotation store', (get) => {
  async function seed() {
    const q = get();
    await seedCommuneQuery(q, VI_TAN);
    await seedCommuneQuery(q, VI_THUY);
    await seedEdgeQuery(q, 'e1', 'ap-1');
    await seedEdgeQuery(q, 'e2', 'ap-1');
    await seedEdgeQuery(q, 'e3', 'vt-1');
    return new KeyRotationStore(q);
  }
  const message = (sequence: number) => ({ payload: JSON.stringify({ sequence }), signature: { keyId: 'k1', value: 'sig' } });

  it('records a rotation with a pending delivery per box, delivered in sequence order, each commune seeing its own boxes only', async () => {
    const store = await seed();
    const first = await store.create({ sequence: 2, keyIds: ['k1', 'k2'], message: message(2), createdBy: 'admin', communeCode: null, edgeIds: ['e1', 'e2', 'e3'] }, 1000);
    const second = await store.create({ sequence: 3, keyIds: ['k2'], message: message(3), createdBy: 'thuy-admin', communeCode: 'vi-thuy', edgeIds: ['e3'] }, 2000);
    expect(await store.message(first)).toEqual(message(2));
    expect(await store.message('none')).toBeNull();
    expect(await store.pendingFor('e3')).toEqual([
      { rotationId: first, sequence: 2 },
      { rotationId: second, sequence: 3 },
    ]);
    expect(await store.edgesWithPending()).toEqual(['e1', 'e2', 'e3']);

    const all = (await store.find(PROVINCE, first))!;
    expect(all).toMatchObject({ sequence: 2, keyIds: ['k1', 'k2'], createdBy: 'admin', createdAt: 1000, counts: { pending: 3, applied: 0, refused: 0 } });
    expect(all.deliveries.map((d) => [d.edgeId, d.hamletName, d.state, d.attempts])).toEqual([
      ['e1', 'Ấp 1', 'pending', 0],
      ['e2', 'Ấp 1', 'pending', 0],
      ['e3', 'Ấp Vĩnh Phú', 'pending', 0],
    ]);
    // Vị Thủy's people: the province's rotation through their box only; Vị Tân's do not see Vị Thủy's own
    expect((await store.find({ communeCode: 'vi-thuy' }, first))!.deliveries.map((d) => d.edgeId)).toEqual(['e3']);
    expect(await store.find({ communeCode: 'vi-tan' }, second)).toBeNull();
    expect((await store.list({ communeCode: 'vi-tan' })).map((r) => r.id)).toEqual([first]);
    expect((await store.list(PROVINCE)).map((r) => r.id)).toEqual([second, first]);
    expect((await store.list(PROVINCE, 1)).map((r) => r.id)).toEqual([second]);
  });

  it("keeps a box's first answer: a try without answer stays pending, a second answer (another process) is not recorded", async () => {
    const store = await seed();
    const id = await store.create({ sequence: 2, keyIds: ['k1'], message: message(2), createdBy: 'admin', communeCode: null, edgeIds: ['e1', 'e2'] }, 1000);
    await store.attempted(id, 'e1', { code: 'timeout', detail: 'no answer in 15 s' }, 1100);
    await store.attempted(id, 'e1', { code: 'offline', detail: 'not connected' }, 1200);
    expect(await store.answered(id, 'e1', 'applied', null, 'sequence 1 → 2: k1', 1300)).toBe(true);
    expect(await store.answered(id, 'e1', 'refused', 'stale_keys', 'already at 2', 1400)).toBe(false);
    await store.attempted(id, 'e1', { code: 'late', detail: 'ignored once answered' }, 1500);
    // two processes record e2's answer at once: one is kept
    const answers = await Promise.all([store.answered(id, 'e2', 'refused', 'bad_signature', 'x'.repeat(3000), 1600), store.answered(id, 'e2', 'applied', null, 'y', 1600)]);
    expect(answers.filter(Boolean)).toHaveLength(1);

    const rotation = (await store.find(PROVINCE, id))!;
    expect(rotation.deliveries[0]).toMatchObject({ edgeId: 'e1', state: 'applied', code: null, detail: 'sequence 1 → 2: k1', attempts: 3, lastAttemptAt: 1300, answeredAt: 1300 });
    expect(rotation.deliveries[1]!.attempts).toBe(1);
    expect(rotation.deliveries[1]!.detail!.length).toBeLessThanOrEqual(2000);
    expect(await store.pendingFor('e1')).toEqual([]);
    expect(await store.edgesWithPending()).toEqual([]);
  });

  it('names the commune of each box found (through its hamlet)', async () => {
    await seed();
    expect(await communesOfEdges(get(), ['e1', 'e3', 'none'])).toEqual(new Map([
      ['e1', 'vi-tan'],
      ['e3', 'vi-thuy'],
    ]));
  });
});

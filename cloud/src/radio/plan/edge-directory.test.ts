import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { insertPlaces } from '../../../../test-support/places.js';
import { ApiError } from '../../http/errors.js';
import { EdgeDirectory } from './edge-directory.js';

const refusalOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, message: err.message };
    throw err;
  }
  return null;
};

forEachDatabase('where the boxes are (radio edge directory)', (get) => {
  async function province() {
    const q = get();
    await insertPlaces(q, [
      { code: 'vi-tan', name: 'Xã Vị Tân', hamlets: [{ code: 'ap-2', name: 'Ấp 2', edge: 'e2' }, { code: 'ap-1', name: 'Ấp 1', edge: 'e1' }, { code: 'ap-3', name: 'Ấp 3', edge: { id: 'e3', status: 'revoked' } }] },
      { code: 'hoa-luu', name: 'Xã Hỏa Lựu', hamlets: [{ code: 'hl-1', name: 'Thạnh Lợi', edge: { id: 'h1', status: 'unclaimed' } }] },
      { code: 'vi-cu', name: 'Xã cũ' },
    ]);
    await q.db.updateTable('communes').set({ retired_at: 5 }).where('code', '=', 'vi-cu').execute();
    return new EdgeDirectory(q);
  }

  it('lists the placed boxes with their commune, the active ones, and the hamlets in their order', async () => {
    const directory = await province();
    expect(await directory.edges()).toEqual([
      { id: 'e1', hamletCode: 'ap-1', communeCode: 'vi-tan', status: 'active' },
      { id: 'e2', hamletCode: 'ap-2', communeCode: 'vi-tan', status: 'active' },
      { id: 'e3', hamletCode: 'ap-3', communeCode: 'vi-tan', status: 'revoked' },
      { id: 'h1', hamletCode: 'hl-1', communeCode: 'hoa-luu', status: 'unclaimed' },
    ]);
    expect((await directory.activeEdges()).map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(await directory.placedHamlets()).toEqual([
      { code: 'hl-1', name: 'Thạnh Lợi', communeCode: 'hoa-luu' },
      { code: 'ap-2', name: 'Ấp 2', communeCode: 'vi-tan' },
      { code: 'ap-1', name: 'Ấp 1', communeCode: 'vi-tan' },
      { code: 'ap-3', name: 'Ấp 3', communeCode: 'vi-tan' },
    ]);
    expect((await directory.hamlets()).map((h) => h.code)).toHaveLength(4);
    const hamletOf = await directory.hamletOfEdge();
    expect([hamletOf('e1'), hamletOf('h1'), hamletOf('none')]).toEqual(['ap-1', 'hl-1', undefined]);
    const places = await directory.places();
    expect([places.hamletOfEdge('e3'), places.communeOfHamlet('hl-1'), places.communeOfHamlet('zz')]).toEqual(['ap-3', 'hoa-luu', undefined]);
  });

  it('refuses targets naming what does not exist, or (for a commune’s item) what is another commune’s', async () => {
    const directory = await province();
    expect(await refusalOf(directory.assertTargetsExist({ communes: ['vi-tan', 'hoa-luu'] }))).toBeNull();
    expect(await refusalOf(directory.assertTargetsExist({ communes: ['vi-tan', 'vi-cu', 'xx'] }))).toEqual({ status: 400, message: 'unknown commune(s): vi-cu, xx' });
    expect((await refusalOf(directory.assertTargetsExist({ communes: ['vi-tan'] }, 'vi-tan')))?.message).toContain("a commune's item plays in its own commune");
    expect(await refusalOf(directory.assertTargetsExist({ hamlets: ['ap-1', 'hl-1'] }))).toBeNull();
    expect(await refusalOf(directory.assertTargetsExist({ hamlets: ['ap-1', 'hl-1'] }, 'vi-tan'))).toEqual({ status: 400, message: 'unknown hamlet code(s): hl-1' });
    expect(await refusalOf(directory.assertTargetsExist({ edges: ['e1', 'h1'] }, null))).toBeNull();
    expect(await refusalOf(directory.assertTargetsExist({ edges: ['e1', 'h1', 'e0'] }, 'hoa-luu'))).toEqual({ status: 400, message: 'unknown edge box(es): e1, e0' }); // e0: no such box
    expect(await refusalOf(directory.assertTargetsExist({ zones: [{ edgeId: 'e9', zone: 'cho' }, { edgeId: 'e9', zone: 'truong' }] }))).toEqual({ status: 400, message: 'unknown edge box(es): e9' });
    expect(await refusalOf(directory.assertTargetsExist({ all: true }, 'vi-tan'))).toBeNull();
  });
});

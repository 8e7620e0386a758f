import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { insertPlaces } from '../../../../test-support/places.js';
import { ApiError } from '../../http/errors.js';
import { assertMayChangeItem, communeForWrite } from './radio-scope.js';

const refusal = (fn: () => unknown): { status: number; message: string } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('not refused');
};

const refusalOf = async (p: Promise<unknown>): Promise<{ status: number; message: string }> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('not refused');
};

forEachDatabase('whose a new radio item is', (get) => {
  const province = { communeCode: null };
  const ofViTan = { communeCode: 'vi-tan' };
  const setUp = (...more: string[]) => insertPlaces(get(), [{ code: 'vi-tan', name: 'Xã Vị Tân' }, ...more.map((code) => ({ code, name: code }))]);

  it("gives a commune's person's items to their commune, and refuses them another commune or the province", async () => {
    await setUp('vi-thanh');
    const q = get();
    expect(await communeForWrite(q, ofViTan, undefined)).toBe('vi-tan');
    expect(await communeForWrite(q, ofViTan, 'vi-tan')).toBe('vi-tan');
    expect(await refusalOf(communeForWrite(q, ofViTan, 'vi-thanh'))).toEqual({ status: 403, message: 'you belong to commune vi-tan: you cannot write for commune vi-thanh' });
    expect((await refusalOf(communeForWrite(q, ofViTan, null))).message).toContain('cannot write for the province');
  });

  it("keeps a single-commune install's behaviour: its admin writes for the commune unless they ask for the province's own", async () => {
    await setUp();
    const q = get();
    expect(await communeForWrite(q, province, undefined)).toBe('vi-tan');
    expect(await communeForWrite(q, province, null)).toBeNull();
    // a retired commune does not count: with one commune left, it is that one's
    await q.db.insertInto('communes').values({ code: 'vi-cu', name: 'vi-cu', district: 'Huyện', province: 'Tỉnh', retired_at: 1 }).execute();
    expect(await communeForWrite(q, province, undefined)).toBe('vi-tan');
    expect(await refusalOf(communeForWrite(q, province, 'vi-cu'))).toMatchObject({ status: 400, message: 'unknown commune vi-cu' });
  });

  it("makes a province-level person's items the province's own in a province, or a named commune's", async () => {
    await setUp('vi-thanh');
    const q = get();
    expect(await communeForWrite(q, province, undefined)).toBeNull();
    expect(await communeForWrite(q, province, 'vi-thanh')).toBe('vi-thanh');
    expect((await refusalOf(communeForWrite(q, province, 'nowhere'))).status).toBe(400);
  });

  it("answers 404 for another commune's item and 403 naming the province's own", () => {
    expect(() => assertMayChangeItem(ofViTan, 'vi-tan', 'schedule sch_1')).not.toThrow();
    expect(refusal(() => assertMayChangeItem(ofViTan, 'vi-thanh', 'schedule sch_1'))).toEqual({ status: 404, message: 'schedule sch_1 not found' });
    expect(refusal(() => assertMayChangeItem(ofViTan, null, 'schedule sch_1'))).toEqual({ status: 403, message: "schedule sch_1 is the province's: only the province's people may change it" });
    expect(() => assertMayChangeItem(province, null, 'schedule sch_1')).not.toThrow();
    expect(() => assertMayChangeItem(province, 'vi-thanh', 'schedule sch_1')).not.toThrow();
  });
});

import { expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { forEachDatabase } from '../../../test-support/databases.js';
import { seedCommuneQuery, seedEdgeQuery } from '../communes/testing/seed-query.js';
import { ApiError } from '../http/errors.js';
import { BOX_RADIUS_M, HamletPlaces, type LocationInput } from './hamlet-places.js';

/** The ApiError a call refused with, to check its status and message. */
const refusal = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => (err instanceof ApiError ? { status: err.status, message: err.message } : err));

const VI_THUY = { code: 'vi-thuy', name: 'Xã Vị Thủy', district: '', province: 'Tỉnh Hậu Giang', hamlets: [{ code: 'vt-1', name: 'Ấp 1' }, { code: 'vt-2', name: 'Ấp 2' }] };
const ofViThuy = { communeCode: 'vi-thuy' };
const province = { communeCode: null };
const circle = (lat: number, lon: number, radiusM = 600): LocationInput => ({ lat, lon, radiusM, outline: null });

forEachDatabase('HamletPlaces', (get) => {
  const places = async () => {
    await seedCommuneQuery(get(), VI_TAN, 1_000);
    await seedCommuneQuery(get(), VI_THUY, 2_000);
    return new HamletPlaces(get());
  };
  const setBoxAt = (id: string, lat: number, lon: number) => get().db.updateTable('edges').set({ lat, lon }).where('id', '=', id).execute();

  it("lists the hamlets in their usual order, each with its own location or its boxes' as the fallback", async () => {
    const p = await places();
    await seedEdgeQuery(get(), 'e-2', 'vt-1');
    await seedEdgeQuery(get(), 'e-1', 'vt-1');
    await seedEdgeQuery(get(), 'e-gone', 'vt-1', { status: 'revoked' });
    await seedEdgeQuery(get(), 'e-nowhere', 'vt-1');
    await setBoxAt('e-2', 9.79, 105.47);
    await setBoxAt('e-1', 9.78, 105.46);
    await setBoxAt('e-gone', 9.7, 105.4);
    const outline: [number, number][] = [[9.79, 105.42], [9.8, 105.42], [9.8, 105.43]];
    await p.set(new Map([['ap-2', { ...circle(9.7981, 105.4312, 800), outline }]]));

    const all = await p.list();
    expect(all.map((h) => h.code)).toEqual([...VI_TAN.hamlets.map((h) => h.code), 'vt-1', 'vt-2']);
    expect(all.find((h) => h.code === 'ap-2')).toEqual({ code: 'ap-2', name: 'Ấp 2', location: { lat: 9.7981, lon: 105.4312, radiusM: 800, outline }, boxes: [], boxRadiusM: BOX_RADIUS_M });
    // revoked boxes and boxes without coordinates are no fallback; the rest in id order
    expect(all.find((h) => h.code === 'vt-1')).toMatchObject({ location: null, boxes: [{ id: 'e-1', lat: 9.78, lon: 105.46 }, { id: 'e-2', lat: 9.79, lon: 105.47 }] });

    expect((await p.list(ofViThuy)).map((h) => h.code)).toEqual(['vt-1', 'vt-2']);
    expect((await p.list(province, 'vi-thuy')).map((h) => h.code)).toEqual(['vt-1', 'vt-2']);
    expect((await p.get('vt-2', ofViThuy)).code).toBe('vt-2');
    // another commune's hamlet is the same 404 as none
    expect(await refusal(p.get('ap-2', ofViThuy))).toEqual({ status: 404, message: 'hamlet ap-2 not found' });
    expect(await refusal(p.get('ap-99'))).toEqual({ status: 404, message: 'hamlet ap-99 not found' });
  });

  it("sets several locations all or none, refusing another commune's hamlet and a retired one", async () => {
    const p = await places();
    expect(await refusal(p.set(new Map([['vt-1', circle(9.7, 105.4)], ['ap-1', circle(9.8, 105.4)]]), ofViThuy))).toEqual({ status: 404, message: 'hamlet ap-1 not found' });
    expect((await p.get('vt-1')).location).toBeNull();

    await get().db.updateTable('hamlets').set({ retired_at: 5 }).where('code', '=', 'vt-2').execute();
    expect(await refusal(p.set(new Map([['vt-1', circle(9.7, 105.4)], ['vt-2', circle(9.8, 105.4)]])))).toEqual({ status: 404, message: 'hamlet vt-2 not found' });
    expect((await p.get('vt-1')).location).toBeNull();

    await p.set(new Map([['vt-1', circle(9.7, 105.4)]]), ofViThuy);
    expect((await p.get('vt-1')).location).toEqual(circle(9.7, 105.4));
    expect((await p.list()).map((h) => h.code)).not.toContain('vt-2');
  });

  it("names the commune a codes request is about, and keeps one administrative code to one commune", async () => {
    const p = await places();
    expect(await p.communeFor(ofViThuy, undefined)).toBe('vi-thuy');
    expect(await refusal(p.communeFor(ofViThuy, 'vi-tan'))).toEqual({ status: 404, message: 'commune vi-tan not found' });
    expect(await p.communeFor(province, 'vi-tan')).toBe('vi-tan');
    expect(await refusal(p.communeFor(province, 'xa-khong'))).toEqual({ status: 404, message: 'commune xa-khong not found' });
    expect(await refusal(p.communeFor(province, undefined))).toMatchObject({ status: 400 });
    // one commune left in service: it is the one meant
    await get().db.updateTable('communes').set({ retired_at: 9 }).where('code', '=', 'vi-thuy').execute();
    expect(await p.communeFor(province, undefined)).toBe('vi-tan');

    expect(await p.codes('vi-tan')).toEqual({ adminCode: null, provinceAdminCode: null });
    await p.setCodes('vi-tan', { adminCode: '31471', provinceAdminCode: '93' });
    expect(await p.codes('vi-tan')).toEqual({ adminCode: '31471', provinceAdminCode: '93' });
    expect(await refusal(p.setCodes('vi-thuy', { adminCode: '31471', provinceAdminCode: '93' }))).toEqual({ status: 409, message: 'administrative code "31471" is already another commune\'s' });
    expect(await refusal(p.codes('xa-khong'))).toMatchObject({ status: 404 });
  });

  it('gives CAP intake each commune with its hamlets\' shapes, and tells namesakes apart', async () => {
    const p = await places();
    await seedCommuneQuery(get(), { code: 'vi-thuy-2', name: 'Xã Vị  Thủy', district: 'Huyện Khác', province: 'Tỉnh Khác', hamlets: [{ code: 'vt2-1', name: 'Ấp Một' }] }, 3_000);
    await seedEdgeQuery(get(), 'e-1', 'vt-2');
    await setBoxAt('e-1', 9.78, 105.46);
    await p.set(new Map([['vt-1', circle(9.7, 105.4, 700)], ['ap-3', { ...circle(9.8, 105.4), outline: [[9.79, 105.42], [9.8, 105.42], [9.8, 105.43]] }]]));
    await p.setCodes('vi-thuy', { adminCode: '31480', provinceAdminCode: '93' });

    const thuy = await p.communePlaces('vi-thuy');
    expect(thuy).toEqual([
      {
        name: 'Xã Vị Thủy',
        district: '',
        province: 'Tỉnh Hậu Giang',
        adminCode: '31480',
        provinceAdminCode: '93',
        nameShared: true,
        hamlets: [
          { code: 'vt-1', name: 'Ấp 1', shapes: [{ kind: 'circle', centre: [9.7, 105.4], radiusM: 700 }] },
          { code: 'vt-2', name: 'Ấp 2', shapes: [{ kind: 'circle', centre: [9.78, 105.46], radiusM: BOX_RADIUS_M }] },
        ],
      },
    ]);
    const every = await p.communePlaces(null);
    expect(every.map((c) => [c.name, c.nameShared, c.hamlets.length])).toEqual([
      ['Xã Vị Tân', false, VI_TAN.hamlets.length],
      ['Xã Vị Thủy', true, 2],
      ['Xã Vị  Thủy', true, 1],
    ]);
    const tan = every[0]!;
    expect(tan.hamlets.find((h) => h.code === 'ap-3')?.shapes).toEqual([{ kind: 'polygon', ring: [[9.79, 105.42], [9.8, 105.42], [9.8, 105.43]] }]);
    expect(tan.hamlets.find((h) => h.code === 'ap-1')?.shapes).toBeNull();

    // without a code: the first commune added
    expect(await p.place()).toMatchObject({ name: 'Xã Vị Tân', adminCode: null, hamlets: expect.arrayContaining([{ code: 'ap-1', name: 'Ấp 1', shapes: null }]) });
    expect((await p.place('vi-thuy')).hamlets.map((h) => h.code)).toEqual(['vt-1', 'vt-2']);
    expect(await p.place('xa-khong')).toEqual({ name: '', district: '', province: '', adminCode: null, provinceAdminCode: null, hamlets: [] });
  });
});

import { expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { forEachDatabase } from '../../../test-support/databases.js';
import { ApiError } from '../http/errors.js';
import { CommuneStore } from './commune-store.js';
import { seedCommuneQuery, seedEdgeQuery } from './testing/seed-query.js';

/** The ApiError a call refused with, to check its status and message. */
const refusal = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => (err instanceof ApiError ? { status: err.status, message: err.message } : err));

forEachDatabase('CommuneStore', (get) => {
  const store = async () => {
    await seedCommuneQuery(get(), VI_TAN, 1_000);
    return new CommuneStore(get());
  };

  it('creates a commune with its hamlets, counts hamlets and boxes (online ones), and refuses a taken code', async () => {
    const communes = await store();
    const created = await communes.create({ code: 'hoa-luu', name: 'Xã Hỏa Lựu', province: 'Thành phố Cần Thơ', adminCode: '31321' }, [{ name: 'Ấp Thạnh Hòa' }, { code: 'hl-2', name: 'Ấp 2' }]);
    expect(created).toMatchObject({ code: 'hoa-luu', district: '', adminCode: '31321', provinceAdminCode: null, retiredAt: null, hamlets: 2, edges: 0, online: 0 });
    expect((await communes.hamlets('hoa-luu')).map((h) => [h.code, h.position])).toEqual([['hoa-luu-ap-thanh-hoa', 0], ['hl-2', 1]]);

    await seedEdgeQuery(get(), 'e1', 'hl-2', { online: true });
    await seedEdgeQuery(get(), 'e2', 'hl-2');
    await seedEdgeQuery(get(), 'e3', 'hl-2', { online: true, status: 'revoked' });
    expect(await communes.get('hoa-luu')).toMatchObject({ hamlets: 2, edges: 2, online: 1 });
    expect(await communes.hamlet('hl-2')).toEqual({ code: 'hl-2', communeCode: 'hoa-luu', name: 'Ấp 2', position: 1, retiredAt: null, edges: 2, online: 1 });
    // the install's own first (oldest), then the new one
    expect((await communes.list()).map((c) => c.code)).toEqual(['vi-tan', 'hoa-luu']);

    expect(await refusal(communes.create({ code: 'hoa-luu', name: 'X', province: 'T' }))).toEqual({ status: 409, message: 'commune code "hoa-luu" is already taken' });
    expect(await refusal(communes.create({ code: 'xa-b', name: 'X', province: 'T', adminCode: '31321' }))).toEqual({ status: 409, message: 'administrative code "31321" is already another commune\'s' });
  });

  it('leaves no half-made commune when one of its hamlet codes is taken', async () => {
    const communes = await store();
    const taken = await refusal(communes.create({ code: 'xa-moi', name: 'Xã Mới', province: 'T' }, [{ code: 'xa-moi-1', name: 'Ấp Một' }, { code: 'ap-1', name: 'Ấp 1' }]));
    expect(taken).toEqual({ status: 409, message: 'hamlet code "ap-1" is already taken in the province' });
    const twice = await refusal(communes.create({ code: 'xa-moi', name: 'Xã Mới', province: 'T' }, [{ name: 'Ấp Một' }, { name: 'Ấp  Một' }]));
    expect(twice).toMatchObject({ status: 409 });
    expect(await communes.exists('xa-moi')).toBe(false);
    expect(await get().db.selectFrom('hamlets').select('code').where('commune_code', '=', 'xa-moi').execute()).toEqual([]);
  });

  it('renames, sets codes, retires and restores a commune; refuses retiring one with a box online', async () => {
    const communes = await store();
    await communes.create({ code: 'xa-a', name: 'Xã A', province: 'T', adminCode: '1' }, [{ code: 'a-1', name: 'Ấp 1' }]);
    expect(await communes.update('vi-tan', { name: 'Xã Vị Tân Mới', adminCode: '31471', provinceAdminCode: '93' })).toMatchObject({ name: 'Xã Vị Tân Mới', adminCode: '31471', provinceAdminCode: '93', retiredAt: null });
    expect(await refusal(communes.update('vi-tan', { adminCode: '1' }))).toEqual({ status: 409, message: 'administrative code "1" is already another commune\'s' });
    expect(await refusal(communes.update('none', { name: 'X' }))).toMatchObject({ status: 404 });

    await seedEdgeQuery(get(), 'e1', 'a-1', { online: true });
    expect(await refusal(communes.update('xa-a', { retired: true }))).toEqual({ status: 409, message: 'commune xa-a has 1 box online: revoke or move it to another hamlet before retiring' });
    await get().db.updateTable('edge_state').set({ online: 0 }).execute();
    const retired = await communes.update('xa-a', { retired: true });
    expect(retired.retiredAt).toEqual(expect.any(Number));
    // retired last; hidden from the active ones and from assertActive
    expect((await communes.list()).map((c) => c.code)).toEqual(['vi-tan', 'xa-a']);
    expect((await communes.list({ includeRetired: false })).map((c) => c.code)).toEqual(['vi-tan']);
    expect(await refusal(communes.assertActive('xa-a'))).toEqual({ status: 400, message: 'communeCode: commune "xa-a" is retired' });
    expect(await refusal(communes.assertActive('none', 'commune'))).toEqual({ status: 400, message: 'commune: no commune "none"' });
    expect(await refusal(communes.addHamlet('xa-a', { name: 'Ấp 2' }))).toMatchObject({ status: 409 });
    // retiring again keeps the first date; restoring clears it
    expect((await communes.update('xa-a', { retired: true })).retiredAt).toBe(retired.retiredAt);
    expect((await communes.update('xa-a', { retired: false })).retiredAt).toBeNull();
    expect((await communes.assertActive('xa-a')).code).toBe('xa-a');
  });

  it('adds hamlets at the end, renames, retires and reorders them', async () => {
    const communes = await store();
    const added = await communes.addHamlet('vi-tan', { name: 'Ấp Mới' });
    expect(added).toMatchObject({ code: 'vi-tan-ap-moi', communeCode: 'vi-tan', position: VI_TAN.hamlets.length });
    expect(await refusal(communes.addHamlet('vi-tan', { code: 'ap-1', name: 'X' }))).toEqual({ status: 409, message: 'hamlet code "ap-1" is already taken in the province' });
    expect(await refusal(communes.addHamlet('vi-tan', { name: 'Ấp Mới' }))).toEqual({ status: 409, message: 'hamlet code "vi-tan-ap-moi" is already taken in the province: give the hamlet a code of its own' });
    expect(await communes.updateHamlet('vi-tan-ap-moi', { name: 'Ấp Mới Đông' })).toMatchObject({ name: 'Ấp Mới Đông', retiredAt: null });
    expect((await communes.updateHamlet('vi-tan-ap-moi', { retired: true })).retiredAt).toEqual(expect.any(Number));

    const codes = (await communes.hamlets('vi-tan')).map((h) => h.code);
    const reversed = [...codes].reverse();
    expect((await communes.reorder('vi-tan', reversed)).map((h) => h.code)).toEqual(reversed);
    expect(await refusal(communes.reorder('vi-tan', [...reversed.slice(1), 'x']))).toMatchObject({ status: 400, message: expect.stringContaining('"x" is not a hamlet of vi-tan') });
    expect((await communes.hamlets('vi-tan', { includeRetired: false })).map((h) => h.code)).not.toContain('vi-tan-ap-moi');
  });

  it('gives the public read side: communes in service by Vietnamese name, one by code, the single one, a commune\'s hamlets in service', async () => {
    const communes = await store();
    expect(await communes.single()).toEqual({ code: 'vi-tan', name: VI_TAN.name, district: VI_TAN.district, province: VI_TAN.province, retiredAt: null });
    await communes.create({ code: 'dong-thanh', name: 'Xã Đông Thạnh', province: 'T' });
    await communes.create({ code: 'an-binh', name: 'Xã An Bình', province: 'T' });
    expect(await communes.single()).toBeNull();
    await communes.update('an-binh', { retired: true });
    // "Đ" sorts after "D" and before "V" in Vietnamese
    expect((await communes.active()).map((c) => c.code)).toEqual(['dong-thanh', 'vi-tan']);
    expect(await communes.find('an-binh')).toMatchObject({ code: 'an-binh', retiredAt: expect.any(Number) });
    expect(await communes.find('none')).toBeNull();
    await communes.updateHamlet('ap-2', { retired: true });
    expect((await communes.hamletsOf('vi-tan')).map((h) => h.code)).toEqual(VI_TAN.hamlets.map((h) => h.code).filter((c) => c !== 'ap-2'));
    expect(await communes.hamletsOf('dong-thanh')).toEqual([]);
  });
});

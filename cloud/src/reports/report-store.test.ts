import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import type { NewReport } from './report-schemas.js';
import { ReportStore, type ReportFilter, type ReportRecord } from './report-store.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

/** Two communes (the second retired), two hamlets in the first, one in the second, and an officer. */
async function seed({ db }: TestDatabase) {
  await db.insertInto('communes').values([
    { code: 'vi-tan', name: 'Vị Tân', district: 'Vị Thanh', province: 'Hậu Giang' },
    { code: 'vi-thuy', name: 'Vị Thủy', district: 'Vị Thủy', province: 'Hậu Giang', retired_at: T0 },
  ]).execute();
  await db.insertInto('hamlets').values([
    { code: 'ap-1', commune_code: 'vi-tan', name: 'Ấp 1', position: 1 },
    { code: 'ap-2', commune_code: 'vi-tan', name: 'Ấp 2', position: 2 },
    { code: 'vt-1', commune_code: 'vi-thuy', name: 'Ấp Vị Thủy 1', position: 1 },
  ]).execute();
  await db.insertInto('users').values({ id: 'usr_police', username: 'cong-an', display_name: 'Công an xã', password_hash: 'x', role: 'police', created_at: T0, updated_at: T0 }).execute();
}

const report = (hamlet: string, category: NewReport['category'] = 'trom-cap', more: Partial<NewReport> = {}): NewReport => ({ category, description: `Mất xe máy ở ${hamlet}, đêm qua`, hamlet, ...more });

forEachDatabase('the report store', (get) => {
  it("stores a report with its hamlet's commune and a tracking code, finds it by code, knows a hamlet's commune", async () => {
    const q = get();
    await seed(q);
    const store = new ReportStore(q);
    const stored = await store.insert(report('ap-2', 'trom-cap', { lat: 9.78, lon: 105.47, phone: '0912345678' }), { sha256: 'a'.repeat(64), bytes: 1234 }, T0);
    expect(stored).toMatchObject({ category: 'trom-cap', hamletCode: 'ap-2', hamletName: 'Ấp 2', communeCode: 'vi-tan', lat: 9.78, lon: 105.47, phone: '0912345678', photo: { sha256: 'a'.repeat(64), bytes: 1234 }, status: 'new', publicReply: null, repliedAt: null, handledBy: null, createdAt: T0, updatedAt: T0 });
    expect(await store.find(stored.code)).toEqual(stored);
    expect(await store.find('ZZZZZZZZ')).toBeNull();
    await expect(store.byCode('ZZZZZZZZ')).rejects.toThrow('report ZZZZZZZZ not found');
    const other = await store.insert(report('vt-1'), null, T0);
    expect([other.communeCode, other.photo, other.code === stored.code]).toEqual(['vi-thuy', null, false]);
    expect(await store.communeOfHamlet('ap-1')).toEqual({ communeCode: 'vi-tan', retired: false });
    expect(await store.communeOfHamlet('vt-1')).toEqual({ communeCode: 'vi-thuy', retired: true });
    expect(await store.communeOfHamlet('ap-9')).toBeNull();
  });

  it('pages by commune, status, hamlet, category and time, newest first, with the filter’s total', async () => {
    const q = get();
    await seed(q);
    const store = new ReportStore(q);
    const all: ReportRecord[] = [];
    for (let i = 0; i < 12; i++) {
      const hamlet = ['ap-1', 'ap-2', 'vt-1'][i % 3]!;
      all.push(await store.insert(report(hamlet, i % 4 === 0 ? 'gay-roi' : 'trom-cap'), null, T0 + i * DAY));
    }
    await store.update(all[1]!.code, { status: 'in_progress' }, 'usr_police', T0 + 20 * DAY);
    await store.update(all[4]!.code, { status: 'in_progress' }, 'usr_police', T0 + 20 * DAY);
    const codes = async (f: ReportFilter, limit = 100, offset = 0) => {
      const page = await store.page(f, limit, offset);
      return { codes: page.items.map((r) => r.code), total: page.total };
    };
    const newest = (xs: typeof all) => [...xs].sort((a, b) => b.createdAt - a.createdAt).map((r) => r.code);
    const viTan = all.filter((r) => r.communeCode === 'vi-tan');
    expect(await codes({})).toEqual({ codes: newest(all), total: 12 });
    expect(await codes({ communeCode: 'vi-tan' })).toEqual({ codes: newest(viTan), total: 8 });
    expect(await codes({ communeCode: 'vi-tan', status: 'in_progress' })).toEqual({ codes: newest([all[1]!, all[4]!]), total: 2 });
    expect(await codes({ communeCode: 'vi-thuy', status: 'in_progress' })).toEqual({ codes: [], total: 0 });
    expect(await codes({ hamletCode: 'ap-2' })).toEqual({ codes: newest(all.filter((r) => r.hamletCode === 'ap-2')), total: 4 });
    const env = viTan.filter((r) => r.category === 'gay-roi');
    expect(await codes({ communeCode: 'vi-tan', category: 'gay-roi' })).toEqual({ codes: newest(env), total: env.length });
    const inRange = viTan.filter((r) => r.createdAt >= T0 + 2 * DAY && r.createdAt < T0 + 7 * DAY);
    expect(await codes({ communeCode: 'vi-tan', from: T0 + 2 * DAY, to: T0 + 7 * DAY })).toEqual({ codes: newest(inRange), total: inRange.length });
    const pages = [await codes({ communeCode: 'vi-tan' }, 3, 0), await codes({ communeCode: 'vi-tan' }, 3, 3), await codes({ communeCode: 'vi-tan' }, 3, 6)];
    expect(pages.map((p) => p.total)).toEqual([8, 8, 8]);
    expect(pages.flatMap((p) => p.codes)).toEqual(newest(viTan));
  });

  it('changes only what is given; the reply’s time moves only when its text does', async () => {
    const q = get();
    await seed(q);
    const store = new ReportStore(q);
    const { code } = await store.insert(report('ap-1'), null, T0);
    const replied = await store.update(code, { status: 'in_progress', publicReply: 'Công an xã đã tiếp nhận' }, 'usr_police', T0 + 1000);
    expect(replied).toMatchObject({ status: 'in_progress', publicReply: 'Công an xã đã tiếp nhận', repliedAt: T0 + 1000, handledBy: 'usr_police', updatedAt: T0 + 1000 });
    // the status alone: the reply and its time stay
    expect(await store.update(code, { status: 'resolved' }, 'usr_police', T0 + 2000)).toMatchObject({ status: 'resolved', publicReply: 'Công an xã đã tiếp nhận', repliedAt: T0 + 1000, updatedAt: T0 + 2000 });
    // the same reply again: its time stays
    expect(await store.update(code, { publicReply: 'Công an xã đã tiếp nhận' }, 'usr_police', T0 + 3000)).toMatchObject({ status: 'resolved', repliedAt: T0 + 1000, updatedAt: T0 + 3000 });
    // a new text, then none: each moves the time
    expect(await store.update(code, { publicReply: 'Đã tìm thấy xe' }, 'usr_police', T0 + 4000)).toMatchObject({ publicReply: 'Đã tìm thấy xe', repliedAt: T0 + 4000 });
    expect(await store.update(code, { publicReply: null }, 'usr_police', T0 + 5000)).toMatchObject({ publicReply: null, repliedAt: T0 + 5000 });
    // no reply, and none again: the time stays
    expect(await store.update(code, { publicReply: null }, 'usr_police', T0 + 6000)).toMatchObject({ publicReply: null, repliedAt: T0 + 5000 });
    await expect(store.update('ZZZZZZZZ', { status: 'resolved' }, 'usr_police')).rejects.toThrow('report ZZZZZZZZ not found');
  });
});

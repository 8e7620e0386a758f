import { InsertQueryNode, type KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { forEachDatabase } from '../../../test-support/databases.js';
import { seedCommuneQuery } from './testing/seed-query.js';
import { importCommunes, MAX_IMPORT_BYTES } from './commune-import.js';
import { communeCodeFor, hamletCodeFor, slugOf } from './codes.js';

const HEADER = 'commune_code,commune_name,commune_admin_code,province,province_admin_code,hamlet_code,hamlet_name';
const csv = (...rows: string[]) => `\uFEFF${[HEADER, ...rows].join('\r\n')}\r\n`;

const GOOD = csv(
  ',Xã Hỏa Lựu,31321,Thành phố Cần Thơ,92,,Ấp Thạnh Hòa',
  ',Xã Hỏa Lựu,31321,Thành phố Cần Thơ,92,,Ấp Mỹ Hiệp',
  'tan-tien,Xã Tân Tiến,31324,Thành phố Cần Thơ,92,tt-1,"Ấp 1, khu A"',
  'tan-tien,Xã Tân Tiến,31324,Thành phố Cần Thơ,92,,',
);

describe('codes', () => {
  it('makes ASCII codes of Vietnamese names', () => {
    expect(slugOf('Ấp Mới Đông')).toBe('ap-moi-dong');
    expect(communeCodeFor('Xã Vị Tân')).toBe('vi-tan');
    expect(communeCodeFor('Phường Đại Thành')).toBe('dai-thanh');
    expect(hamletCodeFor('hoa-luu', 'Ấp Thạnh Hòa')).toBe('hoa-luu-ap-thanh-hoa');
    expect(hamletCodeFor('a'.repeat(30), 'Ấp 1').length).toBeLessThanOrEqual(32);
  });
});

forEachDatabase('importCommunes', (get) => {
  // every test starts from the single-commune install: Vị Tân and its hamlets
  const ready = async () => {
    await seedCommuneQuery(get(), VI_TAN);
    return get();
  };
  const communes = () => get().db.selectFrom('communes').select(['code', 'name', 'admin_code', 'province_admin_code']).orderBy('code').execute();
  const hamletsOf = (code: string) => get().db.selectFrom('hamlets').select(['code', 'name']).where('commune_code', '=', code).orderBy('position').execute();
  const hamletCount = async () => (await get().db.selectFrom('hamlets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  it('adds communes and hamlets with their official codes, naming codes left empty', async () => {
    const db = await ready();
    const result = await importCommunes(db, GOOD);
    expect(result).toEqual({
      ok: true,
      summary: {
        communes: { created: ['hoa-luu', 'tan-tien'], updated: [], unchanged: 0 },
        hamlets: { created: ['hoa-luu-ap-thanh-hoa', 'hoa-luu-ap-my-hiep', 'tt-1'], updated: [], unchanged: 0 },
      },
    });
    expect(await communes()).toContainEqual({ code: 'hoa-luu', name: 'Xã Hỏa Lựu', admin_code: '31321', province_admin_code: '92' });
    expect(await hamletsOf('hoa-luu')).toEqual([
      { code: 'hoa-luu-ap-thanh-hoa', name: 'Ấp Thạnh Hòa' },
      { code: 'hoa-luu-ap-my-hiep', name: 'Ấp Mỹ Hiệp' },
    ]);
    expect(await hamletsOf('tan-tien')).toEqual([{ code: 'tt-1', name: 'Ấp 1, khu A' }]);
  });

  it('changes nothing when the same file comes again; a corrected one updates names and adds what is new', async () => {
    const db = await ready();
    await importCommunes(db, GOOD);
    const before = { communes: await communes(), hamlets: await hamletsOf('hoa-luu') };
    expect(await importCommunes(db, GOOD)).toEqual({
      ok: true,
      summary: { communes: { created: [], updated: [], unchanged: 2 }, hamlets: { created: [], updated: [], unchanged: 3 } },
    });
    expect({ communes: await communes(), hamlets: await hamletsOf('hoa-luu') }).toEqual(before);

    // the commune found again by its official code though its name changed; a hamlet by its code
    const corrected = csv(',Xã Hoả Lựu,31321,Thành phố Cần Thơ,92,hoa-luu-ap-my-hiep,Ấp Mỹ Hiệp Mới', ',Xã Hoả Lựu,31321,Thành phố Cần Thơ,92,,Ấp Thạnh Hòa', ',Xã Hoả Lựu,31321,Thành phố Cần Thơ,92,,Ấp Mới');
    const again = await importCommunes(db, corrected);
    expect(again).toEqual({
      ok: true,
      summary: { communes: { created: [], updated: ['hoa-luu'], unchanged: 0 }, hamlets: { created: ['hoa-luu-ap-moi'], updated: ['hoa-luu-ap-my-hiep'], unchanged: 1 } },
    });
    expect((await hamletsOf('hoa-luu')).map((h: any) => h.name)).toEqual(['Ấp Thạnh Hòa', 'Ấp Mỹ Hiệp Mới', 'Ấp Mới']);
  });

  it('reads decomposed Vietnamese (as some systems save it) as the same names', async () => {
    const db = await ready();
    await importCommunes(db, GOOD);
    expect(await importCommunes(db, GOOD.normalize('NFD'))).toMatchObject({ ok: true, summary: { communes: { created: [], updated: [] }, hamlets: { created: [], updated: [] } } });
  });

  it('names every bad row (line, column, what) and imports nothing', async () => {
    const db = await ready();
    const before = { communes: await communes(), hamlets: await hamletCount() };
    const result = await importCommunes(
      db,
      csv(
        ',Xã Hỏa Lựu,31321,Thành phố Cần Thơ,92,,Ấp Thạnh Hòa',
        'Bad Code,Xã Sai,31322,Thành phố Cần Thơ,92,,Ấp 1',
        ',,31323,Thành phố Cần Thơ,92,,Ấp 1',
        ',Xã Trường Long,3x,Thành phố Cần Thơ,92,,Ấp 1',
        ',Xã Khác,31321,Thành phố Cần Thơ,92,,Ấp 2',
        ',Xã Hỏa Lựu,31321,Thành phố Cần Thơ,92,,Ấp Thạnh Hòa',
        ',Xã Nhơn Ái,31330,Thành phố Cần Thơ,92,ap-1,Ấp Một',
      ),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      { line: 3, column: 'commune_code', message: '"Bad Code" must be 1-32 lower-case letters, digits or "-", starting with a letter or digit' },
      { line: 4, column: 'commune_name', message: 'required' },
      { line: 5, column: 'commune_admin_code', message: '"3x": digits only (mã đơn vị hành chính)' },
      { line: 6, column: 'commune_admin_code', message: '31321 is also commune hoa-luu\'s on line 2' },
      { line: 7, column: 'hamlet_name', message: 'hamlet hoa-luu-ap-thanh-hoa is also on line 2' },
      { line: 8, column: 'hamlet_code', message: 'hamlet code "ap-1" is already commune vi-tan\'s (Ấp 1)' },
    ]);
    expect({ communes: await communes(), hamlets: await hamletCount() }).toEqual(before);
  });

  it('refuses a file without the required columns, with unknown ones, too large or not UTF-8', async () => {
    const db = await ready();
    expect(await importCommunes(db, 'commune_name,hamlet_name,notes\nXã A,Ấp 1,x\n')).toEqual({
      ok: false,
      problems: [
        { line: 1, column: null, message: 'unknown column "notes" (the columns are commune_code, commune_name, commune_admin_code, province, province_admin_code, hamlet_code, hamlet_name)' },
        { line: 1, column: 'province', message: 'this column is required in the header row' },
      ],
    });
    expect(await importCommunes(db, `${HEADER}\n${',Xã A,,Tỉnh B,,,Ấp 1\n'.repeat(MAX_IMPORT_BYTES / 20)}`)).toMatchObject({ ok: false, problems: [{ line: 1, message: expect.stringContaining('larger than') }] });
    expect(await importCommunes(db, `${HEADER}\n,X\uFFFD,,T,,,\n`)).toMatchObject({ ok: false, problems: [{ message: expect.stringContaining('not UTF-8') }] });
    expect(await importCommunes(db, `${HEADER}\n`)).toMatchObject({ ok: false, problems: [{ message: 'the file has no rows after the header' }] });
  });

  it('rolls the whole file back when a write fails part-way (the third hamlet): nothing of it stays', async () => {
    const db = await ready();
    const before = { communes: await communes(), hamlets: await hamletCount() };
    let hamletInserts = 0;
    // a failure injected where the writes are already under way: communes and two hamlets written
    const failing: KyselyPlugin = {
      transformQuery({ node }) {
        if (InsertQueryNode.is(node) && node.into?.table.identifier.name === 'hamlets' && ++hamletInserts === 3) throw new Error('disk full (injected)');
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    await expect(importCommunes({ ...db, db: db.db.withPlugin(failing) }, GOOD)).rejects.toThrow('disk full (injected)');
    expect(hamletInserts).toBe(3);
    expect({ communes: await communes(), hamlets: await hamletCount() }).toEqual(before);
    // and the same file imports whole afterwards
    expect(await importCommunes(db, GOOD)).toMatchObject({ ok: true, summary: { communes: { created: ['hoa-luu', 'tan-tien'] } } });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCloudDatabase, type Db } from '../db/database.js';
import { seedCommune } from '../hamlets/hamlets.js';
import { VI_TAN } from '@smart-commune/shared';
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

describe('importCommunes', () => {
  let db: Db;
  beforeEach(() => {
    db = openCloudDatabase(':memory:');
    seedCommune(db, VI_TAN);
  });
  afterEach(() => db.close());

  const communes = () => db.prepare('SELECT code, name, admin_code, province_admin_code FROM communes ORDER BY code').all();
  const hamletsOf = (code: string) => db.prepare('SELECT code, name FROM hamlets WHERE commune_code = ? ORDER BY position').all(code);

  it('adds communes and hamlets with their official codes, naming codes left empty', () => {
    const result = importCommunes(db, GOOD);
    expect(result).toEqual({
      ok: true,
      summary: {
        communes: { created: ['hoa-luu', 'tan-tien'], updated: [], unchanged: 0 },
        hamlets: { created: ['hoa-luu-ap-thanh-hoa', 'hoa-luu-ap-my-hiep', 'tt-1'], updated: [], unchanged: 0 },
      },
    });
    expect(communes()).toContainEqual({ code: 'hoa-luu', name: 'Xã Hỏa Lựu', admin_code: '31321', province_admin_code: '92' });
    expect(hamletsOf('hoa-luu')).toEqual([
      { code: 'hoa-luu-ap-thanh-hoa', name: 'Ấp Thạnh Hòa' },
      { code: 'hoa-luu-ap-my-hiep', name: 'Ấp Mỹ Hiệp' },
    ]);
    expect(hamletsOf('tan-tien')).toEqual([{ code: 'tt-1', name: 'Ấp 1, khu A' }]);
  });

  it('changes nothing when the same file comes again; a corrected one updates names and adds what is new', () => {
    importCommunes(db, GOOD);
    const before = { communes: communes(), hamlets: hamletsOf('hoa-luu') };
    expect(importCommunes(db, GOOD)).toEqual({
      ok: true,
      summary: { communes: { created: [], updated: [], unchanged: 2 }, hamlets: { created: [], updated: [], unchanged: 3 } },
    });
    expect({ communes: communes(), hamlets: hamletsOf('hoa-luu') }).toEqual(before);

    // the commune found again by its official code though its name changed; a hamlet by its code
    const corrected = csv(',Xã Hoả Lựu,31321,Thành phố Cần Thơ,92,hoa-luu-ap-my-hiep,Ấp Mỹ Hiệp Mới', ',Xã Hoả Lựu,31321,Thành phố Cần Thơ,92,,Ấp Thạnh Hòa', ',Xã Hoả Lựu,31321,Thành phố Cần Thơ,92,,Ấp Mới');
    const again = importCommunes(db, corrected);
    expect(again).toEqual({
      ok: true,
      summary: { communes: { created: [], updated: ['hoa-luu'], unchanged: 0 }, hamlets: { created: ['hoa-luu-ap-moi'], updated: ['hoa-luu-ap-my-hiep'], unchanged: 1 } },
    });
    expect(hamletsOf('hoa-luu').map((h: any) => h.name)).toEqual(['Ấp Thạnh Hòa', 'Ấp Mỹ Hiệp Mới', 'Ấp Mới']);
  });

  it('reads decomposed Vietnamese (as some systems save it) as the same names', () => {
    importCommunes(db, GOOD);
    expect(importCommunes(db, GOOD.normalize('NFD'))).toMatchObject({ ok: true, summary: { communes: { created: [], updated: [] }, hamlets: { created: [], updated: [] } } });
  });

  it('names every bad row (line, column, what) and imports nothing', () => {
    const before = { communes: communes(), hamlets: db.prepare('SELECT COUNT(*) AS n FROM hamlets').get() };
    const result = importCommunes(
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
    expect({ communes: communes(), hamlets: db.prepare('SELECT COUNT(*) AS n FROM hamlets').get() }).toEqual(before);
  });

  it('refuses a file without the required columns, with unknown ones, too large or not UTF-8', () => {
    expect(importCommunes(db, 'commune_name,hamlet_name,notes\nXã A,Ấp 1,x\n')).toEqual({
      ok: false,
      problems: [
        { line: 1, column: null, message: 'unknown column "notes" (the columns are commune_code, commune_name, commune_admin_code, province, province_admin_code, hamlet_code, hamlet_name)' },
        { line: 1, column: 'province', message: 'this column is required in the header row' },
      ],
    });
    expect(importCommunes(db, `${HEADER}\n${',Xã A,,Tỉnh B,,,Ấp 1\n'.repeat(MAX_IMPORT_BYTES / 20)}`)).toMatchObject({ ok: false, problems: [{ line: 1, message: expect.stringContaining('larger than') }] });
    expect(importCommunes(db, `${HEADER}\n,X\uFFFD,,T,,,\n`)).toMatchObject({ ok: false, problems: [{ message: expect.stringContaining('not UTF-8') }] });
    expect(importCommunes(db, `${HEADER}\n`)).toMatchObject({ ok: false, problems: [{ message: 'the file has no rows after the header' }] });
  });
});

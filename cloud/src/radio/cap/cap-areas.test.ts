import { describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { evaluateAreas, evaluateAreasIn, type CommunePlace } from './cap-areas.js';
import type { LatLon } from './cap-geography.js';
import type { CapArea } from './cap-parser.js';

/** A test layout (not the real map): the nine hamlets 2 km apart west to east along 9.8° N, each a 600 m circle. */
const centreOf = (i: number): LatLon => [9.8, 105.4 + (i * 2000) / 109_706];
const located = (codes = { adminCode: null as string | null, provinceAdminCode: null as string | null }): CommunePlace => ({
  name: VI_TAN.name,
  district: VI_TAN.district,
  province: VI_TAN.province,
  ...codes,
  hamlets: VI_TAN.hamlets.map((h, i) => ({ ...h, shapes: [{ kind: 'circle' as const, centre: centreOf(i), radiusM: 600 }] })),
});
const unlocated: CommunePlace = { ...located(), hamlets: VI_TAN.hamlets.map((h) => ({ ...h, shapes: null })) };
const area = (areaDesc: string, more: Partial<CapArea> = {}): CapArea => ({ areaDesc, polygons: [], circles: [], geocodes: [], ...more });
const hamlets = (...codes: string[]) => ({ evaluable: true, targets: { all: false, hamlets: codes } });
const ALL = { evaluable: true, targets: { all: true, hamlets: [] } };
const NOWHERE = { evaluable: true, targets: { all: false, hamlets: [] } };
const UNKNOWN = { evaluable: false };

describe('evaluateAreas: names', () => {
  it('matches hamlet names and codes whatever the case and diacritics, and reads lists after "ấp"', () => {
    expect(evaluateAreas([area('ẤP 2A, xã Vị Tân')], unlocated)).toEqual(hamlets('ap-2a'));
    expect(evaluateAreas([area('ap 5')], unlocated)).toEqual(hamlets('ap-5'));
    expect(evaluateAreas([area('Khu dân cư ven kênh', { geocodes: [{ valueName: 'HAMLET', value: 'AP-4' }, { valueName: 'HAMLET', value: 'ap-7' }] })], unlocated)).toEqual(hamlets('ap-4', 'ap-7'));
    expect(evaluateAreas([area('Ấp 2')], unlocated)).toEqual(hamlets('ap-2'));
    expect(evaluateAreas([area('Các ấp 1, 2 và 3A xã Vị Tân')], unlocated)).toEqual(hamlets('ap-1', 'ap-2', 'ap-3a'));
  });

  it('takes the commune, its district or its province as the whole commune', () => {
    expect(evaluateAreas([area('Xã Vị Tân, thành phố Vị Thanh')], unlocated)).toEqual(ALL);
    expect(evaluateAreas([area('Tỉnh Hậu Giang')], unlocated)).toEqual(ALL);
    expect(evaluateAreas([area('Thành phố Vị Thanh và huyện Vị Thủy')], unlocated)).toEqual(ALL);
  });

  it('includes nothing for an area naming another unit, even a hamlet of the same name there', () => {
    expect(evaluateAreas([area('Tỉnh Kiên Giang')], unlocated)).toEqual(NOWHERE);
    expect(evaluateAreas([area('Xã Vĩnh Hòa Hưng Nam, huyện Gò Quao, tỉnh Kiên Giang')], unlocated)).toEqual(NOWHERE);
    expect(evaluateAreas([area('Ấp 2, xã Vị Đông, huyện Vị Thủy')], unlocated)).toEqual(NOWHERE);
  });

  it('cannot judge a description naming nothing it knows (a county abroad, a canal, a region), nor no area at all', () => {
    expect(evaluateAreas([area('Los Angeles County')], unlocated)).toEqual(UNKNOWN);
    expect(evaluateAreas([area('Vùng trũng thấp ven kênh Xà No')], unlocated)).toEqual(UNKNOWN);
    expect(evaluateAreas([area('U.S. nationwide and interests worldwide')], unlocated)).toEqual(UNKNOWN);
    expect(evaluateAreas([], unlocated)).toEqual(UNKNOWN);
  });

  it('leaves aside the areas it cannot judge when others can be', () => {
    expect(evaluateAreas([area('Ấp 2'), area('Vùng trũng thấp ven sông Cái Lớn')], unlocated)).toEqual(hamlets('ap-2'));
    expect(evaluateAreas([area('Tỉnh Kiên Giang'), area('Ấp 6, xã Vị Tân')], unlocated)).toEqual(hamlets('ap-6'));
  });
});

describe('evaluateAreas: codes', () => {
  const SAME = (value: string) => ({ valueName: 'SAME', value });
  it('takes the commune\'s or the province\'s code as the whole commune, another code as elsewhere, once the codes are set', () => {
    const coded = { ...unlocated, adminCode: '11111', provinceAdminCode: '22' };
    expect(evaluateAreas([area('Khu vực cảnh báo', { geocodes: [{ valueName: 'MA_XA', value: '11111' }] })], coded)).toEqual(ALL);
    expect(evaluateAreas([area('Khu vực cảnh báo', { geocodes: [{ valueName: 'MA_TINH', value: '22' }] })], coded)).toEqual(ALL);
    expect(evaluateAreas([area('Los Angeles County', { geocodes: [SAME('006037')] })], coded)).toEqual(NOWHERE);
    // the hamlets an area names still narrow it
    expect(evaluateAreas([area('Ấp 2, Ấp 2A và Ấp 3', { geocodes: [{ valueName: 'MA_XA', value: '11111' }] })], coded)).toEqual(hamlets('ap-2', 'ap-2a', 'ap-3'));
  });

  it('cannot judge a code while the commune\'s codes are not set', () => {
    expect(evaluateAreas([area('Los Angeles County', { geocodes: [SAME('006037')] })], unlocated)).toEqual(UNKNOWN);
  });
});

describe('evaluateAreas: shapes', () => {
  const box = (from: LatLon, to: LatLon) => [from, [from[0], to[1]], to, [to[0], from[1]], from] as LatLon[];

  it('a polygon around two hamlets includes exactly those', () => {
    const [a, b] = [centreOf(3), centreOf(4)];
    const polygon = box([a[0] - 0.005, a[1] - 0.003], [b[0] + 0.005, b[1] + 0.003]);
    expect(evaluateAreas([area('Vùng ven kênh', { polygons: [polygon] })], located())).toEqual(hamlets('ap-3', 'ap-3a'));
  });

  it('a circle includes the hamlets it reaches; shapes decide over the description', () => {
    expect(evaluateAreas([area('Xã Vị Tân', { circles: [{ centre: centreOf(0), radiusM: 1500 }] })], located())).toEqual(hamlets('ap-1', 'ap-2'));
    expect(evaluateAreas([area('Xã Vị Tân', { circles: [{ centre: [10.5, 106.7], radiusM: 2000 }] })], located())).toEqual(NOWHERE);
  });

  it('does not judge shapes until every hamlet has a place (one left out might lie inside)', () => {
    const partly = { ...located(), hamlets: located().hamlets.map((h, i) => (i === 8 ? { ...h, shapes: null } : h)) };
    expect(evaluateAreas([area('Vùng ven kênh', { circles: [{ centre: centreOf(0), radiusM: 500 }] })], partly)).toEqual(UNKNOWN);
    expect(evaluateAreas([area('Ấp 1', { circles: [{ centre: centreOf(0), radiusM: 500 }] })], partly)).toEqual(hamlets('ap-1'));
  });
});

describe('evaluateAreasIn: communes whose names collide across districts (issue 10)', () => {
  const commune = (name: string, district: string, codes: string[], more: Partial<CommunePlace> = {}): CommunePlace => ({
    name,
    district,
    province: 'Tỉnh Hậu Giang',
    adminCode: null,
    provinceAdminCode: null,
    hamlets: codes.map((code, i) => ({ code, name: `Ấp ${i + 1}`, shapes: null })),
    ...more,
  });
  // xã Vị Tân lies in thành phố Vị Thanh; xã Vị Thanh in huyện Vị Thủy; a xã Tân Phú in each of thị xã Long Mỹ and huyện Long Mỹ
  const viTan = { ...unlocated };
  const viThanh = commune('Xã Vị Thanh', 'Huyện Vị Thủy', ['vt-1', 'vt-2']);
  const tanPhuTown = commune('Xã Tân Phú', 'Thị xã Long Mỹ', ['tpx-1', 'tpx-2'], { nameShared: true });
  const tanPhuRural = commune('Xã Tân Phú', 'Huyện Long Mỹ', ['tph-1', 'tph-2'], { nameShared: true });
  const province = [viTan, viThanh, tanPhuTown, tanPhuRural];
  const viTanAll = VI_TAN.hamlets.map((h) => h.code);
  const among = (...areas: CapArea[]) => evaluateAreasIn(areas, province);

  it('a district-level area is every commune of that district only; a commune of the same name elsewhere is not in it', () => {
    expect(among(area('Thành phố Vị Thanh'))).toEqual(hamlets(...viTanAll));
    expect(among(area('TP. Vị Thanh, tỉnh Hậu Giang'))).toEqual(hamlets(...viTanAll));
    expect(among(area('Huyện Vị Thủy'))).toEqual(hamlets('vt-1', 'vt-2'));
    // thị xã Long Mỹ is not huyện Long Mỹ
    expect(among(area('Thị xã Long Mỹ'))).toEqual(hamlets('tpx-1', 'tpx-2'));
    expect(among(area('Huyện Long Mỹ, tỉnh Hậu Giang'))).toEqual(hamlets('tph-1', 'tph-2'));
    expect(among(area('Huyện Long Mỹ, tỉnh Sóc Trăng'))).toEqual(NOWHERE);
  });

  it("a commune-level area is the commune of that exact name in the district named: the district's name does not widen it", () => {
    // before: "Vị Thanh" (the district of xã Vị Tân) in the text made it all of xã Vị Tân too
    expect(among(area('Xã Vị Thanh, huyện Vị Thủy'))).toEqual(hamlets('vt-1', 'vt-2'));
    expect(among(area('Xã Vị Thanh, thành phố Vị Thanh'))).toEqual(NOWHERE);
    expect(among(area('Xã Vị Tân thuộc TP. Vị Thanh'))).toEqual(hamlets(...viTanAll));
    expect(among(area('Xã Tân Phú, thị xã Long Mỹ'))).toEqual(hamlets('tpx-1', 'tpx-2'));
    expect(among(area('Ấp 2, xã Tân Phú, huyện Long Mỹ, tỉnh Hậu Giang'))).toEqual(hamlets('tph-2'));
    // a name that only begins like ours is another commune's
    expect(among(area('Xã Vị Tân Đông, thành phố Vị Thanh'))).toEqual(NOWHERE);
  });

  it('a commune name shared by two communes, without its district, is left to an operator, as are hamlet names several communes have', () => {
    expect(among(area('Xã Tân Phú'))).toEqual(UNKNOWN);
    expect(among(area('Ấp 1, xã Tân Phú'))).toEqual(UNKNOWN);
    expect(among(area('Ấp 2'))).toEqual(UNKNOWN);
    // a name no other commune has is enough
    expect(among(area('Xã Vị Thanh'))).toEqual(hamlets('vt-1', 'vt-2'));
    expect(among(area('Ấp 1, xã Vị Thanh'))).toEqual(hamlets('vt-1'));
  });

  it('an administrative code decides over the names; a district code (three digits), which communes do not record, leaves it to the names', () => {
    const coded = [viTan, viThanh, { ...tanPhuTown, adminCode: '31501', provinceAdminCode: '93' }, { ...tanPhuRural, adminCode: '31600', provinceAdminCode: '93' }];
    expect(evaluateAreasIn([area('Xã Tân Phú', { geocodes: [{ valueName: 'MA_XA', value: '31600' }] })], coded)).toEqual(hamlets('tph-1', 'tph-2'));
    // the code is the rural Tân Phú's whatever the description says
    expect(evaluateAreasIn([area('Xã Tân Phú, thị xã Long Mỹ', { geocodes: [{ valueName: 'MA_XA', value: '31600' }] })], coded)).toEqual(hamlets('tph-1', 'tph-2'));
    expect(evaluateAreasIn([area('Thị xã Long Mỹ', { geocodes: [{ valueName: 'MA_HUYEN', value: '934' }] })], coded)).toEqual(hamlets('tpx-1', 'tpx-2'));
  });

  it('the whole province when every commune is included', () => {
    expect(among(area('Tỉnh Hậu Giang'))).toEqual(ALL);
    expect(among(area('Tỉnh Kiên Giang'))).toEqual(NOWHERE);
  });
});

import { describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { evaluateAreas, type CommunePlace } from './cap-areas.js';
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

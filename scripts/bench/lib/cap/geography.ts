/**
 * The commune as the CAP benchmark lays it out: the nine hamlets of xã Vị Tân on a 3 × 3 grid,
 * about 1.3 km apart, each a circle of 500 m, and the administrative codes of the commune and the
 * province. The benchmark gives these to the cloud before it starts, and draws its polygons and
 * circles from them, so what it expects follows from what it generated.
 */
import type { LatLon } from '../../../../cloud/src/radio/cap/cap-geography.js';
import { VI_TAN } from '../../../../shared/src/index.js';

export interface BenchHamletPlace {
  code: string;
  name: string;
  lat: number;
  lon: number;
  radiusM: number;
}

/** mã đơn vị hành chính: xã Vị Tân (as in the repository's CAP samples) and tỉnh Hậu Giang. */
export const COMMUNE_ADMIN_CODE = '31474';
export const PROVINCE_ADMIN_CODE = '93';

const ORIGIN = { lat: 9.745, lon: 105.466 };
/** About 1.3 km between neighbours, in degrees (at this latitude a degree is about 110 km either way). */
const SPACING = 0.012;
const RADIUS_M = 500;

/** The hamlets the cloud seeds by default, in their order on the grid. */
export const HAMLETS: BenchHamletPlace[] = VI_TAN.hamlets.map(({ code, name }, i) => ({
  code,
  name,
  lat: +(ORIGIN.lat + Math.floor(i / 3) * SPACING).toFixed(5),
  lon: +(ORIGIN.lon + (i % 3) * SPACING).toFixed(5),
  radiusM: RADIUS_M,
}));

export const ALL_CODES = HAMLETS.map((h) => h.code);
export const hamletByCode = new Map(HAMLETS.map((h) => [h.code, h]));

/** Hamlets side by side on the grid (same row), for polygons around two of them. */
export const NEIGHBOUR_PAIRS: [string, string][] = HAMLETS.flatMap((h, i) => (i % 3 < 2 ? [[h.code, HAMLETS[i + 1]!.code] as [string, string]] : []));

/** 300 m around the centres: inside their circles, 1 km clear of every other hamlet's. */
const MARGIN = 0.0027;
const point = (lat: number, lon: number): LatLon => [+lat.toFixed(5), +lon.toFixed(5)];

/** A CAP polygon (closed ring of lat,lon) around the centres of these hamlets. */
export function polygonAround(codes: readonly string[]): LatLon[] {
  const places = codes.map((c) => hamletByCode.get(c)!);
  const south = Math.min(...places.map((p) => p.lat)) - MARGIN;
  const north = Math.max(...places.map((p) => p.lat)) + MARGIN;
  const west = Math.min(...places.map((p) => p.lon)) - MARGIN;
  const east = Math.max(...places.map((p) => p.lon)) + MARGIN;
  return [point(south, west), point(south, east), point(north, east), point(north, west), point(south, west)];
}

/** A CAP circle of 300 m around a hamlet's centre. */
export const circleAround = (code: string) => ({ centre: point(hamletByCode.get(code)!.lat, hamletByCode.get(code)!.lon), km: 0.3 });

/** Far away: Năm Căn, Cà Mau (about 150 km south-west), and Los Angeles County. */
export const FAR_POLYGON = [point(8.74, 104.95), point(8.74, 105.05), point(8.82, 105.05), point(8.82, 104.95), point(8.74, 104.95)];
export const LOS_ANGELES_POLYGON = [point(33.7, -118.7), point(33.7, -117.6), point(34.8, -117.6), point(34.8, -118.7), point(33.7, -118.7)];

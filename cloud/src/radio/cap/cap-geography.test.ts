import { describe, expect, it } from 'vitest';
import { enclosingCircle, parseCapCircle, parseCapPolygon, shapesIntersect, type LatLon, type Shape } from './cap-geography.js';

/** Length of a degree at 9.8° N (Vị Thanh) on the WGS 84 ellipsoid: 110 607 m of latitude, 109 706 m of longitude. */
const M_PER_DEG_LAT = 110_607;
const M_PER_DEG_LON = 109_706;
const at = (origin: LatLon, eastM: number, northM: number): LatLon => [origin[0] + northM / M_PER_DEG_LAT, origin[1] + eastM / M_PER_DEG_LON];
const O: LatLon = [9.8, 105.44];
const circle = (centre: LatLon, radiusM: number): Shape => ({ kind: 'circle', centre, radiusM });
/** A polygon from corners given in metres east and north of O, closed as CAP closes it. */
const polygon = (...corners: [number, number][]): Shape => ({ kind: 'polygon', ring: [...corners, corners[0]!].map(([e, n]) => at(O, e, n)) });
const square = (e: number, n: number, side: number) => polygon([e, n], [e + side, n], [e + side, n + side], [e, n + side]);

describe('shapesIntersect', () => {
  it('circle and circle: meet when the centres are closer than the radii together, to the metre', () => {
    expect(shapesIntersect(circle(O, 500), circle(at(O, 0, 1000), 502))).toBe(true);
    expect(shapesIntersect(circle(O, 500), circle(at(O, 0, 1000), 497))).toBe(false);
    expect(shapesIntersect(circle(O, 300), circle(at(O, 2000, 0), 1698))).toBe(false);
    expect(shapesIntersect(circle(O, 300), circle(at(O, 2000, 0), 1703))).toBe(true);
  });

  it('polygon and circle: the centre inside, an edge within the radius, or the polygon inside the circle', () => {
    const sq = square(0, 0, 1000);
    expect(shapesIntersect(sq, circle(at(O, 500, 500), 10))).toBe(true);
    expect(shapesIntersect(sq, circle(at(O, 1200, 500), 205))).toBe(true);
    expect(shapesIntersect(sq, circle(at(O, 1200, 500), 195))).toBe(false);
    expect(shapesIntersect(circle(at(O, 500, 500), 5000), sq)).toBe(true);
    // near a corner: the distance is to the corner, not to the edges' lines
    expect(shapesIntersect(sq, circle(at(O, 1100, 1100), 130))).toBe(false);
    expect(shapesIntersect(sq, circle(at(O, 1100, 1100), 150))).toBe(true);
  });

  it('polygon and polygon: overlapping, one inside the other, touching; not when apart or in a concave notch', () => {
    expect(shapesIntersect(square(0, 0, 1000), square(500, 500, 1000))).toBe(true);
    expect(shapesIntersect(square(0, 0, 1000), square(200, 200, 100))).toBe(true);
    expect(shapesIntersect(square(200, 200, 100), square(0, 0, 1000))).toBe(true);
    expect(shapesIntersect(square(0, 0, 1000), square(1000, 0, 1000))).toBe(true);
    expect(shapesIntersect(square(0, 0, 1000), square(1010, 0, 1000))).toBe(false);
    const u = polygon([0, 0], [3000, 0], [3000, 3000], [2000, 3000], [2000, 1000], [1000, 1000], [1000, 3000], [0, 3000]);
    expect(shapesIntersect(u, square(1200, 1500, 500))).toBe(false);
    expect(shapesIntersect(u, circle(at(O, 1500, 2000), 400))).toBe(false);
    expect(shapesIntersect(u, circle(at(O, 1500, 2000), 600))).toBe(true);
  });

  it('is the same whichever shape comes first', () => {
    const shapes = [square(0, 0, 1000), circle(at(O, 1300, 0), 350), circle(at(O, -700, 200), 100), square(900, 900, 50)];
    for (const a of shapes) for (const b of shapes) expect(shapesIntersect(a, b)).toBe(shapesIntersect(b, a));
  });
});

describe('CAP shapes', () => {
  it('reads a polygon of lat,lon pairs that ends on its first point', () => {
    expect(parseCapPolygon('9.8,105.44 9.81,105.44 9.81,105.45 9.8,105.44')).toEqual({ ring: [[9.8, 105.44], [9.81, 105.44], [9.81, 105.45], [9.8, 105.44]] });
    expect(parseCapPolygon(' 38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14\n')).toMatchObject({ ring: expect.any(Array) });
    expect(parseCapPolygon('9.8,105.44 9.81,105.44 9.8,105.44')).toEqual({ error: 'a polygon needs at least four lat,lon pairs' });
    expect(parseCapPolygon('9.8,105.44 9.81,105.44 9.81,105.45 9.9,105.44')).toEqual({ error: 'a polygon must end on its first point' });
    expect(parseCapPolygon('95,105 9.81,105.44 9.81,105.45 95,105')).toEqual({ error: '"95,105" is not a lat,lon pair in degrees' });
  });

  it('reads a circle with its radius in kilometres', () => {
    expect(parseCapCircle('32.9525,-115.5527 0')).toEqual({ centre: [32.9525, -115.5527], radiusM: 0 });
    expect(parseCapCircle('9.8,105.44 1.5')).toEqual({ centre: [9.8, 105.44], radiusM: 1500 });
    expect(parseCapCircle('9.8,105.44')).toMatchObject({ error: expect.stringContaining('lat,lon radius-in-km') });
    expect(parseCapCircle('9.8,105.44 -1')).toMatchObject({ error: expect.stringContaining('not a number of kilometres') });
  });

  it('puts a circle around an outline: its centre and farthest corner', () => {
    const { centre, radiusM } = enclosingCircle([at(O, -500, -500), at(O, 500, -500), at(O, 500, 500), at(O, -500, 500), at(O, -500, -500)]);
    expect(centre[0]).toBeCloseTo(O[0], 6);
    expect(centre[1]).toBeCloseTo(O[1], 6);
    expect(radiusM).toBeGreaterThanOrEqual(707);
    expect(radiusM).toBeLessThanOrEqual(709);
  });
});

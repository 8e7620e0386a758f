/**
 * Shapes on the ground and whether two of them meet: CAP polygons and circles against a hamlet's
 * outline or circle. Points are [lat, lon] in degrees (WGS 84), the order CAP writes them in.
 * Distances are computed on a local equirectangular projection around the shapes being compared
 * (WGS 84 radii at the first shape's latitude): a few metres off over ten kilometres, far below a
 * hamlet's size at the scale of a commune or a province.
 */

export type LatLon = readonly [lat: number, lon: number];

export type Shape = { kind: 'polygon'; ring: readonly LatLon[] } | { kind: 'circle'; centre: LatLon; radiusM: number };

/** WGS 84 semi-major axis and first eccentricity squared. */
const WGS84_A = 6_378_137;
const WGS84_E2 = 0.00669437999014;
const RAD = Math.PI / 180;

type Point = readonly [x: number, y: number];

export const validLatLon = ([lat, lon]: LatLon): boolean => Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;

/** A CAP `lat,lon` pair (WGS 84 degrees), or null when it is not one. */
function capPoint(text: string): LatLon | null {
  const parts = text.split(',');
  if (parts.length !== 2 || parts.some((p) => !/^-?\d+(\.\d+)?$/.test(p.trim()))) return null;
  const point: LatLon = [Number(parts[0]), Number(parts[1])];
  return validLatLon(point) ? point : null;
}

/**
 * A CAP 1.2 polygon: `lat,lon lat,lon …`, at least four pairs, the first and last the same
 * (§3.3.2.2). Returns the ring (closed as given) or what is wrong.
 */
export function parseCapPolygon(text: string): { ring: LatLon[] } | { error: string } {
  const pairs = text.trim().split(/\s+/);
  const ring: LatLon[] = [];
  for (const pair of pairs) {
    const point = capPoint(pair);
    if (!point) return { error: `"${pair}" is not a lat,lon pair in degrees` };
    ring.push(point);
  }
  if (ring.length < 4) return { error: 'a polygon needs at least four lat,lon pairs' };
  const [first, last] = [ring[0]!, ring[ring.length - 1]!];
  if (first[0] !== last[0] || first[1] !== last[1]) return { error: 'a polygon must end on its first point' };
  return { ring };
}

/** A CAP 1.2 circle: `lat,lon radius` with the radius in kilometres (§3.3.2.3). */
export function parseCapCircle(text: string): { centre: LatLon; radiusM: number } | { error: string } {
  const [pair, radius, ...rest] = text.trim().split(/\s+/);
  const centre = pair ? capPoint(pair) : null;
  if (!centre || radius === undefined || rest.length) return { error: `"${text.trim()}" is not "lat,lon radius-in-km"` };
  if (!/^\d+(\.\d+)?$/.test(radius)) return { error: `circle radius "${radius}" is not a number of kilometres` };
  return { centre, radiusM: Number(radius) * 1000 };
}

/** A ring of at least three distinct points, closed or not, as [lat, lon] pairs. */
export function validRing(ring: readonly LatLon[]): boolean {
  if (!ring.every(validLatLon)) return false;
  return new Set(ring.map(([lat, lon]) => `${lat},${lon}`)).size >= 3;
}

/** Metres east and north of `origin`, with the ellipsoid's radii of curvature at its latitude. */
function projector(origin: LatLon): (p: LatLon) => Point {
  const sin2 = Math.sin(origin[0] * RAD) ** 2;
  const meridian = (WGS84_A * (1 - WGS84_E2)) / (1 - WGS84_E2 * sin2) ** 1.5;
  const parallel = (WGS84_A / Math.sqrt(1 - WGS84_E2 * sin2)) * Math.cos(origin[0] * RAD);
  return ([lat, lon]) => [(lon - origin[1]) * RAD * parallel, (lat - origin[0]) * RAD * meridian];
}

const anchor = (s: Shape): LatLon => (s.kind === 'circle' ? s.centre : s.ring[0]!);
const sub = (a: Point, b: Point): Point => [a[0] - b[0], a[1] - b[1]];
const cross = (a: Point, b: Point) => a[0] * b[1] - a[1] * b[0];
const dot = (a: Point, b: Point) => a[0] * b[0] + a[1] * b[1];

/** Distance from p to the segment ab. */
function segmentDistance(p: Point, a: Point, b: Point): number {
  const ab = sub(b, a);
  const len2 = dot(ab, ab);
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, dot(sub(p, a), ab) / len2));
  const closest: Point = [a[0] + t * ab[0], a[1] + t * ab[1]];
  return Math.hypot(p[0] - closest[0], p[1] - closest[1]);
}

/** Whether segments ab and cd touch or cross (collinear overlaps included). */
function segmentsMeet(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(sub(d, c), sub(a, c));
  const d2 = cross(sub(d, c), sub(b, c));
  const d3 = cross(sub(b, a), sub(c, a));
  const d4 = cross(sub(b, a), sub(d, a));
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return segmentDistance(a, c, d) === 0 || segmentDistance(b, c, d) === 0 || segmentDistance(c, a, b) === 0 || segmentDistance(d, a, b) === 0;
}

/** Even-odd rule; a point on the boundary may go either way (the edge tests catch it). */
function inside(p: Point, ring: readonly Point[]): boolean {
  let result = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [a, b] = [ring[i]!, ring[j]!];
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) result = !result;
  }
  return result;
}

const edgesOf = (ring: readonly Point[]): [Point, Point][] => ring.map((p, i) => [p, ring[(i + 1) % ring.length]!]);

function polygonMeetsCircle(ring: readonly Point[], centre: Point, radiusM: number): boolean {
  return inside(centre, ring) || edgesOf(ring).some(([a, b]) => segmentDistance(centre, a, b) <= radiusM);
}

function polygonsMeet(a: readonly Point[], b: readonly Point[]): boolean {
  if (inside(a[0]!, b) || inside(b[0]!, a)) return true;
  const eb = edgesOf(b);
  return edgesOf(a).some(([p, q]) => eb.some(([r, s]) => segmentsMeet(p, q, r, s)));
}

/** Whether two shapes share at least one point (touching counts). */
export function shapesIntersect(a: Shape, b: Shape): boolean {
  const project = projector(anchor(a));
  if (a.kind === 'circle' && b.kind === 'circle') {
    const [p, q] = [project(a.centre), project(b.centre)];
    return Math.hypot(p[0] - q[0], p[1] - q[1]) <= a.radiusM + b.radiusM;
  }
  if (a.kind === 'polygon' && b.kind === 'polygon') return polygonsMeet(a.ring.map(project), b.ring.map(project));
  const [polygon, circle] = a.kind === 'polygon' ? [a, b as Extract<Shape, { kind: 'circle' }>] : [b as Extract<Shape, { kind: 'polygon' }>, a];
  return polygonMeetsCircle(polygon.ring.map(project), project(circle.centre), circle.radiusM);
}

/** The centre (vertex mean) of a ring and the distance to its farthest vertex: a circle around it. */
export function enclosingCircle(ring: readonly LatLon[]): { centre: LatLon; radiusM: number } {
  const open = ring.length > 1 && ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1] ? ring.slice(0, -1) : ring;
  const centre: LatLon = [open.reduce((s, p) => s + p[0], 0) / open.length, open.reduce((s, p) => s + p[1], 0) / open.length];
  const project = projector(centre);
  const radiusM = Math.max(...open.map((p) => Math.hypot(...project(p))));
  return { centre, radiusM: Math.ceil(radiusM) };
}

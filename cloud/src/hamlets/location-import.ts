import { csvRows } from '../http/csv.js';
import { validLatLon, validRing, type LatLon } from '../radio/cap/cap-geography.js';
import { locationOfOutline, type LocationInput } from './hamlet-places.js';

/** A hamlet's circle is at least this and at most this (a hamlet, not a province). */
export const RADIUS_M = { min: 10, max: 50_000 } as const;
/** Outline corners: enough for a hand-drawn hamlet, not a surveyed province. */
export const MAX_OUTLINE_POINTS = 2000;

export interface ImportProblem {
  /** "row 3" or "feature 2", as a person finds it in the file. */
  at: string;
  code: string | null;
  message: string;
}

export type ImportResult = { ok: true; locations: Map<string, LocationInput> } | { ok: false; problems: ImportProblem[] };

const NUMBER = /^-?\d+(\.\d+)?$/;

/** CAP's `lat,lon lat,lon …` (the last pair may repeat the first). */
export function parseOutlineText(text: string): LatLon[] | string {
  const ring: LatLon[] = [];
  for (const pair of text.trim().split(/\s+/)) {
    const parts = pair.split(',');
    if (parts.length !== 2 || !parts.every((p) => NUMBER.test(p))) return `"${pair}" is not a lat,lon pair (decimal degrees with a dot)`;
    ring.push([Number(parts[0]), Number(parts[1])]);
  }
  return checkOutline(ring) ?? ring;
}

/** What is wrong with an outline, or null. */
export function checkOutline(ring: readonly LatLon[]): string | null {
  if (ring.length > MAX_OUTLINE_POINTS) return `an outline has at most ${MAX_OUTLINE_POINTS} points`;
  if (!ring.every(validLatLon)) return 'an outline point is outside latitude -90…90 or longitude -180…180';
  return validRing(ring) ? null : 'an outline needs at least three different points';
}

/** What is wrong with a centre and radius, or null. */
export function checkCircle(lat: number, lon: number, radiusM: number): string | null {
  if (!validLatLon([lat, lon])) return 'lat must be within -90…90 and lon within -180…180';
  if (!(radiusM >= RADIUS_M.min && radiusM <= RADIUS_M.max)) return `radius_m must be ${RADIUS_M.min}–${RADIUS_M.max} metres`;
  return null;
}

/** One hamlet's location from its fields: lat, lon and radius_m, or an outline alone. */
function locationOf(lat: string, lon: string, radius: string, outline: LatLon[] | null): LocationInput | string {
  const given = [lat, lon, radius].filter((v) => v !== '');
  if (given.length === 0) return outline ? locationOfOutline(outline) : 'give lat, lon and radius_m, or an outline';
  if (given.length !== 3) return 'give all three of lat, lon and radius_m (or none of them with an outline)';
  if (![lat, lon, radius].every((v) => NUMBER.test(v))) return 'lat, lon and radius_m must be numbers with a decimal dot';
  const problem = checkCircle(Number(lat), Number(lon), Number(radius));
  return problem ?? { lat: Number(lat), lon: Number(lon), radiusM: Number(radius), outline };
}

/** Collects the locations and names every bad row; a hamlet may appear once. */
class Collector {
  readonly locations = new Map<string, LocationInput>();
  readonly problems: ImportProblem[] = [];
  constructor(private readonly known: ReadonlySet<string>) {}

  add(at: string, code: string, location: () => LocationInput | string): void {
    if (!code) return void this.problems.push({ at, code: null, message: 'no hamlet code' });
    if (!this.known.has(code)) return void this.problems.push({ at, code, message: `unknown hamlet ${code}` });
    if (this.locations.has(code)) return void this.problems.push({ at, code, message: `${code} appears twice` });
    const result = location();
    if (typeof result === 'string') this.problems.push({ at, code, message: result });
    else this.locations.set(code, result);
  }

  result(): ImportResult {
    if (!this.problems.length && this.locations.size === 0) this.problems.push({ at: 'file', code: null, message: 'no hamlet in the file' });
    return this.problems.length ? { ok: false, problems: this.problems } : { ok: true, locations: this.locations };
  }
}

const COLUMNS = ['code', 'lat', 'lon', 'radius_m', 'outline'] as const;

/** `code,lat,lon,radius_m[,outline]`, with or without that header row; the outline in CAP's form, quoted. */
export function parseLocationCsv(text: string, known: ReadonlySet<string>): ImportResult {
  const rows = csvRows(text.replace(/^\uFEFF/, '')).map((r) => r.map((f) => f.trim()));
  const collector = new Collector(known);
  const header = rows[0]?.[0]?.toLowerCase() === 'code' ? rows[0].map((f) => f.toLowerCase()) : null;
  const unknownColumns = header?.filter((h) => !(COLUMNS as readonly string[]).includes(h)) ?? [];
  if (unknownColumns.length) return { ok: false, problems: [{ at: 'row 1', code: null, message: `unknown column(s) ${unknownColumns.join(', ')} (expected ${COLUMNS.join(',')})` }] };
  const index = (name: (typeof COLUMNS)[number]) => (header ? header.indexOf(name) : COLUMNS.indexOf(name));
  rows.forEach((row, i) => {
    if ((header && i === 0) || row.every((f) => f === '')) return;
    const get = (name: (typeof COLUMNS)[number]) => (index(name) >= 0 ? (row[index(name)] ?? '') : '');
    collector.add(`row ${i + 1}`, get('code'), () => {
      if (row.length > (header?.length ?? COLUMNS.length)) return `more fields than the ${header?.length ?? COLUMNS.length} columns (quote an outline: "lat,lon lat,lon …")`;
      const outline = get('outline') ? parseOutlineText(get('outline')) : null;
      return typeof outline === 'string' ? outline : locationOf(get('lat'), get('lon'), get('radius_m'), outline);
    });
  });
  return collector.result();
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const lonLatPoint = (v: unknown): LatLon | null => (Array.isArray(v) && v.length >= 2 && typeof v[0] === 'number' && typeof v[1] === 'number' ? [v[1], v[0]] : null);

function featureLocation(feature: Json): LocationInput | string {
  const geometry = feature.geometry;
  const props = isObject(feature.properties) ? feature.properties : {};
  const radius = props.radius_m ?? props.radiusM;
  if (!isObject(geometry)) return 'the feature has no geometry';
  if (geometry.type === 'Point') {
    const point = lonLatPoint(geometry.coordinates);
    if (!point) return 'a Point needs coordinates [lon, lat]';
    if (typeof radius !== 'number') return 'a Point needs properties.radius_m (metres)';
    return checkCircle(point[0], point[1], radius) ?? { lat: point[0], lon: point[1], radiusM: radius, outline: null };
  }
  if (geometry.type === 'Polygon') {
    const outer = Array.isArray(geometry.coordinates) ? geometry.coordinates[0] : null;
    const ring = Array.isArray(outer) ? outer.map(lonLatPoint) : [];
    if (!ring.length || ring.some((p) => p === null)) return 'a Polygon needs coordinates [[[lon, lat], …]]';
    return checkOutline(ring as LatLon[]) ?? locationOfOutline(ring as LatLon[]);
  }
  return `geometry ${String(geometry.type)} is not supported (Point with radius_m, or Polygon)`;
}

/** A GeoJSON FeatureCollection: each feature's properties.code, a Point (with radius_m) or a Polygon ([lon, lat] as GeoJSON writes them). */
export function parseLocationGeoJson(doc: unknown, known: ReadonlySet<string>): ImportResult {
  if (!isObject(doc) || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    return { ok: false, problems: [{ at: 'file', code: null, message: 'not a GeoJSON FeatureCollection' }] };
  }
  const collector = new Collector(known);
  doc.features.forEach((feature: unknown, i) => {
    const code = isObject(feature) && isObject(feature.properties) && typeof feature.properties.code === 'string' ? feature.properties.code.trim() : '';
    collector.add(`feature ${i + 1}`, code, () => (isObject(feature) ? featureLocation(feature) : 'not a Feature'));
  });
  return collector.result();
}

/** A file of either kind, told apart by its first character. */
export function parseLocationFile(text: string, known: ReadonlySet<string>): ImportResult {
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (!body.startsWith('{')) return parseLocationCsv(body, known);
  try {
    return parseLocationGeoJson(JSON.parse(body), known);
  } catch {
    return { ok: false, problems: [{ at: 'file', code: null, message: 'not valid JSON' }] };
  }
}

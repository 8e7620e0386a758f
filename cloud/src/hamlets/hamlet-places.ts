import type { Db } from '../db/database.js';
import { notFound } from '../http/errors.js';
import type { CommunePlace, PlaceHamlet } from '../radio/cap/cap-areas.js';
import { enclosingCircle, type LatLon, type Shape } from '../radio/cap/cap-geography.js';

/**
 * A hamlet without a location of its own is taken to be a circle of this radius around each of its
 * boxes: a cabinet's loudspeakers are heard a few hundred metres around, and a hamlet of the Mekong
 * Delta stretches along a canal for one to three kilometres.
 */
export const BOX_RADIUS_M = 500;

/** Where a hamlet lies, as entered or imported: a centre and radius, and optionally its outline. */
export interface LocationInput {
  lat: number;
  lon: number;
  radiusM: number;
  /** [lat, lon] pairs, closed or not; null: none. */
  outline: LatLon[] | null;
}

export interface HamletLocation {
  code: string;
  name: string;
  /** Null until entered or imported. */
  location: LocationInput | null;
  /** The boxes with coordinates: the fallback while the hamlet has no location of its own. */
  boxes: { id: string; lat: number; lon: number }[];
  boxRadiusM: number;
}

export interface CommuneCodes {
  /** Mã đơn vị hành chính of the commune and its province; null until set (never guessed). */
  adminCode: string | null;
  provinceAdminCode: string | null;
}

interface HamletRow {
  code: string;
  name: string;
  lat: number | null;
  lon: number | null;
  radius_m: number | null;
  outline: string | null;
}

/** A location from an outline alone: centred on it, with the radius reaching its farthest corner. */
export function locationOfOutline(outline: LatLon[]): LocationInput {
  const { centre, radiusM } = enclosingCircle(outline);
  return { lat: centre[0], lon: centre[1], radiusM, outline };
}

/** The hamlets' locations and the commune's codes, as CAP areas are compared with them. */
export class HamletPlaces {
  constructor(private readonly db: Db) {}

  private rows(): HamletRow[] {
    return this.db.prepare('SELECT code, name, lat, lon, radius_m, outline FROM hamlets ORDER BY position').all() as HamletRow[];
  }

  private boxesByHamlet(): Map<string, HamletLocation['boxes']> {
    const boxes = this.db
      .prepare("SELECT id, hamlet_code AS hamletCode, lat, lon FROM edges WHERE lat IS NOT NULL AND lon IS NOT NULL AND status != 'revoked' ORDER BY id")
      .all() as { id: string; hamletCode: string; lat: number; lon: number }[];
    const map = new Map<string, HamletLocation['boxes']>();
    for (const b of boxes) map.set(b.hamletCode, [...(map.get(b.hamletCode) ?? []), { id: b.id, lat: b.lat, lon: b.lon }]);
    return map;
  }

  list(): HamletLocation[] {
    const boxes = this.boxesByHamlet();
    return this.rows().map((r) => ({
      code: r.code,
      name: r.name,
      location: r.lat === null || r.lon === null || r.radius_m === null ? null : { lat: r.lat, lon: r.lon, radiusM: r.radius_m, outline: r.outline ? (JSON.parse(r.outline) as LatLon[]) : null },
      boxes: boxes.get(r.code) ?? [],
      boxRadiusM: BOX_RADIUS_M,
    }));
  }

  get(code: string): HamletLocation {
    const found = this.list().find((h) => h.code === code);
    if (!found) throw notFound(`hamlet ${code}`);
    return found;
  }

  /** Sets the locations of several hamlets at once (all or none); every code must exist. */
  set(locations: ReadonlyMap<string, LocationInput>): void {
    const update = this.db.prepare('UPDATE hamlets SET lat = ?, lon = ?, radius_m = ?, outline = ? WHERE code = ?');
    this.db.transaction(() => {
      for (const [code, l] of locations) {
        if (update.run(l.lat, l.lon, l.radiusM, l.outline ? JSON.stringify(l.outline) : null, code).changes !== 1) throw notFound(`hamlet ${code}`);
      }
    })();
  }

  codes(): CommuneCodes {
    return this.db.prepare('SELECT admin_code AS adminCode, province_admin_code AS provinceAdminCode FROM communes LIMIT 1').get() as CommuneCodes;
  }

  setCodes(codes: CommuneCodes): void {
    this.db.prepare('UPDATE communes SET admin_code = ?, province_admin_code = ?').run(codes.adminCode, codes.provinceAdminCode);
  }

  /** The commune for evaluating CAP areas: each hamlet's outline, else its circle, else its boxes' circles. */
  place(): CommunePlace {
    const commune = this.db.prepare('SELECT name, district, province, admin_code, province_admin_code FROM communes LIMIT 1').get() as
      | { name: string; district: string; province: string; admin_code: string | null; province_admin_code: string | null }
      | undefined;
    const hamlets: PlaceHamlet[] = this.list().map((h) => ({ code: h.code, name: h.name, shapes: shapesOf(h) }));
    return {
      name: commune?.name ?? '',
      district: commune?.district ?? '',
      province: commune?.province ?? '',
      adminCode: commune?.admin_code ?? null,
      provinceAdminCode: commune?.province_admin_code ?? null,
      hamlets,
    };
  }
}

/**
 * Each commune as CAP areas are compared with it (issue 10): the one given, or every commune of the
 * province for null (a province operator's or a province feed's message).
 */
export function communePlaces(db: Db, places: HamletPlaces, communeCode: string | null): CommunePlace[] {
  const communes = db
    .prepare(`SELECT code, name, district, province, admin_code, province_admin_code FROM communes ${communeCode === null ? '' : 'WHERE code = ?'} ORDER BY code`)
    .all(...(communeCode === null ? [] : [communeCode])) as { code: string; name: string; district: string; province: string; admin_code: string | null; province_admin_code: string | null }[];
  const communeOf = new Map((db.prepare('SELECT code, commune_code AS communeCode FROM hamlets').all() as { code: string; communeCode: string }[]).map((h) => [h.code, h.communeCode]));
  const hamlets = places.list();
  return communes.map((c) => ({
    name: c.name,
    district: c.district,
    province: c.province,
    adminCode: c.admin_code,
    provinceAdminCode: c.province_admin_code,
    hamlets: hamlets.filter((h) => communeOf.get(h.code) === c.code).map((h) => ({ code: h.code, name: h.name, shapes: shapesOf(h) })),
  }));
}

function shapesOf(h: HamletLocation): Shape[] | null {
  if (h.location?.outline) return [{ kind: 'polygon', ring: h.location.outline }];
  if (h.location) return [{ kind: 'circle', centre: [h.location.lat, h.location.lon], radiusM: h.location.radiusM }];
  if (h.boxes.length) return h.boxes.map((b) => ({ kind: 'circle', centre: [b.lat, b.lon], radiusM: h.boxRadiusM }));
  return null;
}

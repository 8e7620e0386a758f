import type { Db } from '../db/database.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import { communeClause, type Scoped } from '../communes/scope.js';
import { foldVietnamese, type CommunePlace, type PlaceHamlet } from '../radio/cap/cap-areas.js';
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

/** Everyone: a province-level view, for callers that are not a person (CAP intake, the server). */
const EVERY_COMMUNE: Scoped = { communeCode: null };

/**
 * The hamlets' locations and the communes' codes, as CAP areas are compared with them. A person
 * sees and sets only their commune's hamlets (a province-level person every commune's); retired
 * hamlets are left out.
 */
export class HamletPlaces {
  constructor(private readonly db: Db) {}

  private rows(person: Scoped, communeCode?: string): HamletRow[] {
    const scope = communeClause(person, 'h.commune_code', { provinceItems: false });
    const only = communeCode === undefined ? { sql: '', params: [] } : { sql: ' AND h.commune_code = ?', params: [communeCode] };
    return this.db
      .prepare(
        `SELECT h.code, h.name, h.lat, h.lon, h.radius_m, h.outline FROM hamlets h JOIN communes c ON c.code = h.commune_code
         WHERE h.retired_at IS NULL${scope.sql}${only.sql} ORDER BY c.created_at IS NULL, c.created_at, c.code, h.position`,
      )
      .all(...scope.params, ...only.params) as HamletRow[];
  }

  private boxesByHamlet(): Map<string, HamletLocation['boxes']> {
    const boxes = this.db
      .prepare("SELECT id, hamlet_code AS hamletCode, lat, lon FROM edges WHERE lat IS NOT NULL AND lon IS NOT NULL AND status != 'revoked' ORDER BY id")
      .all() as { id: string; hamletCode: string; lat: number; lon: number }[];
    const map = new Map<string, HamletLocation['boxes']>();
    for (const b of boxes) map.set(b.hamletCode, [...(map.get(b.hamletCode) ?? []), { id: b.id, lat: b.lat, lon: b.lon }]);
    return map;
  }

  list(person: Scoped = EVERY_COMMUNE, communeCode?: string): HamletLocation[] {
    const boxes = this.boxesByHamlet();
    return this.rows(person, communeCode).map((r) => ({
      code: r.code,
      name: r.name,
      location: r.lat === null || r.lon === null || r.radius_m === null ? null : { lat: r.lat, lon: r.lon, radiusM: r.radius_m, outline: r.outline ? (JSON.parse(r.outline) as LatLon[]) : null },
      boxes: boxes.get(r.code) ?? [],
      boxRadiusM: BOX_RADIUS_M,
    }));
  }

  /** Another commune's hamlet answers as none (404). */
  get(code: string, person: Scoped = EVERY_COMMUNE): HamletLocation {
    const found = this.list(person).find((h) => h.code === code);
    if (!found) throw notFound(`hamlet ${code}`);
    return found;
  }

  /** Sets the locations of several hamlets at once (all or none); every code must be one the person sees. */
  set(locations: ReadonlyMap<string, LocationInput>, person: Scoped = EVERY_COMMUNE): void {
    const known = new Set(this.rows(person).map((r) => r.code));
    const update = this.db.prepare('UPDATE hamlets SET lat = ?, lon = ?, radius_m = ?, outline = ? WHERE code = ?');
    this.db.transaction(() => {
      for (const [code, l] of locations) {
        if (!known.has(code) || update.run(l.lat, l.lon, l.radiusM, l.outline ? JSON.stringify(l.outline) : null, code).changes !== 1) throw notFound(`hamlet ${code}`);
      }
    })();
  }

  /**
   * The commune a person's codes request is about: their own, or for a province-level person the
   * one named (`requested`), or the only commune in service when there is one (a single-commune install).
   */
  communeFor(person: Scoped, requested: string | undefined): string {
    if (person.communeCode !== null) {
      if (requested !== undefined && requested !== person.communeCode) throw notFound(`commune ${requested}`);
      return person.communeCode;
    }
    if (requested !== undefined) {
      if (!this.db.prepare('SELECT 1 FROM communes WHERE code = ?').get(requested)) throw notFound(`commune ${requested}`);
      return requested;
    }
    const open = this.db.prepare('SELECT code FROM communes WHERE retired_at IS NULL ORDER BY created_at, code LIMIT 2').all() as { code: string }[];
    if (open.length !== 1) throw badRequest('commune: name the commune (?commune=CODE): the province has several', [{ path: 'commune', message: 'required' }]);
    return open[0]!.code;
  }

  codes(communeCode: string): CommuneCodes {
    const row = this.db.prepare('SELECT admin_code AS adminCode, province_admin_code AS provinceAdminCode FROM communes WHERE code = ?').get(communeCode) as CommuneCodes | undefined;
    if (!row) throw notFound(`commune ${communeCode}`);
    return row;
  }

  setCodes(communeCode: string, codes: CommuneCodes): void {
    try {
      this.db.prepare('UPDATE communes SET admin_code = ?, province_admin_code = ? WHERE code = ?').run(codes.adminCode, codes.provinceAdminCode, communeCode);
    } catch (err) {
      // one official code names one commune (migrations.ts)
      if (String(err).includes('UNIQUE')) throw conflict(`administrative code "${codes.adminCode}" is already another commune's`);
      throw err;
    }
  }

  /**
   * A commune for evaluating CAP areas: each hamlet's outline, else its circle, else its boxes'
   * circles. Without a code: the first commune added (the only one of a single-commune install).
   */
  place(communeCode?: string): CommunePlace {
    const commune = (
      communeCode === undefined
        ? this.db.prepare('SELECT code, name, district, province, admin_code, province_admin_code FROM communes ORDER BY created_at IS NULL, created_at, code LIMIT 1').get()
        : this.db.prepare('SELECT code, name, district, province, admin_code, province_admin_code FROM communes WHERE code = ?').get(communeCode)
    ) as { code: string; name: string; district: string; province: string; admin_code: string | null; province_admin_code: string | null } | undefined;
    const hamlets: PlaceHamlet[] = commune ? this.list(EVERY_COMMUNE, commune.code).map((h) => ({ code: h.code, name: h.name, shapes: shapesOf(h) })) : [];
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
  const every = db
    .prepare('SELECT code, name, district, province, admin_code, province_admin_code FROM communes ORDER BY code')
    .all() as { code: string; name: string; district: string; province: string; admin_code: string | null; province_admin_code: string | null }[];
  // names repeat across districts (issue 10): a commune named alone is not told apart from its namesakes
  const sameName = (name: string) => every.filter((c) => foldVietnamese(c.name) === foldVietnamese(name)).length;
  const communeOf = new Map((db.prepare('SELECT code, commune_code AS communeCode FROM hamlets').all() as { code: string; communeCode: string }[]).map((h) => [h.code, h.communeCode]));
  const hamlets = places.list();
  return every
    .filter((c) => communeCode === null || c.code === communeCode)
    .map((c) => ({
      name: c.name,
      district: c.district,
      province: c.province,
      adminCode: c.admin_code,
      provinceAdminCode: c.province_admin_code,
      nameShared: sameName(c.name) > 1,
      hamlets: hamlets.filter((h) => communeOf.get(h.code) === c.code).map((h) => ({ code: h.code, name: h.name, shapes: shapesOf(h) })),
    }));
}

function shapesOf(h: HamletLocation): Shape[] | null {
  if (h.location?.outline) return [{ kind: 'polygon', ring: h.location.outline }];
  if (h.location) return [{ kind: 'circle', centre: [h.location.lat, h.location.lon], radiusM: h.location.radiusM }];
  if (h.boxes.length) return h.boxes.map((b) => ({ kind: 'circle', centre: [b.lat, b.lon], radiusM: h.boxRadiusM }));
  return null;
}

import type { QueryDatabase } from '../db/query/connect.js';
import { isUniqueViolation } from '../db/query/dialect.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { Scoped } from '../communes/scope.js';
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

/** A location from an outline alone: centred on it, with the radius reaching its farthest corner. */
export function locationOfOutline(outline: LatLon[]): LocationInput {
  const { centre, radiusM } = enclosingCircle(outline);
  return { lat: centre[0], lon: centre[1], radiusM, outline };
}

/** Everyone: a province-level view, for callers that are not a person (CAP intake, the server). */
const EVERY_COMMUNE: Scoped = { communeCode: null };

const COMMUNE_COLUMNS = ['code', 'name', 'district', 'province', 'admin_code', 'province_admin_code'] as const;
type CommuneRow = { code: string; name: string; district: string; province: string; admin_code: string | null; province_admin_code: string | null };

/**
 * The hamlets' locations and the communes' codes, as CAP areas are compared with them. A person
 * sees and sets only their commune's hamlets (a province-level person every commune's); retired
 * hamlets are left out.
 */
export class HamletPlaces {
  constructor(private readonly q: Pick<QueryDatabase, 'db'>) {}

  private rows(person: Scoped, communeCode?: string) {
    let query = this.q.db
      .selectFrom('hamlets as h')
      .innerJoin('communes as c', 'c.code', 'h.commune_code')
      .select(['h.code', 'h.name', 'h.lat', 'h.lon', 'h.radius_m', 'h.outline'])
      .where('h.retired_at', 'is', null);
    if (person.communeCode !== null) query = query.where('h.commune_code', '=', person.communeCode);
    if (communeCode !== undefined) query = query.where('h.commune_code', '=', communeCode);
    // the communes' order then the hamlets' own, as every picker shows them (listHamlets)
    return query
      .orderBy((eb) => eb('c.created_at', 'is', null))
      .orderBy('c.created_at')
      .orderBy('c.code')
      .orderBy('h.position')
      .execute();
  }

  private async boxesByHamlet(): Promise<Map<string, HamletLocation['boxes']>> {
    const boxes = await this.q.db
      .selectFrom('edges')
      .select(['id', 'hamlet_code', 'lat', 'lon'])
      .where('lat', 'is not', null)
      .where('lon', 'is not', null)
      .where('status', '!=', 'revoked')
      .orderBy('id')
      .execute();
    const map = new Map<string, HamletLocation['boxes']>();
    for (const b of boxes) map.set(b.hamlet_code, [...(map.get(b.hamlet_code) ?? []), { id: b.id, lat: b.lat!, lon: b.lon! }]);
    return map;
  }

  async list(person: Scoped = EVERY_COMMUNE, communeCode?: string): Promise<HamletLocation[]> {
    const [rows, boxes] = await Promise.all([this.rows(person, communeCode), this.boxesByHamlet()]);
    return rows.map((r) => ({
      code: r.code,
      name: r.name,
      location: r.lat === null || r.lon === null || r.radius_m === null ? null : { lat: r.lat, lon: r.lon, radiusM: r.radius_m, outline: r.outline ? (JSON.parse(r.outline) as LatLon[]) : null },
      boxes: boxes.get(r.code) ?? [],
      boxRadiusM: BOX_RADIUS_M,
    }));
  }

  /** Another commune's hamlet answers as none (404). */
  async get(code: string, person: Scoped = EVERY_COMMUNE): Promise<HamletLocation> {
    const found = (await this.list(person)).find((h) => h.code === code);
    if (!found) throw notFound(`hamlet ${code}`);
    return found;
  }

  /**
   * Sets the locations of several hamlets at once (all or none); every code must be one the person
   * sees. Each UPDATE carries the condition itself (not retired, the person's commune), so a hamlet
   * retired or moved meanwhile is refused rather than written.
   */
  async set(locations: ReadonlyMap<string, LocationInput>, person: Scoped = EVERY_COMMUNE): Promise<void> {
    await this.q.db.transaction().execute(async (trx) => {
      for (const [code, l] of locations) {
        let update = trx
          .updateTable('hamlets')
          .set({ lat: l.lat, lon: l.lon, radius_m: l.radiusM, outline: l.outline ? JSON.stringify(l.outline) : null })
          .where('code', '=', code)
          .where('retired_at', 'is', null);
        if (person.communeCode !== null) update = update.where('commune_code', '=', person.communeCode);
        const { numUpdatedRows } = await update.executeTakeFirst();
        if (numUpdatedRows !== 1n) throw notFound(`hamlet ${code}`);
      }
    });
  }

  /**
   * The commune a person's codes request is about: their own, or for a province-level person the
   * one named (`requested`), or the only commune in service when there is one (a single-commune install).
   */
  async communeFor(person: Scoped, requested: string | undefined): Promise<string> {
    if (person.communeCode !== null) {
      if (requested !== undefined && requested !== person.communeCode) throw notFound(`commune ${requested}`);
      return person.communeCode;
    }
    if (requested !== undefined) {
      if (!(await this.q.db.selectFrom('communes').select('code').where('code', '=', requested).executeTakeFirst())) throw notFound(`commune ${requested}`);
      return requested;
    }
    const open = await this.q.db.selectFrom('communes').select('code').where('retired_at', 'is', null).orderBy('created_at').orderBy('code').limit(2).execute();
    if (open.length !== 1) throw badRequest('commune: name the commune (?commune=CODE): the province has several', [{ path: 'commune', message: 'required' }]);
    return open[0]!.code;
  }

  async codes(communeCode: string): Promise<CommuneCodes> {
    const row = await this.q.db
      .selectFrom('communes')
      .select(['admin_code as adminCode', 'province_admin_code as provinceAdminCode'])
      .where('code', '=', communeCode)
      .executeTakeFirst();
    if (!row) throw notFound(`commune ${communeCode}`);
    return row;
  }

  async setCodes(communeCode: string, codes: CommuneCodes): Promise<void> {
    try {
      await this.q.db.updateTable('communes').set({ admin_code: codes.adminCode, province_admin_code: codes.provinceAdminCode }).where('code', '=', communeCode).execute();
    } catch (err) {
      // one official code names one commune (migrations.ts)
      if (isUniqueViolation(err)) throw conflict(`administrative code "${codes.adminCode}" is already another commune's`);
      throw err;
    }
  }

  /**
   * A commune for evaluating CAP areas: each hamlet's outline, else its circle, else its boxes'
   * circles. Without a code: the first commune added (the only one of a single-commune install).
   */
  async place(communeCode?: string): Promise<CommunePlace> {
    let query = this.q.db.selectFrom('communes').select(COMMUNE_COLUMNS);
    query =
      communeCode === undefined
        ? query.orderBy((eb) => eb('created_at', 'is', null)).orderBy('created_at').orderBy('code').limit(1)
        : query.where('code', '=', communeCode);
    const commune: CommuneRow | undefined = await query.executeTakeFirst();
    const hamlets: PlaceHamlet[] = commune ? (await this.list(EVERY_COMMUNE, commune.code)).map((h) => ({ code: h.code, name: h.name, shapes: shapesOf(h) })) : [];
    return {
      name: commune?.name ?? '',
      district: commune?.district ?? '',
      province: commune?.province ?? '',
      adminCode: commune?.admin_code ?? null,
      provinceAdminCode: commune?.province_admin_code ?? null,
      hamlets,
    };
  }

  /**
   * Each commune as CAP areas are compared with it (issue 10): the one given, or every commune of the
   * province for null (a province operator's or a province feed's message).
   */
  async communePlaces(communeCode: string | null): Promise<CommunePlace[]> {
    const [every, hamletCommunes, hamlets] = await Promise.all([
      this.q.db.selectFrom('communes').select(COMMUNE_COLUMNS).orderBy('code').execute(),
      this.q.db.selectFrom('hamlets').select(['code', 'commune_code']).execute(),
      this.list(),
    ]);
    // names repeat across districts (issue 10): a commune named alone is not told apart from its namesakes
    const sameName = (name: string) => every.filter((c) => foldVietnamese(c.name) === foldVietnamese(name)).length;
    const communeOf = new Map(hamletCommunes.map((h) => [h.code, h.commune_code]));
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
}

function shapesOf(h: HamletLocation): Shape[] | null {
  if (h.location?.outline) return [{ kind: 'polygon', ring: h.location.outline }];
  if (h.location) return [{ kind: 'circle', centre: [h.location.lat, h.location.lon], radiusM: h.location.radiusM }];
  if (h.boxes.length) return h.boxes.map((b) => ({ kind: 'circle', centre: [b.lat, b.lon], radiusM: h.boxRadiusM }));
  return null;
}

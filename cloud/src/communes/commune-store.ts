import type { ExpressionBuilder, Kysely } from 'kysely';
import type { QueryDatabase } from '../db/query/connect.js';
import { isUniqueViolation } from '../db/query/dialect.js';
import type { Database } from '../db/query/tables.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import { hamletCodeFor } from './codes.js';

/** A commune of the province with what hangs under it. */
export interface Commune {
  code: string;
  name: string;
  /** Kept for communes named before the 2025 reform; '' since then (two tiers: province, commune). */
  district: string;
  province: string;
  /** Mã đơn vị hành chính of the commune and of its province; null until set (never guessed). */
  adminCode: string | null;
  provinceAdminCode: string | null;
  createdAt: number;
  /** Retired: hidden from pickers; its boxes, people and history stay. */
  retiredAt: number | null;
  /** Hamlets not retired. */
  hamlets: number;
  edges: number;
  online: number;
}

export interface CommuneHamlet {
  code: string;
  communeCode: string;
  name: string;
  position: number;
  retiredAt: number | null;
  edges: number;
  online: number;
}

/** A commune as the public sees it: its code (the path of its pages), name and where it is. */
export interface CommuneInfo {
  code: string;
  name: string;
  district: string;
  province: string;
  /** Set when the province retired it: its pages no longer take reports, its history stays. */
  retiredAt: number | null;
}

/** A hamlet in a citizens' picker. */
export interface HamletChoice {
  code: string;
  name: string;
}

export interface NewCommune {
  code: string;
  name: string;
  district?: string;
  province: string;
  adminCode?: string | null;
  provinceAdminCode?: string | null;
}

export interface CommunePatch {
  name?: string;
  district?: string;
  province?: string;
  adminCode?: string | null;
  provinceAdminCode?: string | null;
  retired?: boolean;
}

type Eb<T extends keyof Database> = ExpressionBuilder<Database, T>;

// counted per commune in sub-queries: one row per commune, whatever the number of boxes
const hamletsCount = (eb: Eb<'communes'>) =>
  eb.selectFrom('hamlets as h').select((e) => e.fn.countAll<number>().as('n')).whereRef('h.commune_code', '=', 'communes.code').where('h.retired_at', 'is', null);
const edgesCount = (eb: Eb<'communes'>, onlineOnly: boolean) => {
  let q = eb
    .selectFrom('edges as e')
    .innerJoin('hamlets as h', 'h.code', 'e.hamlet_code')
    .whereRef('h.commune_code', '=', 'communes.code')
    .where('e.status', '!=', 'revoked');
  if (onlineOnly) q = q.innerJoin('edge_state as s', 's.edge_id', 'e.id').where('s.online', '=', 1);
  return q.select((e) => e.fn.countAll<number>().as('n'));
};
const hamletEdgesCount = (eb: Eb<'hamlets'>, onlineOnly: boolean) => {
  let q = eb.selectFrom('edges as e').whereRef('e.hamlet_code', '=', 'hamlets.code').where('e.status', '!=', 'revoked');
  if (onlineOnly) q = q.innerJoin('edge_state as s', 's.edge_id', 'e.id').where('s.online', '=', 1);
  return q.select((e) => e.fn.countAll<number>().as('n'));
};

const INFO_COLUMNS = ['code', 'name', 'district', 'province', 'retired_at'] as const;
const activeQuery = (db: Kysely<Database>) => db.selectFrom('communes').select(INFO_COLUMNS).where('retired_at', 'is', null);
const toInfo = (r: { code: string; name: string; district: string; province: string; retired_at: number | null }): CommuneInfo => ({
  code: r.code,
  name: r.name,
  district: r.district,
  province: r.province,
  retiredAt: r.retired_at,
});
/** Vietnamese collation is in neither database's default: names are sorted here. */
const byName = (a: CommuneInfo, b: CommuneInfo) => a.name.localeCompare(b.name, 'vi') || a.code.localeCompare(b.code);

/**
 * The province's communes and their hamlets: managed (create, rename, retire, hamlets) through the
 * communes API and console, read by the citizens' pages and report intake (active, find, single,
 * hamletsOf). Nothing is ever deleted: a commune or a hamlet is retired (hidden from pickers), because
 * boxes, programmes and history keep pointing at it.
 */
export class CommuneStore {
  constructor(private readonly q: QueryDatabase) {}

  private communes() {
    return this.q.db
      .selectFrom('communes')
      .selectAll('communes')
      .select((eb) => [hamletsCount(eb).as('hamlets'), edgesCount(eb, false).as('edges'), edgesCount(eb, true).as('online')]);
  }

  private hamletRows() {
    return this.q.db
      .selectFrom('hamlets')
      .select(['hamlets.code', 'hamlets.commune_code', 'hamlets.name', 'hamlets.position', 'hamlets.retired_at'])
      .select((eb) => [hamletEdgesCount(eb, false).as('edges'), hamletEdgesCount(eb, true).as('online')]);
  }

  private static toCommune(r: Awaited<ReturnType<ReturnType<CommuneStore['communes']>['executeTakeFirstOrThrow']>>): Commune {
    return {
      code: r.code,
      name: r.name,
      district: r.district,
      province: r.province,
      adminCode: r.admin_code,
      provinceAdminCode: r.province_admin_code,
      createdAt: r.created_at ?? 0,
      retiredAt: r.retired_at,
      hamlets: Number(r.hamlets ?? 0),
      edges: Number(r.edges ?? 0),
      online: Number(r.online ?? 0),
    };
  }

  private static toHamlet(r: Awaited<ReturnType<ReturnType<CommuneStore['hamletRows']>['executeTakeFirstOrThrow']>>): CommuneHamlet {
    return {
      code: r.code,
      communeCode: r.commune_code,
      name: r.name,
      position: r.position,
      retiredAt: r.retired_at,
      edges: Number(r.edges ?? 0),
      online: Number(r.online ?? 0),
    };
  }

  /** Active communes first, then in the order they were added (a commune without a date first: the install's own). */
  async list({ includeRetired = true }: { includeRetired?: boolean } = {}): Promise<Commune[]> {
    let query = this.communes();
    if (!includeRetired) query = query.where('communes.retired_at', 'is', null);
    const rows = await query
      .orderBy((eb) => eb('communes.retired_at', 'is not', null))
      .orderBy((eb) => eb.fn.coalesce('communes.created_at', eb.lit(0)))
      .orderBy('communes.code')
      .execute();
    return rows.map(CommuneStore.toCommune);
  }

  async get(code: string): Promise<Commune> {
    const row = await this.communes().where('communes.code', '=', code).executeTakeFirst();
    if (!row) throw notFound(`commune ${code}`);
    return CommuneStore.toCommune(row);
  }

  /** The commune a person or an object may be put in: it exists and is not retired. */
  async assertActive(code: string, field = 'communeCode'): Promise<Commune> {
    const row = await this.communes().where('communes.code', '=', code).executeTakeFirst();
    if (!row) throw badRequest(`${field}: no commune "${code}"`, [{ path: field, message: `no commune "${code}"` }]);
    if (row.retired_at !== null) throw badRequest(`${field}: commune "${code}" is retired`, [{ path: field, message: `commune "${code}" is retired` }]);
    return CommuneStore.toCommune(row);
  }

  /**
   * Adds a commune, with its hamlets if given, in one transaction: a taken hamlet code leaves no
   * half-made commune. What is taken is looked up first, so the 409 names it on both databases (a
   * refused statement on PostgreSQL aborts the transaction: nothing could be read after it); a
   * concurrent add that wins between the look and the insert still gets a 409.
   */
  async create(input: NewCommune, hamlets: readonly { code?: string; name: string }[] = []): Promise<Commune> {
    const hamletCodes = hamlets.map((h) => h.code ?? hamletCodeFor(input.code, h.name));
    try {
      await this.q.db.transaction().execute(async (trx) => {
        if (await trx.selectFrom('communes').select('code').where('code', '=', input.code).executeTakeFirst()) throw conflict(`commune code "${input.code}" is already taken`);
        if (input.adminCode && (await trx.selectFrom('communes').select('code').where('admin_code', '=', input.adminCode).executeTakeFirst())) {
          throw conflict(`administrative code "${input.adminCode}" is already another commune's`);
        }
        const twice = hamletCodes.find((c, i) => hamletCodes.indexOf(c) !== i);
        const taken = twice ?? (hamletCodes.length ? (await trx.selectFrom('hamlets').select('code').where('code', 'in', hamletCodes).executeTakeFirst())?.code : undefined);
        if (taken !== undefined) {
          const given = hamlets[hamletCodes.indexOf(taken)]?.code !== undefined;
          throw conflict(`hamlet code "${taken}" is already taken in the province${given ? '' : ': give the hamlet a code of its own'}`);
        }
        await trx
          .insertInto('communes')
          .values({
            code: input.code,
            name: input.name,
            district: input.district ?? '',
            province: input.province,
            admin_code: input.adminCode ?? null,
            province_admin_code: input.provinceAdminCode ?? null,
            created_at: Date.now(),
          })
          .execute();
        for (const [i, h] of hamlets.entries()) await insertHamletLast(trx, { code: hamletCodes[i]!, communeCode: input.code, name: h.name });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`commune "${input.code}", its administrative code or a hamlet code was taken meanwhile: look again`);
      throw err;
    }
    return this.get(input.code);
  }

  async update(code: string, patch: CommunePatch): Promise<Commune> {
    const current = await this.get(code);
    if (patch.retired === true && current.retiredAt === null) this.assertNoBoxOnline(`commune ${code}`, current.online);
    const retiredAt = patch.retired === undefined ? current.retiredAt : patch.retired ? (current.retiredAt ?? Date.now()) : null;
    const pick = <K extends keyof CommunePatch & keyof Commune>(key: K) => (patch[key] === undefined ? current[key] : patch[key]);
    try {
      await this.q.db
        .updateTable('communes')
        .set({
          name: pick('name')!,
          district: pick('district')!,
          province: pick('province')!,
          admin_code: pick('adminCode') ?? null,
          province_admin_code: pick('provinceAdminCode') ?? null,
          retired_at: retiredAt,
        })
        .where('code', '=', code)
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`administrative code "${patch.adminCode}" is already another commune's`);
      throw err;
    }
    return this.get(code);
  }

  async exists(code: string): Promise<boolean> {
    return (await this.q.db.selectFrom('communes').select('code').where('code', '=', code).executeTakeFirst()) !== undefined;
  }

  async hamlets(communeCode: string, { includeRetired = true }: { includeRetired?: boolean } = {}): Promise<CommuneHamlet[]> {
    await this.get(communeCode);
    let query = this.hamletRows().where('hamlets.commune_code', '=', communeCode);
    if (!includeRetired) query = query.where('hamlets.retired_at', 'is', null);
    return (await query.orderBy('hamlets.position').orderBy('hamlets.code').execute()).map(CommuneStore.toHamlet);
  }

  async hamlet(code: string): Promise<CommuneHamlet> {
    const row = await this.hamletRows().where('hamlets.code', '=', code).executeTakeFirst();
    if (!row) throw notFound(`hamlet ${code}`);
    return CommuneStore.toHamlet(row);
  }

  /**
   * Adds a hamlet at the end of its commune's order. Hamlet codes are keys across the province: one
   * not given is made from the commune's code and the name ("xa-a-ap-moi").
   */
  async addHamlet(communeCode: string, input: { code?: string; name: string }): Promise<CommuneHamlet> {
    const commune = await this.get(communeCode);
    if (commune.retiredAt !== null) throw conflict(`commune ${communeCode} is retired: restore it before adding hamlets`);
    const code = input.code ?? hamletCodeFor(communeCode, input.name);
    try {
      await insertHamletLast(this.q.db, { code, communeCode, name: input.name });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`hamlet code "${code}" is already taken in the province${input.code ? '' : ': give the hamlet a code of its own'}`);
      throw err;
    }
    return this.hamlet(code);
  }

  async updateHamlet(code: string, patch: { name?: string; retired?: boolean }): Promise<CommuneHamlet> {
    const current = await this.hamlet(code);
    if (patch.retired === true && current.retiredAt === null) this.assertNoBoxOnline(`hamlet ${code}`, current.online);
    const retiredAt = patch.retired === undefined ? current.retiredAt : patch.retired ? (current.retiredAt ?? Date.now()) : null;
    await this.q.db.updateTable('hamlets').set({ name: patch.name ?? current.name, retired_at: retiredAt }).where('code', '=', code).execute();
    return this.hamlet(code);
  }

  /** Puts the commune's hamlets in this order: every hamlet of the commune, each once, retired ones too. */
  async reorder(communeCode: string, codes: readonly string[]): Promise<CommuneHamlet[]> {
    const known = (await this.hamlets(communeCode)).map((h) => h.code);
    const missing = known.filter((c) => !codes.includes(c));
    const foreign = codes.filter((c) => !known.includes(c));
    const twice = codes.filter((c, i) => codes.indexOf(c) !== i);
    const problems = [
      ...foreign.map((c) => ({ path: 'codes', message: `"${c}" is not a hamlet of ${communeCode}` })),
      ...twice.map((c) => ({ path: 'codes', message: `"${c}" is listed twice` })),
      ...missing.map((c) => ({ path: 'codes', message: `"${c}" is missing` })),
    ];
    if (problems.length) throw badRequest(`codes: list every hamlet of ${communeCode} once (${problems.map((p) => p.message).join('; ')})`, problems);
    // the commune's condition on each row: a hamlet moved to another commune meanwhile is left alone
    await this.q.db.transaction().execute(async (trx) => {
      for (const [i, c] of codes.entries()) await trx.updateTable('hamlets').set({ position: i }).where('code', '=', c).where('commune_code', '=', communeCode).execute();
    });
    return this.hamlets(communeCode);
  }

  // --- the public read side (citizens' pages, report intake, pickers) ---

  /** The communes that are not retired, in name order. */
  async active(): Promise<CommuneInfo[]> {
    return (await activeQuery(this.q.db).execute()).map(toInfo).sort(byName);
  }

  /** A commune by its code, retired or not; null when there is none. */
  async find(code: string): Promise<CommuneInfo | null> {
    const row = await this.q.db.selectFrom('communes').select(INFO_COLUMNS).where('code', '=', code).executeTakeFirst();
    return row ? toInfo(row) : null;
  }

  /**
   * The one commune of a single-commune install (exactly one that is not retired), whose pages keep
   * the addresses they had before the province (/phan-anh, /thong-bao); null once there are several.
   */
  async single(): Promise<CommuneInfo | null> {
    const rows = await this.q.db.selectFrom('communes').select(INFO_COLUMNS).where('retired_at', 'is', null).limit(2).execute();
    return rows.length === 1 ? toInfo(rows[0]!) : null;
  }

  /** The hamlets of one commune in service (a retired hamlet leaves the pickers), in their usual order. */
  async hamletsOf(communeCode: string): Promise<HamletChoice[]> {
    return this.q.db
      .selectFrom('hamlets')
      .select(['code', 'name'])
      .where('commune_code', '=', communeCode)
      .where('retired_at', 'is', null)
      .orderBy('position')
      .orderBy('code')
      .execute();
  }

  /**
   * An online box is playing for its hamlet now: retiring what it belongs to would hide it from
   * every picker while it still runs. Revoke or move its boxes first.
   */
  private assertNoBoxOnline(what: string, online: number): void {
    if (online > 0) throw conflict(`${what} has ${online} box${online === 1 ? '' : 'es'} online: revoke or move ${online === 1 ? 'it' : 'them'} to another hamlet before retiring`);
  }
}

/**
 * Inserts a hamlet after its commune's last one, the position computed in the INSERT itself: one
 * statement, so two hamlets added at once do not read the same "last" (the import uses it too, in its
 * transaction). `db` is the store's Kysely or a transaction's.
 */
export async function insertHamletLast(db: Kysely<Database>, hamlet: { code: string; communeCode: string; name: string }): Promise<void> {
  await db
    .insertInto('hamlets')
    .values((eb) => ({
      code: hamlet.code,
      commune_code: hamlet.communeCode,
      name: hamlet.name,
      position: eb
        .selectFrom('hamlets')
        .select((x) => x.fn.coalesce(x(x.fn.max('position'), '+', 1), x.lit(0)).as('next'))
        .where('commune_code', '=', hamlet.communeCode),
    }))
    .execute();
}

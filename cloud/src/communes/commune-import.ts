import type { QueryDatabase } from '../db/query/connect.js';
import { csvRows } from '../http/csv.js';
import { adminCodeSchema, codeSchema, communeCodeFor, hamletCodeFor } from './codes.js';
import { insertHamletLast } from './commune-store.js';
import { isUniqueViolation } from '../db/query/dialect.js';

/**
 * The CSV of communes and hamlets a province imports (UTF-8, header row first, one hamlet a row;
 * a row without hamlet_name describes the commune alone). Codes may be left empty: a commune is
 * then found by its official code, else named from its name ("Xã Vị Tân" → vi-tan); a hamlet is
 * found by its name in its commune, else named "<commune>-<name>".
 */
export const IMPORT_COLUMNS = ['commune_code', 'commune_name', 'commune_admin_code', 'province', 'province_admin_code', 'hamlet_code', 'hamlet_name'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['commune_name', 'province'];

/** A province of a few hundred communes of ten to thirty hamlets each fits well within these. */
export const MAX_IMPORT_BYTES = 1024 * 1024;
export const MAX_IMPORT_ROWS = 20_000;
const MAX_NAME = 100;

export interface CommuneImportProblem {
  /** The file's line (the header is line 1). */
  line: number;
  /** The column at fault; null for the row or the file as a whole. */
  column: Column | null;
  message: string;
}

export interface CommuneImportSummary {
  communes: { created: string[]; updated: string[]; unchanged: number };
  hamlets: { created: string[]; updated: string[]; unchanged: number };
}

export type CommuneImportResult = { ok: true; summary: CommuneImportSummary } | { ok: false; problems: CommuneImportProblem[] };

interface PlannedCommune {
  code: string;
  name: string;
  province: string;
  adminCode: string | null;
  provinceAdminCode: string | null;
  line: number;
}

interface PlannedHamlet {
  code: string;
  communeCode: string;
  name: string;
  line: number;
}

interface ExistingCommune {
  code: string;
  name: string;
  province: string;
  admin_code: string | null;
  province_admin_code: string | null;
}

interface ExistingHamlet {
  code: string;
  commune_code: string;
  name: string;
}

/** A name as the console shows it: composed Unicode (a file saved on some systems decomposes "ấ"), spaces squeezed. */
const cleanName = (value: string) => value.normalize('NFC').trim().replace(/\s+/g, ' ');
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

type Plan = { communes: PlannedCommune[]; hamlets: PlannedHamlet[] };
type Existing = { communes: ExistingCommune[]; hamlets: ExistingHamlet[] };

/** Reads the file's rows; checks its size, encoding and header. Every problem is named. */
function readFile(text: string): string[][] | CommuneImportProblem[] {
  const problems: CommuneImportProblem[] = [];
  if (Buffer.byteLength(text) > MAX_IMPORT_BYTES) return [{ line: 1, column: null, message: `the file is larger than ${MAX_IMPORT_BYTES / 1024} KiB` }];
  if (text.includes('\uFFFD')) return [{ line: 1, column: null, message: 'the file is not UTF-8: save it as "CSV UTF-8"' }];
  const rows = csvRows(text.replace(/^\uFEFF/, ''));
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
  const missing = REQUIRED.filter((c) => !header.includes(c));
  for (const h of unknown) problems.push({ line: 1, column: null, message: `unknown column "${h}" (the columns are ${IMPORT_COLUMNS.join(', ')})` });
  for (const c of missing) problems.push({ line: 1, column: c, message: 'this column is required in the header row' });
  if (problems.length) return problems;
  if (rows.length - 1 > MAX_IMPORT_ROWS) return [{ line: MAX_IMPORT_ROWS + 2, column: null, message: `at most ${MAX_IMPORT_ROWS} rows` }];
  return rows;
}

/** Checks every row against the database as it is (read in the import's transaction); writes nothing. */
function plan(rows: string[][], existing: Existing): Plan | CommuneImportProblem[] {
  const problems: CommuneImportProblem[] = [];
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const { communes: existingCommunes, hamlets: existingHamlets } = existing;
  const communeByAdmin = new Map(existingCommunes.filter((c) => c.admin_code).map((c) => [c.admin_code!, c]));
  const hamletByCode = new Map(existingHamlets.map((h) => [h.code, h]));

  const communes = new Map<string, PlannedCommune>();
  const hamlets = new Map<string, PlannedHamlet>();
  rows.slice(1).forEach((cells, i) => {
    const line = i + 2;
    if (cells.every((c) => c.trim() === '')) return;
    if (cells.length > header.length) problems.push({ line, column: null, message: `${cells.length} fields, the header has ${header.length}` });
    const raw = (column: Column) => {
      const at = header.indexOf(column);
      return at < 0 ? '' : (cells[at] ?? '').trim();
    };
    const bad = (column: Column, message: string) => problems.push({ line, column, message });
    const name = (column: Column, required: boolean): string | null => {
      const value = cleanName(raw(column));
      if (value === '') {
        if (required) bad(column, 'required');
        return null;
      }
      if (value.length > MAX_NAME) bad(column, `at most ${MAX_NAME} characters`);
      else if (CONTROL.test(value)) bad(column, 'holds a control character');
      return value;
    };
    const code = (column: Column): string | null => {
      const value = raw(column);
      if (value === '') return null;
      const parsed = codeSchema.safeParse(value);
      if (!parsed.success) bad(column, `"${value}" ${parsed.error.issues[0]!.message}`);
      return parsed.success ? parsed.data : null;
    };
    const adminCode = (column: Column): string | null => {
      const value = raw(column);
      if (value === '') return null;
      const parsed = adminCodeSchema.safeParse(value);
      if (!parsed.success) bad(column, `"${value}": ${parsed.error.issues[0]!.message}`);
      return parsed.success ? parsed.data : null;
    };

    const communeName = name('commune_name', true);
    const province = name('province', true);
    const givenCode = code('commune_code');
    const communeAdmin = adminCode('commune_admin_code');
    const provinceAdmin = adminCode('province_admin_code');
    const hamletName = name('hamlet_name', false);
    const givenHamlet = code('hamlet_code');
    if (communeName === null || province === null) return;

    const communeCode = givenCode ?? (communeAdmin ? communeByAdmin.get(communeAdmin)?.code : undefined) ?? communeCodeFor(communeName);
    const planned = communes.get(communeCode);
    if (planned) {
      // one commune, said the same way on every row
      if (planned.name !== communeName) bad('commune_name', `"${communeName}" but line ${planned.line} names commune ${communeCode} "${planned.name}"`);
      if (communeAdmin && planned.adminCode && planned.adminCode !== communeAdmin) bad('commune_admin_code', `${communeAdmin} but line ${planned.line} gives ${planned.adminCode} for ${communeCode}`);
      planned.adminCode ??= communeAdmin;
      planned.provinceAdminCode ??= provinceAdmin;
    } else {
      const holder = communeAdmin ? communeByAdmin.get(communeAdmin) : undefined;
      if (holder && holder.code !== communeCode) bad('commune_admin_code', `${communeAdmin} is already commune ${holder.code}'s (${holder.name})`);
      const sameAdmin = [...communes.values()].find((c) => communeAdmin !== null && c.adminCode === communeAdmin);
      if (sameAdmin) bad('commune_admin_code', `${communeAdmin} is also commune ${sameAdmin.code}'s on line ${sameAdmin.line}`);
      communes.set(communeCode, { code: communeCode, name: communeName, province, adminCode: communeAdmin, provinceAdminCode: provinceAdmin, line });
    }

    if (hamletName === null) {
      if (givenHamlet) bad('hamlet_name', 'required when hamlet_code is given');
      return;
    }
    const byName = existingHamlets.find((h) => h.commune_code === communeCode && cleanName(h.name) === hamletName);
    const hamletCode = givenHamlet ?? byName?.code ?? hamletCodeFor(communeCode, hamletName);
    const other = hamletByCode.get(hamletCode);
    if (other && other.commune_code !== communeCode) {
      bad(givenHamlet ? 'hamlet_code' : 'hamlet_name', `hamlet code "${hamletCode}" is already commune ${other.commune_code}'s (${other.name})${givenHamlet ? '' : ': give this hamlet a hamlet_code'}`);
    }
    const twice = hamlets.get(hamletCode);
    if (twice) bad(givenHamlet ? 'hamlet_code' : 'hamlet_name', `hamlet ${hamletCode} is also on line ${twice.line}`);
    else hamlets.set(hamletCode, { code: hamletCode, communeCode, name: hamletName, line });
  });
  if (problems.length) return problems.sort((a, b) => a.line - b.line);
  if (communes.size === 0) return [{ line: 2, column: null, message: 'the file has no rows after the header' }];
  return { communes: [...communes.values()], hamlets: [...hamlets.values()] };
}

/** The refusal that rolls the import's transaction back, carrying the problems found in it. */
class Refused extends Error {
  constructor(readonly problems: CommuneImportProblem[]) {
    super('import refused');
  }
}

/**
 * Imports a CSV of communes and hamlets, all or nothing: the whole file is checked first, and a
 * file with any bad row changes nothing. Importing the same file again changes nothing more;
 * importing a corrected one updates names and codes and adds what is new (nothing is removed:
 * retire what is gone). The check reads the database inside the one transaction that writes, so
 * what it checked is what it writes over; any failure part-way (a code another admin took meanwhile)
 * rolls everything back, on SQLite and PostgreSQL alike.
 */
export async function importCommunes(q: QueryDatabase, text: string, now = Date.now()): Promise<CommuneImportResult> {
  const rows = readFile(text);
  if (isProblems(rows)) return { ok: false, problems: rows };
  try {
    const summary = await q.db.transaction().execute(async (trx) => {
      const existing: Existing = {
        communes: await trx.selectFrom('communes').select(['code', 'name', 'province', 'admin_code', 'province_admin_code']).execute(),
        hamlets: await trx.selectFrom('hamlets').select(['code', 'commune_code', 'name']).execute(),
      };
      const planned = plan(rows, existing);
      if (Array.isArray(planned)) throw new Refused(planned);
      const summary: CommuneImportSummary = { communes: { created: [], updated: [], unchanged: 0 }, hamlets: { created: [], updated: [], unchanged: 0 } };
      const communeByCode = new Map(existing.communes.map((c) => [c.code, c]));
      const hamletByCode = new Map(existing.hamlets.map((h) => [h.code, h]));
      for (const c of planned.communes) {
        const current = communeByCode.get(c.code);
        if (!current) {
          await trx
            .insertInto('communes')
            .values({ code: c.code, name: c.name, district: '', province: c.province, admin_code: c.adminCode, province_admin_code: c.provinceAdminCode, created_at: now })
            .execute();
          summary.communes.created.push(c.code);
          continue;
        }
        // an empty code in the file keeps the one already set
        const next = { name: c.name, province: c.province, admin_code: c.adminCode ?? current.admin_code, province_admin_code: c.provinceAdminCode ?? current.province_admin_code };
        if (next.name === current.name && next.province === current.province && next.admin_code === current.admin_code && next.province_admin_code === current.province_admin_code) {
          summary.communes.unchanged++;
          continue;
        }
        await trx.updateTable('communes').set(next).where('code', '=', c.code).execute();
        summary.communes.updated.push(c.code);
      }
      for (const h of planned.hamlets) {
        const current = hamletByCode.get(h.code);
        if (!current) {
          await insertHamletLast(trx, { code: h.code, communeCode: h.communeCode, name: h.name });
          summary.hamlets.created.push(h.code);
        } else if (current.name !== h.name) {
          await trx.updateTable('hamlets').set({ name: h.name }).where('code', '=', h.code).execute();
          summary.hamlets.updated.push(h.code);
        } else summary.hamlets.unchanged++;
      }
      return summary;
    });
    return { ok: true, summary };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, problems: err.problems };
    if (isUniqueViolation(err)) {
      return { ok: false, problems: [{ line: 1, column: null, message: 'a commune or hamlet code of the file was taken by another change while importing: nothing imported, import the file again' }] };
    }
    throw err;
  }
}

const isProblems = (value: string[][] | CommuneImportProblem[]): value is CommuneImportProblem[] => value.length > 0 && !Array.isArray(value[0]);

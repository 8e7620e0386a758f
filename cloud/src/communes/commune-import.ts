import type { Db } from '../db/database.js';
import { csvRows } from '../http/csv.js';
import { adminCodeSchema, codeSchema, communeCodeFor, hamletCodeFor } from './codes.js';

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

/** Reads the whole file against the database; writes nothing. Every problem is named. */
function plan(db: Db, text: string): { communes: PlannedCommune[]; hamlets: PlannedHamlet[] } | CommuneImportProblem[] {
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

  const existingCommunes = db.prepare('SELECT code, name, province, admin_code, province_admin_code FROM communes').all() as ExistingCommune[];
  const existingHamlets = db.prepare('SELECT code, commune_code, name FROM hamlets').all() as ExistingHamlet[];
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

/**
 * Imports a CSV of communes and hamlets, all or nothing: the whole file is checked first, and a
 * file with any bad row changes nothing. Importing the same file again changes nothing more;
 * importing a corrected one updates names and codes and adds what is new (nothing is removed:
 * retire what is gone).
 */
export function importCommunes(db: Db, text: string, now = Date.now()): CommuneImportResult {
  const planned = plan(db, text);
  if (Array.isArray(planned)) return { ok: false, problems: planned };
  const summary: CommuneImportSummary = { communes: { created: [], updated: [], unchanged: 0 }, hamlets: { created: [], updated: [], unchanged: 0 } };
  db.transaction(() => {
    for (const c of planned.communes) {
      const current = db.prepare('SELECT name, province, admin_code, province_admin_code FROM communes WHERE code = ?').get(c.code) as ExistingCommune | undefined;
      if (!current) {
        db.prepare("INSERT INTO communes (code, name, district, province, admin_code, province_admin_code, created_at) VALUES (?, ?, '', ?, ?, ?, ?)").run(
          c.code,
          c.name,
          c.province,
          c.adminCode,
          c.provinceAdminCode,
          now,
        );
        summary.communes.created.push(c.code);
        continue;
      }
      // an empty code in the file keeps the one already set
      const next = { name: c.name, province: c.province, admin_code: c.adminCode ?? current.admin_code, province_admin_code: c.provinceAdminCode ?? current.province_admin_code };
      if (next.name === current.name && next.province === current.province && next.admin_code === current.admin_code && next.province_admin_code === current.province_admin_code) {
        summary.communes.unchanged++;
        continue;
      }
      db.prepare('UPDATE communes SET name = ?, province = ?, admin_code = ?, province_admin_code = ? WHERE code = ?').run(next.name, next.province, next.admin_code, next.province_admin_code, c.code);
      summary.communes.updated.push(c.code);
    }
    for (const h of planned.hamlets) {
      const current = db.prepare('SELECT name FROM hamlets WHERE code = ?').get(h.code) as { name: string } | undefined;
      if (!current) {
        const { next } = db.prepare('SELECT COALESCE(MAX(position) + 1, 0) AS next FROM hamlets WHERE commune_code = ?').get(h.communeCode) as { next: number };
        db.prepare('INSERT INTO hamlets (code, commune_code, name, position) VALUES (?, ?, ?, ?)').run(h.code, h.communeCode, h.name, next);
        summary.hamlets.created.push(h.code);
      } else if (current.name !== h.name) {
        db.prepare('UPDATE hamlets SET name = ? WHERE code = ?').run(h.name, h.code);
        summary.hamlets.updated.push(h.code);
      } else summary.hamlets.unchanged++;
    }
  })();
  return { ok: true, summary };
}

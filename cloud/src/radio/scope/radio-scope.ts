import type { Db } from '../../db/database.js';
import { badRequest, forbidden } from '../../http/errors.js';
import { assertSees, mayChange, type Scoped } from '../../communes/scope.js';

/**
 * Whose a new radio item is (issue 10): a bulletin, a schedule. A commune's person writes for their
 * commune; a province-level person writes the province's own (commune NULL: a province-wide
 * programme) or, naming one, for a commune. A province-level person of a single-commune install (its
 * admin) writes for that commune, as before issue 10: the install keeps its behaviour, and items stay
 * the commune's when a second commune is added later.
 */
export function communeForWrite(db: Db, person: Scoped, asked: string | null | undefined): string | null {
  if (person.communeCode !== null) {
    if (asked !== undefined && asked !== person.communeCode) throw forbidden(`you belong to commune ${person.communeCode}: you cannot write for ${asked === null ? 'the province' : `commune ${asked}`}`);
    return person.communeCode;
  }
  if (asked === null) return null;
  if (asked !== undefined) {
    const known = db.prepare('SELECT 1 FROM communes WHERE code = ? AND retired_at IS NULL').get(asked);
    if (!known) throw badRequest(`unknown commune ${asked}`, [{ path: 'communeCode', message: 'no such commune (or retired)' }]);
    return asked;
  }
  const open = db.prepare('SELECT code FROM communes WHERE retired_at IS NULL').pluck().all() as string[];
  return open.length === 1 ? open[0]! : null;
}

/**
 * Before a change: another commune's item answers 404 as if it did not exist; the province's own item,
 * which a commune's people may read, answers 403 naming it as the province's.
 */
export function assertMayChangeItem(person: Scoped, communeCode: string | null, what: string): void {
  assertSees(person, communeCode, what);
  if (!mayChange(person, communeCode)) throw forbidden(`${what} is the province's: only the province's people may change it`);
}

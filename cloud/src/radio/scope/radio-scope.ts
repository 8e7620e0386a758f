import type { QueryDatabase } from '../../db/query/index.js';
import { badRequest, forbidden } from '../../http/errors.js';
import { assertSees, mayChange, type Scoped } from '../../communes/scope.js';

/**
 * Whose a new radio item is (issue 10): a bulletin, a schedule. A commune's person writes for their
 * commune; a province-level person writes the province's own (commune NULL: a province-wide
 * programme) or, naming one, for a commune. A province-level person of a single-commune install (its
 * admin) writes for that commune, as before issue 10: the install keeps its behaviour, and items stay
 * the commune's when a second commune is added later.
 */
export async function communeForWrite(q: QueryDatabase, person: Scoped, asked: string | null | undefined): Promise<string | null> {
  if (person.communeCode !== null) {
    if (asked !== undefined && asked !== person.communeCode) throw forbidden(`you belong to commune ${person.communeCode}: you cannot write for ${asked === null ? 'the province' : `commune ${asked}`}`);
    return person.communeCode;
  }
  if (asked === null) return null;
  const open = q.db.selectFrom('communes').select('code').where('retired_at', 'is', null);
  if (asked !== undefined) {
    const known = await open.where('code', '=', asked).executeTakeFirst();
    if (!known) throw badRequest(`unknown commune ${asked}`, [{ path: 'communeCode', message: 'no such commune (or retired)' }]);
    return asked;
  }
  // two rows are enough to know it is not a single-commune install
  const communes = await open.limit(2).execute();
  return communes.length === 1 ? communes[0]!.code : null;
}

/**
 * Before a change: another commune's item answers 404 as if it did not exist; the province's own item,
 * which a commune's people may read, answers 403 naming it as the province's.
 */
export function assertMayChangeItem(person: Scoped, communeCode: string | null, what: string): void {
  assertSees(person, communeCode, what);
  if (!mayChange(person, communeCode)) throw forbidden(`${what} is the province's: only the province's people may change it`);
}

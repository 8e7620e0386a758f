import { notFound } from '../http/errors.js';

/**
 * Where a person stands in the province (issue 10): `commune` null for a province-level person, who
 * sees every commune; otherwise the one commune whose objects they see and change. Objects carry
 * `commune_code`; NULL there is the province's own (a province-wide programme, an admin's action),
 * which a commune's people may read but not change.
 */
export interface Scoped {
  communeCode: string | null;
}

export const isProvinceLevel = (person: Scoped): boolean => person.communeCode === null;

/** May this person see an object of `communeCode` (null: the province's own)? */
export function sees(person: Scoped, communeCode: string | null, { provinceItems = true }: { provinceItems?: boolean } = {}): boolean {
  if (person.communeCode === null) return true;
  if (communeCode === null) return provinceItems;
  return communeCode === person.communeCode;
}

/** May this person change an object of `communeCode`? A commune's people never change the province's own. */
export const mayChange = (person: Scoped, communeCode: string | null): boolean => person.communeCode === null || communeCode === person.communeCode;

/**
 * Another commune's object answers as if it did not exist (404), never with its details. `what` is
 * the same words the store's own not-found uses, so the two answers cannot be told apart.
 */
export function assertSees(person: Scoped, communeCode: string | null, what: string, options?: { provinceItems?: boolean }): void {
  if (!sees(person, communeCode, options)) throw notFound(what);
}

export function assertMayChange(person: Scoped, communeCode: string | null, what: string): void {
  if (!mayChange(person, communeCode)) throw notFound(what);
}

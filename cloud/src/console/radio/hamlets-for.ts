/**
 * The hamlets a person may target on the alert, station and live pages (issue 10): a commune's
 * person their commune's only (the API refuses the others as unknown), a province-level person all
 * of them. Hamlets without a known commune are kept (a single-commune install's list as before).
 */
export function hamletsFor<H extends { code: string; name: string; communeCode?: string }>(hamlets: readonly H[], person: { communeCode: string | null } | null | undefined): { code: string; name: string }[] {
  const commune = person?.communeCode ?? null;
  return hamlets.filter((h) => commune === null || h.communeCode === undefined || h.communeCode === commune).map((h) => ({ code: h.code, name: h.name }));
}

import { assertSees, type Scoped } from '../communes/scope.js';
import type { ReportFilter, ReportRecord, ReportStore } from './report-store.js';

/**
 * The filter that keeps a list to the reports a person may handle (issue 10): a commune's people
 * their commune's only. A report always belongs to its hamlet's commune, so there are no province
 * reports for them to read; a province-level person sees every commune's.
 */
export const reportScope = (person: Scoped): Pick<ReportFilter, 'communeCode'> => (person.communeCode === null ? {} : { communeCode: person.communeCode });

/**
 * The commune filter of a list a person asked for: a province-level person may narrow it to one
 * commune; a commune's people are held to theirs, and asking for another's is answered by `null`
 * (an empty list: the other commune's reports are not theirs to count).
 */
export function requestedScope(person: Scoped, commune: string | undefined): Pick<ReportFilter, 'communeCode'> | null {
  if (person.communeCode === null) return commune === undefined ? {} : { communeCode: commune };
  return commune === undefined || commune === person.communeCode ? { communeCode: person.communeCode } : null;
}

/**
 * A report for a staff member, by tracking code: another commune's answers the same 404 as a code
 * nobody was given, so a commune's people cannot learn that it exists.
 */
export function reportFor(store: ReportStore, person: Scoped, code: string): ReportRecord {
  const report = store.byCode(code);
  assertSees(person, report.communeCode, `report ${code}`, { provinceItems: false });
  return report;
}

/** The same as `reportFor`, null instead of 404: for the console's pages, which draw their own. */
export function findReportFor(store: ReportStore, person: Scoped, code: string): ReportRecord | null {
  const report = store.find(code);
  if (!report) return null;
  return person.communeCode === null || report.communeCode === person.communeCode ? report : null;
}

import { assertSees, type Scoped } from '../communes/scope.js';
import type { ReportRecord, ReportStore } from './report-store.js';

/**
 * A report for a staff member, by tracking code: another commune's answers the same 404 as a code
 * nobody was given, so a commune's people cannot learn that it exists.
 */
export async function reportFor(store: ReportStore, person: Scoped, code: string): Promise<ReportRecord> {
  const report = await store.byCode(code);
  assertSees(person, report.communeCode, `report ${code}`, { provinceItems: false });
  return report;
}

/** The same as `reportFor`, null instead of 404: for the console's pages, which draw their own. */
export async function findReportFor(store: ReportStore, person: Scoped, code: string): Promise<ReportRecord | null> {
  const report = await store.find(code);
  if (!report) return null;
  return person.communeCode === null || report.communeCode === person.communeCode ? report : null;
}

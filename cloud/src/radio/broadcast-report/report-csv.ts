import { excelCsv } from '../../http/csv.js';
import { REPORT_PRIORITIES, SOURCES, type MonthlyReport } from './monthly-report.js';
import { reportLabels } from './report-labels.js';

const minutes = (ms: number) => Math.round(ms / 600) / 100;

/**
 * The monthly report for Excel, Vietnamese headers: one row per hamlet with its minutes on air by
 * source and by priority, its total, its number of broadcasts, and its loudspeakers' uptime.
 */
export function monthlyReportCsv(report: MonthlyReport): string {
  const l = reportLabels.vi;
  const header = [
    'Tháng',
    'Ấp',
    ...SOURCES.map((s) => `${l.source[s]} (phút)`),
    ...REPORT_PRIORITIES.map((p) => `${l.priority[p]} (phút)`),
    'Tổng thời lượng (phút)',
    'Số lượt phát',
    'Loa hoạt động (%)',
    'Loa không hoạt động (phút)',
  ];
  const rows = report.hamlets.map((h) => [
    report.month,
    h.hamletName,
    ...SOURCES.map((s) => minutes(h.bySource[s].ms)),
    ...REPORT_PRIORITIES.map((p) => minutes(h.byPriority[p].ms)),
    minutes(h.total.ms),
    h.total.items,
    h.uptime.ratio === null ? null : Math.round(h.uptime.ratio * 10_000) / 100,
    minutes(h.uptime.knownMs - h.uptime.upMs),
  ]);
  return excelCsv(header, rows);
}

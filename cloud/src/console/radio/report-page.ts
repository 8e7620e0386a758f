import { Hono } from 'hono';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator } from '../i18n.js';
import { currentMonth, MONTH_PATTERN, type MonthlyReport } from '../../radio/broadcast-report/monthly-report.js';
import { reportMarkup } from './report-markup.js';
import { reportMessages } from './report-messages.js';

/** The monthly broadcast report page: server-drawn from the radio's report (which reads the domain stores), printable. */
/** `monthly(month, commune)`: a commune's people get their commune's report, a province-level person the province's. */
export function createReportPage(deps: { monthly(month: string, communeCode?: string): Promise<MonthlyReport> }) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    app.get('/radio/report', kit.page('radio.playback.read'), async (c) => {
      const lang = c.get('view').lang;
      const t = translator(reportMessages, lang);
      const asked = c.req.query('month');
      // a month that is not YYYY-MM (a hand-typed URL) shows the current one rather than an error page
      const month = asked && MONTH_PATTERN.test(asked) ? asked : currentMonth();
      const report = await deps.monthly(month, c.get('view').user?.communeCode ?? undefined);
      return kit.render(c, { title: t('reportTitle', { month }), main: reportMarkup(t, lang, report), scripts: ['radio-report.js'] });
    });
    return { nav: [{ href: '/radio/report', label: { vi: reportMessages.vi.navReport, en: reportMessages.en.navReport } }], routes: app };
  };
}

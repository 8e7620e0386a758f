import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { apiRoute, jsonContent } from '../../http/route.js';
import type { BroadcastReports } from './broadcast-reports.js';
import { currentMonth, MONTH_PATTERN } from './monthly-report.js';
import { monthlyReportCsv } from './report-csv.js';

const tags = ['Radio'];

export const monthQuery = z.object({
  month: z
    .string()
    .regex(MONTH_PATTERN, 'month must be YYYY-MM (e.g. 2026-11)')
    .optional()
    .openapi({ description: 'The month, YYYY-MM in the commune calendar (Asia/Ho_Chi_Minh); default the current one', example: '2026-11' }),
  commune: z.string().min(1).max(64).optional().openapi({ description: "One commune's report (a province-level person's choice; a commune's people always get their own)" }),
});

const airtime = z.object({ items: z.number().int(), ms: z.number().int() });
const reportSchema = z
  .object({
    month: z.string(),
    from: z.number(),
    to: z.number(),
    generatedAt: z.number(),
    total: airtime,
    hamlets: z.array(
      z.object({
        hamletCode: z.string(),
        hamletName: z.string(),
        total: airtime,
        bySource: z.object({ bulletin: airtime, live: airtime, relay: airtime, alert: airtime }),
        byPriority: z.object({ emergency: airtime, priority: airtime, normal: airtime, unknown: airtime }),
        cells: z.array(z.object({ source: z.string(), priority: z.string(), items: z.number().int(), ms: z.number().int() })),
        uptime: z.object({ ratio: z.number().nullable(), upMs: z.number(), knownMs: z.number(), zones: z.number().int() }),
      }),
    ),
  })
  .openapi('MonthlyBroadcastReport');

/** The monthly broadcast report per hamlet, as JSON and as CSV for Excel. */
export function createReportRoutes({ guard, reports }: { guard: Guard; reports: BroadcastReports }) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'radio.playback.read', {
      method: 'get',
      path: '/radio/reports/monthly',
      tags,
      summary: "Per hamlet of the person's commune (a province-level person: every commune, or the one asked): the month's broadcast time by source (bulletin, live voice, relay, alert) and priority, and its loudspeakers' uptime",
      request: { query: monthQuery },
      responses: { 200: jsonContent(reportSchema, 'The report') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(await reports.monthly(q.month ?? currentMonth(), currentUser(c).communeCode ?? q.commune), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.playback.read', {
      method: 'get',
      path: '/radio/reports/monthly.csv',
      tags,
      summary: 'The monthly report as CSV for Excel (UTF-8 with BOM, one row per hamlet, minutes)',
      request: { query: monthQuery },
      responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } } },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const month = q.month ?? currentMonth();
      c.header('content-disposition', `attachment; filename="bao-cao-phat-thanh-${month}.csv"`);
      return c.body(monthlyReportCsv(await reports.monthly(month, currentUser(c).communeCode ?? q.commune)), 200, { 'content-type': 'text/csv; charset=utf-8' });
    },
  );

  return app;
}

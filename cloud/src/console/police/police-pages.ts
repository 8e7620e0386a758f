import { Hono, type Context } from 'hono';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import { actorOf, type AuditLog } from '../../audit/audit-log.js';
import { requestIp } from '../../audit/request-ip.js';
import type { Db } from '../../db/database.js';
import { incidentJson, incidentListQuery } from '../../incidents/http-schemas.js';
import type { Incidents } from '../../incidents/incidents.js';
import { parseRangeBound } from '../../radio/schedules/local-time.js';
import { reportJson, reportListQuery, reportSummaryJson } from '../../reports/http-schemas.js';
import { trackingCodeSchema } from '../../reports/report-schemas.js';
import type { Reports } from '../../reports/reports.js';
import { can } from '../../users/permissions.js';
import type { UserStore } from '../../users/user-store.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator } from '../i18n.js';
import { policeMessages } from './police-messages.js';
import { incidentPage, incidentQueue, labelName, reportPage, reportQueue, type Choice } from './police-markup.js';

export interface PolicePagesDeps {
  db: Db;
  incidents: Incidents;
  reports: Reports;
  users: UserStore;
  audit: AuditLog;
  hamlets(): { code: string; name: string }[];
}

const PAGE_SIZE = 20;

/** Only the filters that were filled in (an empty select sends ""). */
const filled = (query: Record<string, string>) => Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));

const bound = (text: string | undefined, edge: 'start' | 'end') => (text === undefined ? undefined : (parseRangeBound(text, COMMUNE_TIME_ZONE, edge) ?? undefined));

/** The commune police's pages: one queue of camera incidents and citizens' reports, an incident's review, a report. */
export function createPolicePages(deps: PolicePagesDeps) {
  const { db, incidents, reports, users, audit } = deps;
  const distinct = (column: 'camera_id' | 'label') => (db.prepare(`SELECT DISTINCT ${column} AS v FROM incidents ORDER BY v`).all() as { v: string }[]).map((r) => r.v);
  const waiting = () => ({ incidents: incidents.store.page({ status: 'new' }, 1, 0).total, reports: reports.store.page({ status: 'new' }, 1, 0).total });

  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const tOf = (c: Context<ConsoleEnv>) => translator(policeMessages, c.get('view').lang);
    const hamletChoices = (): Choice[] => deps.hamlets().map((h) => ({ value: h.code, label: h.name }));
    const notFoundPage = (c: Context<ConsoleEnv>) => kit.render(c, { title: c.get('view').t('notFoundTitle'), main: '', status: 404 });

    app.get('/police', kit.page('incidents.review'), (c) => c.redirect('/police/incidents', 303));

    app.get('/police/incidents', kit.page('incidents.review'), (c) => {
      const t = tOf(c);
      const { lang } = c.get('view');
      const raw = filled(c.req.query());
      const parsed = incidentListQuery.safeParse({ ...raw, limit: PAGE_SIZE });
      const q = parsed.success ? parsed.data : incidentListQuery.parse({ limit: PAGE_SIZE });
      const error = parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      const filter = { hamletCode: q.hamlet, cameraId: q.camera, label: q.label, status: q.status, from: bound(q.from, 'start'), to: bound(q.to, 'end') };
      const page = incidents.store.page(filter, q.limit, q.offset);
      const query = new URLSearchParams(raw);
      query.delete('offset');
      return kit.render(c, {
        title: t('queueTitle'),
        main: incidentQueue(t, lang, {
          items: page.items.map(incidentJson),
          paging: { total: page.total, limit: q.limit, offset: q.offset, query },
          hamlets: hamletChoices(),
          cameras: distinct('camera_id').map((v) => ({ value: v, label: v })),
          labels: distinct('label').map((v) => ({ value: v, label: labelName(v, lang) })),
          filter: raw,
          error,
          waiting: waiting(),
        }),
      });
    });

    app.get('/police/incidents/:id', kit.page('incidents.review'), (c) => {
      const t = tOf(c);
      const { lang } = c.get('view');
      const id = c.req.param('id');
      const record = incidents.store.get(id);
      if (!record) return notFoundPage(c);
      const incident = { ...incidentJson(record), notes: incidents.notes.list(id), versions: incidents.versions.list(id) };
      const assignees = users
        .list()
        .filter((u) => !u.disabled && can(u, 'incidents.review'))
        .map((u) => ({ value: u.id, label: u.displayName }));
      return kit.render(c, {
        title: t('incidentTitle', { label: labelName(incident.label, lang), place: incident.hamletName ?? incident.cameraId }),
        main: incidentPage(t, lang, incident, assignees, incidents.exportKey.fingerprint),
        scripts: ['police-incident.js'],
        data: { incidentId: id, strings: scriptStrings(c) },
      });
    });

    app.get('/police/reports', kit.page('reports.review'), (c) => {
      const t = tOf(c);
      const raw = filled(c.req.query());
      const parsed = reportListQuery.safeParse({ ...raw, limit: PAGE_SIZE });
      const q = parsed.success ? parsed.data : reportListQuery.parse({ limit: PAGE_SIZE });
      const page = reports.store.page({ status: q.status, hamletCode: q.hamlet, category: q.category }, q.limit, q.offset);
      const query = new URLSearchParams(raw);
      query.delete('offset');
      return kit.render(c, {
        title: t('queueTitle'),
        main: reportQueue(t, c.get('view').lang, { items: page.items.map(reportSummaryJson), paging: { total: page.total, limit: q.limit, offset: q.offset, query }, hamlets: hamletChoices(), filter: raw, waiting: waiting() }),
      });
    });

    app.get('/police/reports/:code', kit.page('reports.review'), (c) => {
      const t = tOf(c);
      const code = trackingCodeSchema.safeParse(c.req.param('code'));
      const report = code.success ? reports.store.find(code.data) : null;
      if (!report) return notFoundPage(c);
      audit.record({ actor: actorOf(c.get('view').user!), action: 'report.view', target: `report:${report.code}`, ip: requestIp(c) });
      return kit.render(c, { title: t('reportTitle', { code: report.code }), main: reportPage(t, c.get('view').lang, reportJson(report)), scripts: ['police-report.js'], data: { strings: scriptStrings(c) } });
    });

    return {
      nav: [{ href: '/police/incidents', label: { vi: policeMessages.vi.navQueue, en: policeMessages.en.navQueue } }],
      routes: app,
    };
  };
}

/** The strings the page scripts show. */
function scriptStrings(c: Context<ConsoleEnv>) {
  const { t, lang } = c.get('view');
  const p = policeMessages[lang];
  return { errorGeneric: t('errorGeneric'), errorNetwork: t('errorNetwork'), saving: t('saving'), saved: t('saved'), checking: p.checking, hashMatches: p.hashMatches, hashDiffers: p.hashDiffers };
}

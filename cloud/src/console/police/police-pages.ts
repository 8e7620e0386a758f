import { Hono, type Context } from 'hono';
import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import { actorOf, type AuditLog } from '../../audit/audit-log.js';
import { requestIp } from '../../audit/request-ip.js';
import { incidentItemJson, incidentJson, incidentListQuery } from '../../incidents/http-schemas.js';
import type { Incidents } from '../../incidents/incidents.js';
import { parseRangeBound } from '../../radio/schedules/local-time.js';
import { reportJson, reportListQuery, reportSummaryJson } from '../../reports/http-schemas.js';
import { trackingCodeSchema } from '../../reports/report-schemas.js';
import type { Reports } from '../../reports/reports.js';
import { findReportFor } from '../../reports/report-scope.js';
import { listCommune } from '../../communes/edge-commune.js';
import { isProvinceLevel, sees, type Scoped } from '../../communes/scope.js';
import { can } from '../../users/permissions.js';
import type { UserStore } from '../../users/user-store.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator } from '../i18n.js';
import { policeMessages } from './police-messages.js';
import { incidentPage, playableParts } from './police-item-markup.js';
import { incidentQueue, labelName, reportPage, reportQueue, type Choice } from './police-markup.js';
import type { FloodedCamera } from '../../vision/camera-floods.js';
import { footagePage, type CameraChoice } from './footage-markup.js';
import { footageMessages } from './footage-messages.js';
import { parseFootageTime } from '../../footage/footage-routes.js';
import type { Footage } from '../../footage/footage.js';
import { FOOTAGE_MAX_RANGE_MS } from '@smart-commune/shared';

export interface PolicePagesDeps {
  incidents: Incidents;
  reports: Reports;
  users: UserStore;
  audit: AuditLog;
  hamlets(): Promise<{ code: string; name: string; communeCode: string }[]>;
  /** The communes a province-level officer filters the queue by. */
  communes(): Promise<{ code: string; name: string }[]>;
  /** Footage by time: the requests, and how a new one is sent to its box. */
  footage: Footage;
  /** Every camera police may ask footage of: `{edgeId}/{cameraId}`, a name with its hamlet, and its box's commune. */
  cameras(): Promise<(CameraChoice & { communeCode: string | null })[]>;
  /** Whether a box is connected now (a waiting request says it waits for the box to come back). */
  edgeOnline(edgeId: string): Promise<boolean>;
  /** Cameras in a flood warning now (vision's, from the boxes' telemetry). */
  floods(): Promise<FloodedCamera[]>;
}

const PAGE_SIZE = 20;

/** Only the filters that were filled in (an empty select sends ""). */
const filled = (query: Record<string, string>) => Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));

const bound = (text: string | undefined, edge: 'start' | 'end') => (text === undefined ? undefined : (parseRangeBound(text, COMMUNE_TIME_ZONE, edge) ?? undefined));

/** The commune police's pages: one queue of camera incidents and citizens' reports, an incident's review, a report. */
export function createPolicePages(deps: PolicePagesDeps) {
  const { incidents, reports, users, audit } = deps;
  const waiting = async (person: Scoped) => ({
    incidents: (await incidents.store.page({ status: 'new', severity: 'alert', communeCode: person.communeCode ?? undefined }, 1, 0)).total,
    reports: (await reports.store.page({ status: 'new', communeCode: person.communeCode ?? undefined }, 1, 0)).total,
  });
  // what an officer sees is their commune's (a province-level officer: every commune's)
  const hamletsOf = async (person: Scoped) => (await deps.hamlets()).filter((h) => sees(person, h.communeCode, { provinceItems: false }));
  // a province-level officer chooses a commune; a single-commune install shows no such filter, as before
  const communeFilter = async (person: Scoped): Promise<Choice[]> => {
    const communes = isProvinceLevel(person) ? await deps.communes() : [];
    return communes.length > 1 ? communes.map((cm) => ({ value: cm.code, label: cm.name })) : [];
  };
  const camerasOf = async (person: Scoped) => (await deps.cameras()).filter((cam) => sees(person, cam.communeCode, { provinceItems: false }));

  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const tOf = (c: Context<ConsoleEnv>) => translator(policeMessages, c.get('view').lang);
    const hamletChoices = async (c: Context<ConsoleEnv>): Promise<Choice[]> => (await hamletsOf(c.get('view').user!)).map((h) => ({ value: h.code, label: h.name }));
    const notFoundPage = (c: Context<ConsoleEnv>) => kit.render(c, { title: c.get('view').t('notFoundTitle'), main: '', status: 404 });

    app.get('/police', kit.page('incidents.review'), (c) => c.redirect('/police/incidents', 303));

    app.get('/police/incidents', kit.page('incidents.review'), async (c) => {
      const t = tOf(c);
      const { lang } = c.get('view');
      const raw = filled(c.req.query());
      const parsed = incidentListQuery.safeParse({ ...raw, limit: PAGE_SIZE });
      const q = parsed.success ? parsed.data : incidentListQuery.parse({ limit: PAGE_SIZE });
      const error = parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      // the queue is alerts unless the officer asks for detections (or all)
      const user = c.get('view').user!;
      const communeCode = listCommune(user, q.commune);
      const filter = { communeCode, severity: q.severity === 'all' ? undefined : q.severity, hamletCode: q.hamlet, cameraId: q.camera, label: q.class ?? q.label, status: q.status, from: bound(q.from, 'start'), to: bound(q.to, 'end') };
      const [page, choices, waitingNow] = await Promise.all([incidents.store.page(filter, q.limit, q.offset), incidents.store.filterChoices(communeCode), waiting(user)]);
      const summaries = await incidents.store.objectSummaries(page.items.map((i) => i.id));
      const hamletCommunes = new Map((await deps.hamlets()).map((h) => [h.code, h.communeCode]));
      const query = new URLSearchParams(raw);
      query.delete('offset');
      return kit.render(c, {
        title: t('queueTitle'),
        main: incidentQueue(t, lang, {
          items: page.items.map((i) => ({ ...incidentJson(i), objectSummary: summaries.get(i.id) })),
          paging: { total: page.total, limit: q.limit, offset: q.offset, query },
          communes: await communeFilter(user),
          hamlets: await hamletChoices(c),
          cameras: choices.cameras.map((v) => ({ value: v, label: v })),
          labels: choices.labels.map((v) => ({ value: v, label: labelName(v, lang) })),
          filter: raw,
          severity: q.severity,
          error,
          waiting: waitingNow,
          floods: (await deps.floods()).filter((f) => sees(user, hamletCommunes.get(f.hamletCode) ?? null, { provinceItems: false })),
          canFixCameras: can(user, 'fleet.cameras.manage'),
        }),
      });
    });

    app.get('/police/incidents/:id', kit.page('incidents.review'), async (c) => {
      const t = tOf(c);
      const { lang } = c.get('view');
      const id = c.req.param('id');
      const user = c.get('view').user!;
      const item = await incidents.store.item(id);
      // another commune's incident is not found, like one that does not exist
      if (!item || !sees(user, item.communeCode, { provinceItems: false })) return notFoundPage(c);
      const [notes, versions] = await Promise.all([incidents.notes.list(id), incidents.versions.list(id)]);
      const incident = { ...incidentItemJson(item), notes, versions };
      const assignees = (await users.list())
        .filter((u) => !u.disabled && can(u, 'incidents.review') && sees(u, item.communeCode, { provinceItems: false }))
        .map((u) => ({ value: u.id, label: u.displayName }));
      return kit.render(c, {
        title: t('incidentTitle', { label: labelName(incident.label, lang), place: incident.hamletName ?? incident.cameraId }),
        main: incidentPage(t, lang, incident, assignees, incidents.exportKey.fingerprint),
        scripts: ['police-incident.js'],
        data: { incidentId: id, state: incident.state, parts: playableParts(incident), strings: scriptStrings(c) },
      });
    });

    app.get('/police/reports', kit.page('reports.review'), async (c) => {
      const t = tOf(c);
      const raw = filled(c.req.query());
      const parsed = reportListQuery.safeParse({ ...raw, limit: PAGE_SIZE });
      const q = parsed.success ? parsed.data : reportListQuery.parse({ limit: PAGE_SIZE });
      const page = await reports.store.page({ communeCode: listCommune(c.get('view').user!, q.commune), status: q.status, hamletCode: q.hamlet, category: q.category }, q.limit, q.offset);
      const query = new URLSearchParams(raw);
      query.delete('offset');
      return kit.render(c, {
        title: t('queueTitle'),
        main: reportQueue(t, c.get('view').lang, { items: page.items.map(reportSummaryJson), paging: { total: page.total, limit: q.limit, offset: q.offset, query }, hamlets: await hamletChoices(c), filter: raw, waiting: await waiting(c.get('view').user!) }),
      });
    });

    app.get('/police/reports/:code', kit.page('reports.review'), async (c) => {
      const t = tOf(c);
      const code = trackingCodeSchema.safeParse(c.req.param('code'));
      // another commune's report is shown as no report at all (issue 10)
      const report = code.success ? await findReportFor(reports.store, c.get('view').user!, code.data) : null;
      if (!report) return notFoundPage(c);
      await audit.record({ actor: actorOf(c.get('view').user!), action: 'report.view', target: `report:${report.code}`, ip: requestIp(c) });
      return kit.render(c, { title: t('reportTitle', { code: report.code }), main: reportPage(t, c.get('view').lang, reportJson(report)), scripts: ['police-report.js'], data: { strings: scriptStrings(c) } });
    });

    const footageView = async (c: Context<ConsoleEnv>, form: Record<string, string>, error: string | null, sent: boolean, status: 200 | 400 = 200) => {
      const t = translator(footageMessages, c.get('view').lang);
      const user = c.get('view').user!;
      const cameras = (await camerasOf(user)).map(({ value, label }) => ({ value, label }));
      const names = new Map(cameras.map((cam) => [cam.value, cam.label]));
      const requests = await Promise.all(
        (await deps.footage.store.list({ limit: 50, communeCode: user.communeCode ?? undefined })).map(async (r) => ({ ...r, edgeOnline: await deps.edgeOnline(r.edgeId), cameraLabel: names.get(`${r.edgeId}/${r.cameraId}`) ?? r.cameraId })),
      );
      return kit.render(c, { title: t('title'), status, main: footagePage(t, c.get('view').lang, { cameras, requests, csrf: c.get('view').csrf, form, error, sent }) });
    };

    app.get('/police/footage', kit.page('footage.request'), (c) => footageView(c, {}, null, c.req.query('sent') === '1'));

    app.post('/police/footage', kit.page('footage.request'), async (c) => {
      const t = translator(footageMessages, c.get('view').lang);
      const body = await c.req.parseBody();
      const form = Object.fromEntries(['camera', 'from', 'to', 'reason'].map((k) => [k, typeof body[k] === 'string' ? (body[k] as string).trim().slice(0, 500) : '']));
      const [edgeId, cameraId] = form.camera!.split('/');
      const user = c.get('view').user!;
      // only a camera of the officer's commune: another commune's is refused like an unknown one
      if (!edgeId || !cameraId || !(await camerasOf(user)).some((cam) => cam.value === form.camera)) return footageView(c, form, t('errorCamera'), false, 400);
      let fromMs: number;
      let toMs: number;
      try {
        fromMs = parseFootageTime(form.from!, 'from');
        toMs = parseFootageTime(form.to!, 'to');
      } catch {
        return footageView(c, form, t('errorTime'), false, 400);
      }
      if (toMs <= fromMs) return footageView(c, form, t('errorOrder'), false, 400);
      if (toMs - fromMs > FOOTAGE_MAX_RANGE_MS) return footageView(c, form, t('errorLong'), false, 400);
      if (fromMs > Date.now()) return footageView(c, form, t('errorFuture'), false, 400);
      if (form.reason!.length < 3) return footageView(c, form, t('errorReason'), false, 400);
      const request = await deps.footage.request({ edgeId, cameraId, fromMs, toMs, reason: form.reason!, requestedBy: user.username }, user);
      await audit.record({ actor: actorOf(user), action: 'footage.request', target: `footage:${request.id}`, details: { edgeId, cameraId, fromMs, toMs, reason: form.reason }, ip: requestIp(c) });
      return c.redirect('/police/footage?sent=1', 303);
    });

    return {
      nav: [
        { href: '/police/incidents', label: { vi: policeMessages.vi.navQueue, en: policeMessages.en.navQueue } },
        { href: '/police/footage', label: { vi: footageMessages.vi.navFootage, en: footageMessages.en.navFootage } },
      ],
      routes: app,
    };
  };
}

/** The strings the page scripts show. */
function scriptStrings(c: Context<ConsoleEnv>) {
  const { t, lang } = c.get('view');
  const p = policeMessages[lang];
  return {
    errorGeneric: t('errorGeneric'),
    errorNetwork: t('errorNetwork'),
    saving: t('saving'),
    saved: t('saved'),
    checking: p.checking,
    hashMatches: p.hashMatches,
    hashDiffers: p.hashDiffers,
    partButton: p.partButton,
    clipPartPending: p.clipPartPending,
  };
}

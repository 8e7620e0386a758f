import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator } from '../i18n.js';
import { boxMarkup, cameraMarkup, fleetMarkup } from './fleet-markup.js';
import { compatMarkup } from './compat-markup.js';
import { compatMessages } from './compat-messages.js';
import { fleetMessages } from './fleet-messages.js';
import { locationsMarkup } from './location-markup.js';
import { diagnoseMarkup, powerMarkup } from './maintenance-markup.js';
import { maintenanceMessages } from './maintenance-messages.js';
import { can } from '../../users/permissions.js';
import { locationMessages } from './location-messages.js';
import type { PlanCommune, PlanHamlet } from './fleet-plan.js';
import { createQrRoute } from './fleet-qr.js';
import type { Scoped } from '../../communes/scope.js';

/** Ids as the API accepts them; anything else is a 404 before a page is drawn. */
const EDGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CAMERA_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

export interface FleetPagesDeps {
  /** The hamlets the person sees (their commune's; every one for a province-level person), in their usual order. */
  hamlets(person: Scoped): Promise<PlanHamlet[]>;
  /** The communes in service the person sees, in the province's order (awaited: the communes store may answer later). */
  communes(person: Scoped): PlanCommune[] | Promise<PlanCommune[]>;
  /** Whether the box exists and is the person's to see (their commune's; any for a province-level person). */
  seesBox(person: Scoped, edgeId: string): Promise<boolean>;
}

/** Everything a page script shows: this section's strings and the shared error strings. */
function strings(c: Context<ConsoleEnv>) {
  const view = c.get('view');
  return {
    ...fleetMessages[view.lang],
    errorGeneric: view.t('errorGeneric'),
    errorNetwork: view.t('errorNetwork'),
    saving: view.t('saving'),
    saved: view.t('saved'),
    loading: view.t('loading'),
  };
}

/** The technician's pages: hamlets and boxes with a plan, one box (provisioning, tone, cameras), one camera (zones, masks, rules). */
export function createFleetPages(deps: FleetPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const t = (c: Context<ConsoleEnv>) => translator(fleetMessages, c.get('view').lang);
    const hamlets = async (c: Context<ConsoleEnv>) => (await deps.hamlets(c.get('view').user!)).map((h) => ({ code: h.code, name: h.name, communeCode: h.communeCode }));

    // The box and camera pages are shells filled by their scripts through the API; another
    // commune's box is the same 404 page as a box that does not exist, as the API answers both.
    const boxShown = async (c: Context<ConsoleEnv>, edgeId: string) => EDGE_ID.test(edgeId) && (await deps.seesBox(c.get('view').user!, edgeId));
    app.get('/fleet', kit.page('fleet.edges.manage'), async (c) => {
      const lang = c.get('view').lang;
      const communes = await deps.communes(c.get('view').user!);
      // a province-level person may narrow the page to one commune (?commune=); anything else: every commune they see
      const asked = c.req.query('commune');
      const chosen = communes.length > 1 && communes.some((cm) => cm.code === asked) ? asked : undefined;
      const mine = (await hamlets(c)).filter((h) => chosen === undefined || h.communeCode === chosen);
      const main = html`${fleetMarkup(t(c), mine, { communes, chosen })}${locationsMarkup(translator(locationMessages, lang), mine)}`;
      return kit.render(c, { title: t(c)('fleetTitle'), main, scripts: ['fleet-boxes.js', 'fleet-locations.js'], data: { strings: { ...strings(c), ...locationMessages[lang] } } });
    });

    app.get('/fleet/boxes/:edgeId', kit.page('fleet.edges.manage'), async (c) => {
      const edgeId = c.req.param('edgeId');
      if (!(await boxShown(c, edgeId))) return c.notFound();
      // remote maintenance: each part only for those whose role may do it
      const { lang, user } = c.get('view');
      const tm = translator(maintenanceMessages, lang);
      const diagnose = user !== null && can(user, 'fleet.edges.diagnose');
      const power = user !== null && can(user, 'fleet.edges.restart');
      const main = html`${boxMarkup(t(c))}${compatMarkup(translator(compatMessages, lang))}${diagnose ? diagnoseMarkup(tm) : ''}${power ? powerMarkup(tm) : ''}`;
      const scripts = ['fleet-box.js', 'fleet-compat.js', ...(diagnose || power ? ['fleet-box-maintenance.js'] : [])];
      return kit.render(c, { title: t(c)('boxTitle'), main, scripts, data: { strings: { ...strings(c), ...compatMessages[lang], ...maintenanceMessages[lang] }, edgeId } });
    });

    app.get('/fleet/boxes/:edgeId/cameras/:cameraId', kit.page('fleet.cameras.manage'), async (c) => {
      const { edgeId, cameraId } = c.req.param();
      if (!(await boxShown(c, edgeId)) || !CAMERA_ID.test(cameraId)) return c.notFound();
      return kit.render(c, {
        title: t(c)('cameraSettings'),
        main: cameraMarkup(t(c), `/fleet/boxes/${edgeId}`),
        scripts: ['fleet-camera.js'],
        data: { strings: strings(c), edgeId, cameraId },
      });
    });

    app.route('/', createQrRoute(kit));

    return {
      nav: [{ href: '/fleet', label: { vi: fleetMessages.vi.navFleet, en: fleetMessages.en.navFleet } }],
      routes: app,
    };
  };
}

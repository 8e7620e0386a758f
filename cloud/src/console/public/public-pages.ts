import { Hono, type Context } from 'hono';
import type { CommuneInfo } from '../../communes/commune-store.js';
import { routeBodyLimit } from '../../http/body-limit.js';
import { readSubmission } from '../../reports/reports-routes.js';
import { MAX_REPORT_PHOTO_BYTES } from '../../reports/reports.js';
import { trackingCodeSchema } from '../../reports/report-schemas.js';
import { common } from '../common-messages.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { langOf, translator } from '../i18n.js';
import { atomFeed } from './atom-feed.js';
import { communePages, MAX_MB, type CommunePagesDeps, type Site } from './commune-pages.js';
import { publicMessages } from './public-messages.js';
import { provincePage } from './public-markup.js';
import { communeBase, PROVINCE_PAGE, publicPaths } from './public-paths.js';

export type PublicPagesDeps = CommunePagesDeps;

const OLD = publicPaths('');
const COMMUNE = publicPaths(`${PROVINCE_PAGE}/:commune`);

/**
 * The citizens' pages, no login (issue 10): each commune's under /xa/<code>/ (file a report, also
 * without JavaScript; follow it; read and hear the notices; their Atom feed), the province's list of
 * communes at /xa. The old addresses (/phan-anh, /thong-bao) serve the one commune of a single-commune
 * install exactly as before. Once there are several communes they cannot say which commune is meant:
 * the form and the notices send the visitor to the list of communes (a redirect, as printed posters
 * and bookmarks point there), a tracking code still works (it names its report, whose commune is
 * known), a form already open is filed under its hamlet's commune (nothing typed is lost), the feed
 * carries the province's own notices and an old audio link still plays.
 */
export function createPublicPages(deps: PublicPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const pages = communePages(deps, kit);
    const tOf = (c: Context<ConsoleEnv>) => translator(publicMessages, c.get('view').lang);
    const siteOf = (commune: CommuneInfo, underProvince: boolean): Site => ({ commune, paths: publicPaths(underProvince ? communeBase(commune.code) : ''), underProvince });
    /** The commune of a /xa/<code>/ address; null for none. */
    const communeSite = async (c: Context<ConsoleEnv>): Promise<Site | null> => {
      const commune = await deps.communes.find(c.req.param('commune') ?? '');
      return commune ? siteOf(commune, true) : null;
    };
    /** The one commune behind the old addresses of a single-commune install; null once there are several. */
    const oldSite = async (): Promise<Site | null> => {
      const commune = await deps.communes.single();
      return commune ? siteOf(commune, false) : null;
    };

    const province = async (c: Context<ConsoleEnv>, error: string | null = null, status = 200) =>
      kit.render(c, { title: tOf(c)('provinceTitle'), main: provincePage(tOf(c), await deps.communes.active(), { error }), status });
    const noCommune = (c: Context<ConsoleEnv>) => province(c, tOf(c)('communeNotFound'), 404);
    /** A retired commune's form: its people no longer take reports. */
    const retired = (c: Context<ConsoleEnv>, site: Site) => province(c, tOf(c)('communeRetired', { name: site.commune.name }), 410);

    /**
     * A body over the limit is refused unread, before kit.page (whose CSRF check would read it) or after
     * it, so the page's view is set here: the form is shown as to a visitor who is not logged in.
     */
    const photoTooLarge = async (c: Context<ConsoleEnv>) => {
      const lang = langOf(c);
      c.set('view', { lang, user: null, csrf: null, path: new URL(c.req.url).pathname, t: translator(common, lang) });
      const site = c.req.param('commune') === undefined ? await oldSite() : await communeSite(c);
      return site ? pages.form(c, site, {}, `Ảnh quá lớn; tối đa ${MAX_MB} MB.`, 413) : province(c, `Ảnh quá lớn; tối đa ${MAX_MB} MB.`, 413);
    };
    // a public form: no role to check first; the photo and the form's fields
    const formLimit = routeBodyLimit({ maxBytes: MAX_REPORT_PHOTO_BYTES + 64 * 1024, refuse: (c) => photoTooLarge(c as Context<ConsoleEnv>) });

    app.get(PROVINCE_PAGE, kit.page('public'), async (c) => province(c));

    // a commune's own addresses
    app.get(COMMUNE.report, kit.page('public'), async (c) => {
      const site = await communeSite(c);
      if (!site) return noCommune(c);
      return site.commune.retiredAt === null ? pages.form(c, site, {}, null) : retired(c, site);
    });
    app.post(COMMUNE.report, formLimit, kit.page('public'), async (c) => {
      const site = await communeSite(c);
      if (!site) return noCommune(c);
      if (site.commune.retiredAt !== null) return retired(c, site);
      return pages.submit(c, site, await readSubmission(c.req));
    });
    app.get(COMMUNE.lookup, kit.page('public'), async (c) => {
      const site = await communeSite(c);
      return site ? pages.lookup(c, site) : noCommune(c);
    });
    app.get(COMMUNE.status(':code'), kit.page('public'), async (c) => {
      const site = await communeSite(c);
      return site ? pages.status(c, site) : noCommune(c);
    });
    app.get(COMMUNE.notices, kit.page('public'), async (c) => {
      const site = await communeSite(c);
      return site ? pages.notices(c, site) : noCommune(c);
    });
    app.get(COMMUNE.feed, async (c) => {
      const site = await communeSite(c);
      return site ? pages.feed(c, site) : c.text('không có xã này', 404);
    });
    app.get(COMMUNE.audio(':id'), async (c) => {
      const site = await communeSite(c);
      return site ? pages.audio(c, site) : c.text('không có xã này', 404);
    });

    // the old addresses: the single commune's pages, or (several communes) see above
    app.get(OLD.report, kit.page('public'), async (c) => {
      const site = await oldSite();
      return site ? pages.form(c, site, {}, null) : c.redirect(PROVINCE_PAGE, 302);
    });
    app.post(OLD.report, formLimit, kit.page('public'), async (c) => {
      const submission = await readSubmission(c.req);
      const hamlet = typeof submission.fields.hamlet === 'string' ? submission.fields.hamlet : '';
      const single = await oldSite();
      const place = single === null ? deps.reports.store.communeOfHamlet(hamlet) : null;
      const commune = place && (await deps.communes.find(place.communeCode));
      const site = single ?? (commune ? siteOf(commune, true) : null);
      if (!site) return province(c, tOf(c)('chooseCommuneFirst'), 400);
      return pages.submit(c, site, submission);
    });
    app.get(OLD.lookup, kit.page('public'), async (c) => {
      const site = await oldSite();
      if (site) return pages.lookup(c, site);
      // the province's list has this form: a code names its report, whose commune is known
      const code = trackingCodeSchema.safeParse(c.req.query('code') ?? '');
      if (!code.success) return province(c, tOf(c)('badCode'), 400);
      return toCommuneOfReport(c, code.data) ?? province(c, tOf(c)('notFound', { code: code.data }), 404);
    });
    app.get(OLD.status(':code'), kit.page('public'), async (c) => {
      const site = await oldSite();
      if (site) return pages.status(c, site);
      const code = trackingCodeSchema.safeParse(c.req.param('code'));
      return (code.success ? toCommuneOfReport(c, code.data) : null) ?? province(c, tOf(c)('notFound', { code: c.req.param('code') ?? '' }), 404);
    });
    app.get(OLD.notices, kit.page('public'), async (c) => {
      const site = await oldSite();
      return site ? pages.notices(c, site) : c.redirect(PROVINCE_PAGE, 302);
    });
    app.get(OLD.feed, async (c) => {
      const site = await oldSite();
      if (site) return pages.feed(c, site);
      // the province's own notices (every commune's page lists them too); a commune's are in its own feed
      const name = (await deps.communes.active())[0]?.province ?? publicMessages.vi.provinceNoticesTitle;
      const feed = atomFeed({ origin: deps.publicUrl(c.req.url), paths: OLD, title: `${publicMessages.vi.provinceNoticesTitle} — ${name}`, author: name, notices: await deps.notices.recent(30, 'province') });
      return c.body(feed, 200, { 'content-type': 'application/atom+xml; charset=utf-8', 'cache-control': 'public, max-age=300' });
    });
    // enclosures of feeds read before the second commune: a published notice is public whichever commune's
    app.get(OLD.audio(':id'), async (c) => pages.audio(c, await oldSite()));

    /** To the tracking page of a report under its commune's address (the "just sent" mark kept); null when there is no such report. */
    function toCommuneOfReport(c: Context<ConsoleEnv>, code: string): Response | null {
      const report = deps.reports.store.find(code);
      if (!report?.communeCode) return null;
      const fresh = c.req.query('moi') === '1' ? '?moi=1' : '';
      return c.redirect(`${publicPaths(communeBase(report.communeCode)).status(report.code)}${fresh}`, 302);
    }

    const label = (key: 'navReport' | 'navNotices') => ({ vi: publicMessages.vi[key], en: publicMessages.en[key] });
    return {
      nav: [
        { href: OLD.notices, label: label('navNotices') },
        { href: OLD.report, label: label('navReport') },
      ],
      routes: app,
    };
  };
}

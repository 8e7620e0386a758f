import type { Context } from 'hono';
import { html } from 'hono/html';
import QRCode from 'qrcode';
import { requestIp } from '../../audit/request-ip.js';
import type { CommuneInfo, CommuneStore } from '../../communes/commune-store.js';
import { ApiError } from '../../http/errors.js';
import type { PublicNotices } from '../../radio/bulletins/public-notices.js';
import { publicReportJson } from '../../reports/http-schemas.js';
import type { ReportSubmission } from '../../reports/report-intake.js';
import type { ReportRecord } from '../../reports/report-store.js';
import { trackingCodeSchema } from '../../reports/report-schemas.js';
import { MAX_REPORT_PHOTO_BYTES, type Reports } from '../../reports/reports.js';
import type { ConsoleEnv, ConsoleKit } from '../console-kit.js';
import type { Markup } from '../layout.js';
import { translator } from '../i18n.js';
import { atomFeed } from './atom-feed.js';
import { communeHeader, lookupForm, noticesList, reportForm, reportStatus, type ZaloFollow } from './public-markup.js';
import { publicMessages } from './public-messages.js';
import type { PublicPaths } from './public-paths.js';

export interface CommunePagesDeps {
  reports: Reports;
  /** The published bulletins (the radio's public view). */
  notices: PublicNotices;
  /** The province's communes and their hamlets: whose pages an address is, and which hamlets its form offers. */
  communes: CommuneStore;
  /** A bulletin's audio as a reply with Range, from the radio's asset store (radio/audio/asset-response.ts). */
  audio(c: Context, asset: { sha256: string; mime: string }, headers: Record<string, string>): Promise<Response>;
  /** The public origin for absolute links in the feed (SC_PUBLIC_URL or the request's). */
  publicUrl(requestUrl: string): string;
  /** The Zalo OA id a commune's citizens follow (the commune's own when connected, else the province's): the notices page then shows the QR code that opens it. */
  zaloOaId?(communeCode: string): Promise<string | null>;
}

/** Whose citizens' pages a request is on: a commune, and its addresses (under /xa/<code>, or a single-commune install's old ones). */
export interface Site {
  commune: CommuneInfo;
  paths: PublicPaths;
  /** On a /xa/<code>/ address: the header links back to the province's list of communes. */
  underProvince: boolean;
}

export const MAX_MB = Math.floor(MAX_REPORT_PHOTO_BYTES / 1e6);
const FORM_FIELDS = ['category', 'description', 'hamlet', 'lat', 'lon', 'phone'] as const;
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The QR code of an OA's address, drawn once per OA id (it changes only when the OA is connected again); one per commune at most. */
async function zaloFollow(oaId: string | null | undefined, cache: Map<string, ZaloFollow>): Promise<ZaloFollow | null> {
  if (!oaId) return null;
  let follow = cache.get(oaId);
  if (!follow) {
    const url = `https://zalo.me/${encodeURIComponent(oaId)}`;
    follow = { url, qrSvg: await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
    if (cache.size >= 1024) cache.clear();
    cache.set(oaId, follow);
  }
  return follow;
}

/**
 * Is this report one the site may show? On a commune's /xa/ address, that commune's only (another's
 * answers as no report: issue 10); on a single-commune install's old addresses also a report older
 * than communes (no commune recorded).
 */
const onSite = (site: Site, report: ReportRecord) => report.communeCode === site.commune.code || (!site.underProvince && report.communeCode === null);

/** The pages of one commune's site (report form, tracking, notices, feed, audio), whichever address it is on. */
export function communePages(deps: CommunePagesDeps, kit: ConsoleKit) {
  const { notices } = deps;
  const tOf = (c: Context<ConsoleEnv>) => translator(publicMessages, c.get('view').lang);
  const qrCache = new Map<string, ZaloFollow>();
  const scope = (site: Site) => ({ communeCode: site.commune.code });

  const render = (c: Context<ConsoleEnv>, site: Site, current: 'report' | 'notices' | null, content: { title: string; main: Markup; status?: number; scripts?: string[]; data?: Record<string, unknown> }) =>
    kit.render(c, { ...content, main: html`${communeHeader(tOf(c), site.commune, site.paths, current, site.underProvince)}${content.main}` });

  const form = async (c: Context<ConsoleEnv>, site: Site, values: Record<string, string>, error: string | null, status = 200) => {
    const t = tOf(c);
    const hamlets = await deps.communes.hamletsOf(site.commune.code);
    return render(c, site, 'report', {
      title: t('reportTitle'),
      main: reportForm(t, site.paths, { hamlets, values, error, csrf: c.get('view').csrf, maxMb: MAX_MB }),
      scripts: ['public-report.js'],
      data: { strings: { locating: t('locating'), locationFailed: t('locationFailed') } },
      status,
    });
  };

  return {
    form,

    /** Files the report under the site's commune (its hamlet must be one of the commune's), then shows its tracking code. */
    async submit(c: Context<ConsoleEnv>, site: Site, submission: Omit<ReportSubmission, 'client' | 'commune'>) {
      const values = Object.fromEntries(FORM_FIELDS.map((k) => [k, typeof submission.fields[k] === 'string' ? (submission.fields[k] as string) : '']));
      try {
        const report = await deps.reports.intake.submit({ ...submission, client: requestIp(c), commune: site.commune });
        return c.redirect(`${site.paths.status(report.code)}?moi=1`, 303);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.status === 429) c.header('retry-after', String((err.details as { retryAfterS: number }).retryAfterS));
        return form(c, site, values, capitalise(err.message), err.status);
      }
    },

    lookup(c: Context<ConsoleEnv>, site: Site) {
      const code = trackingCodeSchema.safeParse(c.req.query('code') ?? '');
      if (!code.success) return render(c, site, null, { title: tOf(c)('lookupTitle'), main: lookupForm(tOf(c), site.paths, tOf(c)('badCode')), status: 400 });
      return c.redirect(site.paths.status(code.data), 303);
    },

    async status(c: Context<ConsoleEnv>, site: Site) {
      const t = tOf(c);
      const code = trackingCodeSchema.safeParse(c.req.param('code'));
      const found = code.success ? await deps.reports.store.find(code.data) : null;
      const report = found && onSite(site, found) ? found : null;
      c.header('cache-control', 'no-store');
      if (!report) return render(c, site, null, { title: t('statusTitle'), main: lookupForm(t, site.paths, t('notFound', { code: c.req.param('code') ?? '' })), status: 404 });
      return render(c, site, null, { title: t('statusTitle'), main: reportStatus(t, site.paths, publicReportJson(report), c.get('view').lang, c.req.query('moi') === '1') });
    },

    async notices(c: Context<ConsoleEnv>, site: Site) {
      const t = tOf(c);
      return render(c, site, 'notices', { title: t('noticesTitle'), main: noticesList(t, site.paths, await notices.recent(30, scope(site)), c.get('view').lang, await zaloFollow(await deps.zaloOaId?.(site.commune.code), qrCache)) });
    },

    async feed(c: Context<ConsoleEnv>, site: Site) {
      const { name } = site.commune;
      const feed = atomFeed({ origin: deps.publicUrl(c.req.url), paths: site.paths, title: `${publicMessages.vi.noticesTitle} — ${name}`, author: name, notices: await notices.recent(30, scope(site)) });
      return c.body(feed, 200, { 'content-type': 'application/atom+xml; charset=utf-8', 'cache-control': 'public, max-age=300' });
    },

    async audio(c: Context<ConsoleEnv>, site: Site | null) {
      const notice = await notices.get(c.req.param('id') ?? '', site ? scope(site) : 'all');
      if (!notice) throw new ApiError(404, 'not_found', 'không có thông báo này');
      return deps.audio(c, notice.audio, { etag: `"${notice.audio.sha256}"`, 'cache-control': 'public, max-age=86400' });
    },
  };
}
export type CommunePages = ReturnType<typeof communePages>;

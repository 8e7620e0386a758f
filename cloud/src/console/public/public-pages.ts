import { Hono, type Context } from 'hono';
import QRCode from 'qrcode';
import { requestIp } from '../../audit/request-ip.js';
import { fileResponse } from '../../http/file-response.js';
import { routeBodyLimit } from '../../http/body-limit.js';
import { ApiError } from '../../http/errors.js';
import { publicReportJson } from '../../reports/http-schemas.js';
import { readSubmission } from '../../reports/reports-routes.js';
import { MAX_REPORT_PHOTO_BYTES, type Reports } from '../../reports/reports.js';
import { trackingCodeSchema } from '../../reports/report-schemas.js';
import { common } from '../common-messages.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { langOf, translator } from '../i18n.js';
import { atomFeed } from './atom-feed.js';
import { publicMessages } from './public-messages.js';
import { lookupForm, noticesList, reportForm, reportStatus, type HamletChoice, type ZaloFollow } from './public-markup.js';
import type { PublicNotices } from '../../radio/bulletins/public-notices.js';

export interface PublicPagesDeps {
  reports: Reports;
  /** The published bulletins (the radio's public view). */
  notices: PublicNotices;
  /** The commune's name, as the author of its notices. */
  communeName(): string;
  hamlets(): HamletChoice[];
  /** Where a bulletin's audio file is, by its sha256 (the radio's asset store). */
  audioPath(sha256: string): string;
  /** The public origin for absolute links in the feed (SC_PUBLIC_URL or the request's). */
  publicUrl(requestUrl: string): string;
  /** The commune's Zalo OA id when it is connected: the notices page then shows the QR code that opens it. */
  zaloOaId?(): string | null;
}

/** The QR code of the OA's address, drawn once per OA id (it changes only when the OA is connected again). */
async function zaloFollow(oaId: string | null | undefined, cache: Map<string, ZaloFollow>): Promise<ZaloFollow | null> {
  if (!oaId) return null;
  let follow = cache.get(oaId);
  if (!follow) {
    const url = `https://zalo.me/${encodeURIComponent(oaId)}`;
    follow = { url, qrSvg: await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
    cache.clear();
    cache.set(oaId, follow);
  }
  return follow;
}

const MAX_MB = Math.floor(MAX_REPORT_PHOTO_BYTES / 1e6);
const FORM_FIELDS = ['category', 'description', 'hamlet', 'lat', 'lon', 'phone'] as const;

/** The citizens' pages, no login: file a report (also without JavaScript), follow it, read and hear the notices. */
export function createPublicPages(deps: PublicPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const { notices } = deps;
    const tOf = (c: Context<ConsoleEnv>) => translator(publicMessages, c.get('view').lang);

    const renderForm = (c: Context<ConsoleEnv>, values: Record<string, string>, error: string | null, status = 200) =>
      kit.render(c, {
        title: tOf(c)('reportTitle'),
        main: reportForm(tOf(c), { hamlets: deps.hamlets(), values, error, csrf: c.get('view').csrf, maxMb: MAX_MB }),
        scripts: ['public-report.js'],
        data: { strings: { locating: tOf(c)('locating'), locationFailed: tOf(c)('locationFailed') } },
        status,
      });

    /**
     * A body over the limit is refused unread, before kit.page (whose CSRF check would read it) or after
     * it, so the page's view is set here: the form is shown as to a visitor who is not logged in.
     */
    const photoTooLarge = (c: Context<ConsoleEnv>) => {
      const lang = langOf(c);
      c.set('view', { lang, user: null, csrf: null, path: new URL(c.req.url).pathname, t: translator(common, lang) });
      return renderForm(c, {}, `Ảnh quá lớn; tối đa ${MAX_MB} MB.`, 413);
    };

    app.get('/phan-anh', kit.page('public'), (c) => renderForm(c, {}, null));

    app.post(
      '/phan-anh',
      // a public form: no role to check first; the photo and the form's fields
      routeBodyLimit({ maxBytes: MAX_REPORT_PHOTO_BYTES + 64 * 1024, refuse: (c) => photoTooLarge(c as Context<ConsoleEnv>) }),
      kit.page('public'),
      async (c) => {
        const submission = await readSubmission(c.req);
        const values = Object.fromEntries(FORM_FIELDS.map((k) => [k, typeof submission.fields[k] === 'string' ? (submission.fields[k] as string) : '']));
        try {
          const report = await deps.reports.intake.submit({ ...submission, client: requestIp(c) });
          return c.redirect(`/phan-anh/${report.code}?moi=1`, 303);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          if (err.status === 429) c.header('retry-after', String((err.details as { retryAfterS: number }).retryAfterS));
          return renderForm(c, values, capitalise(err.message), err.status);
        }
      },
    );

    app.get('/phan-anh/tra-cuu', kit.page('public'), (c) => {
      const code = trackingCodeSchema.safeParse(c.req.query('code') ?? '');
      if (!code.success) return kit.render(c, { title: tOf(c)('lookupTitle'), main: lookupForm(tOf(c), tOf(c)('badCode')), status: 400 });
      return c.redirect(`/phan-anh/${code.data}`, 303);
    });

    app.get('/phan-anh/:code', kit.page('public'), (c) => {
      const t = tOf(c);
      const code = trackingCodeSchema.safeParse(c.req.param('code'));
      const report = code.success ? deps.reports.store.find(code.data) : null;
      c.header('cache-control', 'no-store');
      if (!report) return kit.render(c, { title: t('statusTitle'), main: lookupForm(t, t('notFound', { code: c.req.param('code') })), status: 404 });
      return kit.render(c, { title: t('statusTitle'), main: reportStatus(t, publicReportJson(report), c.get('view').lang, c.req.query('moi') === '1') });
    });

    const qrCache = new Map<string, ZaloFollow>();
    app.get('/thong-bao', kit.page('public'), async (c) =>
      kit.render(c, { title: tOf(c)('noticesTitle'), main: noticesList(tOf(c), notices.recent(), c.get('view').lang, await zaloFollow(deps.zaloOaId?.(), qrCache)) }),
    );

    app.get('/thong-bao/atom.xml', (c) => {
      const feed = atomFeed({ origin: deps.publicUrl(c.req.url), title: `${publicMessages.vi.noticesTitle} — ${deps.communeName()}`, author: deps.communeName(), notices: notices.recent() });
      return c.body(feed, 200, { 'content-type': 'application/atom+xml; charset=utf-8', 'cache-control': 'public, max-age=300' });
    });

    app.get('/thong-bao/:id/audio', (c) => {
      const notice = notices.get(c.req.param('id'));
      if (!notice) throw new ApiError(404, 'not_found', 'không có thông báo này');
      return fileResponse(c, deps.audioPath(notice.audio.sha256), notice.audio.mime, { etag: `"${notice.audio.sha256}"`, 'cache-control': 'public, max-age=86400' });
    });

    const label = (key: 'navReport' | 'navNotices') => ({ vi: publicMessages.vi[key], en: publicMessages.en[key] });
    return {
      nav: [
        { href: '/thong-bao', label: label('navNotices') },
        { href: '/phan-anh', label: label('navReport') },
      ],
      routes: app,
    };
  };
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);


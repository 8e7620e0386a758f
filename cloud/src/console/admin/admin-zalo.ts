import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { actorOf } from '../../audit/audit-log.js';
import { requestIp } from '../../audit/request-ip.js';
import { ApiError } from '../../http/errors.js';
import { oaScopeFor, zaloConnectSchema, ZaloRefusedError, type ZaloConnectionView, type ZaloConnector } from '../../notifications/zalo/zalo-connect.js';
import type { OaScope } from '../../notifications/zalo/zalo-oa-store.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { defineMessages, translator, type Lang, type Translate } from '../i18n.js';
import { localTime } from './admin-audit-markup.js';

const messages = defineMessages({
  vi: {
    nav: 'Zalo OA',
    title: 'Official Account Zalo: {name}',
    titleProvince: 'Official Account Zalo của tỉnh',
    intro: 'Thông báo công khai và cảnh báo khẩn cấp được gửi tới người dân đã quan tâm OA và nhắn tên ấp của mình. Kết nối OA bằng ứng dụng đã được OA cấp quyền trên developers.zalo.me.',
    introProvince: 'OA của tỉnh gửi tin cho người dân đã quan tâm nó, ở mọi xã; một xã chưa kết nối OA riêng thì tin phát sóng (broadcast) của xã đi qua OA của tỉnh.',
    introCommune: 'Tin của xã đi qua OA riêng của xã khi đã kết nối; khi chưa có, qua OA của tỉnh (nếu tỉnh đã kết nối).',
    overview: 'OA của tỉnh và từng xã',
    provinceOa: 'OA của tỉnh',
    state_not_connected: 'Chưa kết nối',
    state_connected: 'Đã kết nối',
    state_needs_reconnect: 'Cần kết nối lại: tin nhắn đang chờ, chưa gửi được',
    state: 'Trạng thái',
    accessExpires: 'Access token hết hạn',
    refreshExpires: 'Refresh token hết hạn',
    refreshedAt: 'Làm mới lần cuối',
    followers: 'Người theo dõi theo ấp',
    noFollowers: 'Chưa có người dân nào đăng ký.',
    connectTitle: 'Kết nối hoặc kết nối lại OA',
    connectHint: 'Dán App ID và khóa bí mật của ứng dụng, OA Secret Key (trang Webhook, để kiểm tra chữ ký sự kiện), và một refresh token hoặc mã ủy quyền (authorization code). Refresh token chỉ dùng được một lần: máy chủ đổi ngay lấy cặp token mới.',
    appId: 'App ID',
    appSecret: 'Khóa bí mật ứng dụng (App Secret)',
    oaId: 'OA ID',
    webhookSecret: 'OA Secret Key (Webhook)',
    refreshToken: 'Refresh token',
    code: 'hoặc mã ủy quyền (authorization code)',
    connect: 'Kết nối',
    connected: 'Đã kết nối OA.',
    invalid: 'Thông tin chưa đúng: {fields}',
    refused: 'Zalo từ chối: {reason}',
    webhook: 'Địa chỉ webhook khai báo trên developers.zalo.me',
  },
  en: {
    nav: 'Zalo OA',
    title: 'Zalo Official Account: {name}',
    titleProvince: "The province's Zalo Official Account",
    introProvince: "The province's OA messages the citizens who follow it, in every commune; a commune without its own OA has its broadcasts go through the province's.",
    introCommune: "The commune's messages go through its own OA once connected; until then, through the province's (if connected).",
    overview: "The province's and each commune's OA",
    provinceOa: "The province's OA",
    intro: "Public notices and emergency alerts go to citizens who follow the OA and sent their hamlet's name. Connect the OA with an app the OA has authorised on developers.zalo.me.",
    state_not_connected: 'Not connected',
    state_connected: 'Connected',
    state_needs_reconnect: 'Needs reconnecting: messages are waiting, not sent',
    state: 'State',
    accessExpires: 'Access token expires',
    refreshExpires: 'Refresh token expires',
    refreshedAt: 'Last refreshed',
    followers: 'Followers by hamlet',
    noFollowers: 'No citizen has subscribed yet.',
    connectTitle: 'Connect or reconnect the OA',
    connectHint: "Paste the app's ID and secret, the OA Secret Key (Webhook page, to check the events' signature), and a refresh token or an authorization code. A refresh token works once: the cloud exchanges it at once for a new pair.",
    appId: 'App ID',
    appSecret: 'App Secret',
    oaId: 'OA ID',
    webhookSecret: 'OA Secret Key (Webhook)',
    refreshToken: 'Refresh token',
    code: 'or authorization code',
    connect: 'Connect',
    connected: 'The OA is connected.',
    invalid: 'Please check: {fields}',
    refused: 'Zalo refused: {reason}',
    webhook: 'Webhook address to declare on developers.zalo.me',
  },
});

type T = Translate<keyof (typeof messages)['vi']>;

export interface ZaloAdminDeps {
  connector: ZaloConnector;
  hamlets(): Promise<{ code: string; name: string; communeCode: string }[]>;
  /** The communes in service: a province admin's overview and which commune the page may name. */
  communes(): Promise<{ code: string; name: string }[]>;
}

const FIELDS = ['appId', 'appSecret', 'oaId', 'webhookSecret', 'refreshToken', 'code'] as const;

/** The page's own address for an OA: ?commune= for a commune's, none for the caller's own. */
const pageHref = (scope: OaScope, own: OaScope, extra = '') => {
  const params = new URLSearchParams(extra);
  if (scope !== own && scope !== null) params.set('commune', scope);
  const query = params.toString();
  return `/admin/zalo${query ? `?${query}` : ''}`;
};

/** A province admin's list of every OA with its state, each a link to its page. */
function overview(t: T, items: { scope: OaScope; name: string; state: ZaloConnectionView['state'] }[], current: OaScope) {
  return html`<nav class="card" aria-labelledby="zalo-overview">
  <h2 id="zalo-overview">${t('overview')}</h2>
  <ul>${items.map((i) => html`<li><a href="${pageHref(i.scope, null)}"${i.scope === current ? html` aria-current="page"` : ''}>${i.name}</a>: ${t(`state_${i.state}`)}</li>`)}</ul>
</nav>`;
}

function zaloPage(t: T, lang: Lang, v: ZaloConnectionView, input: { hamlets: { code: string; name: string }[]; notice: string | null; error: string | null; csrf: string | null; appId: string; oaId: string; webhookUrl: string; action: string }) {
  const when = (ms: number | null) => (ms === null ? '—' : localTime(ms, lang));
  const counted = input.hamlets.filter((h) => v.followersByHamlet[h.code]);
  return html`<p>${t('intro')} ${v.communeCode === null ? t('introProvince') : t('introCommune')}</p>
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<section class="card" aria-labelledby="zalo-state">
  <h2 id="zalo-state">${t('state')}: ${t(`state_${v.state}`)}</h2>
  ${v.reason ? html`<p class="error">${v.reason}</p>` : ''}
  <dl>
    <dt>${t('appId')}</dt><dd>${v.appId ?? '—'}</dd>
    <dt>${t('oaId')}</dt><dd>${v.oaId ?? '—'}</dd>
    <dt>${t('accessExpires')}</dt><dd>${when(v.accessExpiresAt)}</dd>
    <dt>${t('refreshExpires')}</dt><dd>${when(v.refreshExpiresAt)}</dd>
    <dt>${t('refreshedAt')}</dt><dd>${when(v.refreshedAt)}</dd>
    <dt>${t('webhook')}</dt><dd><code>${input.webhookUrl}</code></dd>
  </dl>
</section>
<section class="card" aria-labelledby="zalo-followers">
  <h2 id="zalo-followers">${t('followers')}</h2>
  ${counted.length === 0 ? html`<p class="hint">${t('noFollowers')}</p>` : html`<ul>${counted.map((h) => html`<li>${h.name}: ${v.followersByHamlet[h.code]}</li>`)}</ul>`}
</section>
<section class="card" aria-labelledby="zalo-connect">
  <h2 id="zalo-connect">${t('connectTitle')}</h2>
  <p class="hint">${t('connectHint')}</p>
  <form method="post" action="${input.action}" class="stack" autocomplete="off">
    ${input.csrf ? html`<input type="hidden" name="_csrf" value="${input.csrf}">` : ''}
    <label for="appId">${t('appId')}</label><input id="appId" name="appId" inputmode="numeric" required value="${input.appId}">
    <label for="appSecret">${t('appSecret')}</label><input id="appSecret" name="appSecret" type="password" required>
    <label for="oaId">${t('oaId')}</label><input id="oaId" name="oaId" inputmode="numeric" value="${input.oaId}">
    <label for="webhookSecret">${t('webhookSecret')}</label><input id="webhookSecret" name="webhookSecret" type="password">
    <label for="refreshToken">${t('refreshToken')}</label><input id="refreshToken" name="refreshToken" type="password">
    <label for="code">${t('code')}</label><input id="code" name="code" type="password">
    <button type="submit">${t('connect')}</button>
  </form>
</section>`;
}

/**
 * The admin's page of an OA: its state (never a token), followers per hamlet, and the connect form
 * (no JavaScript needed). A commune's admin has their commune's; a province admin the province's own
 * and, with ?commune=, any commune's, listed at the top. Another commune's is "not found".
 */
export function createZaloAdminPage(deps: ZaloAdminDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const tOf = (c: Context<ConsoleEnv>) => translator(messages, c.get('view').lang);
    /** Whose OA the request means, or null when that is not the caller's to see (answered 404). */
    const scopeOf = async (c: Context<ConsoleEnv>): Promise<{ scope: OaScope } | null> => {
      const commune = c.req.query('commune') || undefined;
      try {
        return { scope: await oaScopeFor(c.get('view').user!, commune, deps.communes) };
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    };
    const notFoundPage = (c: Context<ConsoleEnv>) => kit.render(c, { title: c.get('view').t('notFoundTitle'), main: '', status: 404 });
    const render = async (c: Context<ConsoleEnv>, scope: OaScope, extra: { notice?: string | null; error?: string | null; status?: 200 | 400 | 502 }) => {
      const t = tOf(c);
      const v = await deps.connector.view(scope);
      const view = c.get('view');
      const own = view.user!.communeCode;
      const communes = await deps.communes();
      const nameOf = (code: string) => communes.find((k) => k.code === code)?.name ?? code;
      const title = scope === null ? t('titleProvince') : t('title', { name: nameOf(scope) });
      const listed =
        own === null
          ? overview(
              t,
              [
                { scope: null, name: t('provinceOa'), state: (await deps.connector.view(null)).state },
                ...(await Promise.all(communes.map(async (k) => ({ scope: k.code as OaScope, name: k.name, state: (await deps.connector.view(k.code)).state })))),
              ],
              scope,
            )
          : '';
      const main = zaloPage(t, view.lang, v, {
        // a commune's OA subscribes to its own hamlets; the province's to every commune's
        hamlets: (await deps.hamlets()).filter((h) => scope === null || h.communeCode === scope),
        action: pageHref(scope, own),
        notice: extra.notice ?? null,
        error: extra.error ?? null,
        csrf: view.csrf,
        appId: v.appId ?? '',
        oaId: v.oaId ?? '',
        webhookUrl: `${new URL(c.req.url).origin}/api/v1/zalo/webhook`,
      });
      return kit.render(c, { title, main: html`${listed}${main}`, status: extra.status ?? 200 });
    };

    app.get('/admin/zalo', kit.page('notifications.zalo.manage'), async (c) => {
      const which = await scopeOf(c);
      if (!which) return notFoundPage(c);
      return render(c, which.scope, { notice: c.req.query('done') === '1' ? tOf(c)('connected') : null });
    });

    app.post('/admin/zalo', kit.page('notifications.zalo.manage'), async (c) => {
      const t = tOf(c);
      const which = await scopeOf(c);
      if (!which) return notFoundPage(c);
      const { scope } = which;
      const form = await c.req.parseBody();
      const fields = Object.fromEntries(FIELDS.map((k) => [k, typeof form[k] === 'string' ? (form[k] as string).trim() : '']).filter(([, v]) => v !== ''));
      const parsed = zaloConnectSchema.safeParse(fields);
      if (!parsed.success) return render(c, scope, { error: t('invalid', { fields: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }), status: 400 });
      try {
        await deps.connector.connect(scope, parsed.data, actorOf(c.get('view').user!), requestIp(c));
      } catch (err) {
        if (!(err instanceof ZaloRefusedError)) throw err;
        return render(c, scope, { error: t('refused', { reason: err.message }), status: 502 });
      }
      return c.redirect(pageHref(scope, c.get('view').user!.communeCode, 'done=1'), 303);
    });

    return {
      nav: [{ href: '/admin/zalo', label: { vi: messages.vi.nav, en: messages.en.nav } }],
      routes: app,
    };
  };
}

import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { auditFilterQuery, toAuditFilter } from '../../audit/audit-routes.js';
import { ApiError } from '../../http/errors.js';
import { isProvinceLevel, type Scoped } from '../../communes/scope.js';
import type { UserStore } from '../../users/user-store.js';
import type { CommuneStore } from '../../communes/commune-store.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { weaknessMessages } from '../../users/password-policy.js';
import { translator } from '../i18n.js';
import { auditPage } from './admin-audit-markup.js';
import { adminMessages } from './admin-messages.js';
import { usersPage } from './admin-users-markup.js';
import { deliveryFilterQuery, toDeliveryFilter } from '../../notifications/notifications-routes.js';
import type { OutboxStore } from '../../notifications/outbox.js';
import { notificationsPage } from './admin-notifications-markup.js';
import { notificationsMessages } from './admin-notifications-messages.js';

export interface AdminPagesDeps {
  audit: AuditLog;
  users: UserStore;
  /** Where people may be put (the province's admin's choice of commune). */
  communes: CommuneStore;
  /** The notifications outbox (the admins' "Thông báo đã gửi"). */
  notifications: OutboxStore;
  /** The channels the cloud runs, listed first in the channel filter. */
  channels: () => string[];
}

const PAGE_SIZE = 50;

/** What the users page confirms after the script's change: `?done=role&user=police-1`. */
const doneQuery = z.object({ done: z.enum(['created', 'role', 'disabled', 'enabled', 'password']), user: z.string().min(1).max(100) });
const offsetQuery = z.coerce.number().int().min(0).catch(0);

/** Only the filters that were filled in (an empty field sends ""), without paging. */
const filled = (query: Record<string, string>) => Object.fromEntries(Object.entries(query).filter(([k, v]) => v !== '' && k !== 'offset' && k !== 'lang'));

/** The administrator's pages: the audit log and the people who use the system. */
export function createAdminPages({ audit, users, communes, notifications, channels }: AdminPagesDeps) {
  const loggedActions = (person: Scoped) => audit.actions(person.communeCode ?? undefined);

  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const tOf = (c: Context<ConsoleEnv>) => translator(adminMessages, c.get('view').lang);

    app.get('/admin', kit.page('users.manage'), (c) => c.redirect('/admin/users', 303));

    app.get('/admin/audit', kit.page('audit.read'), async (c) => {
      const t = tOf(c);
      const { lang } = c.get('view');
      const person = c.get('view').user!;
      const filter = filled(c.req.query());
      const offset = offsetQuery.parse(c.req.query('offset'));
      const parsed = auditFilterQuery.safeParse(filter);
      let error: string | null = null;
      let page = { items: [] as Awaited<ReturnType<AuditLog['page']>>['items'], total: 0 };
      if (!parsed.success) error = t('badFilter', { fields: [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ') });
      else {
        try {
          page = await audit.page(toAuditFilter(parsed.data, person), PAGE_SIZE, offset);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          error = t('toBeforeFrom');
        }
      }
      const all = isProvinceLevel(person) ? await communes.list() : [];
      return kit.render(c, {
        title: t('auditTitle'),
        main: auditPage(t, lang, {
          ...page,
          limit: PAGE_SIZE,
          offset,
          filter,
          actions: await loggedActions(person),
          // a commune's admin is offered their commune's people, not the province's or another commune's
          actors: (await users.list(person)).map((u) => u.username),
          // a single-commune install shows no commune filter, as before
          communes: all.length > 1 ? all.map((cm) => ({ value: cm.code, label: cm.name })) : [],
          error,
        }),
      });
    });

    app.get('/admin/notifications', kit.page('notifications.deliveries.manage'), async (c) => {
      const { lang } = c.get('view');
      const t = translator(notificationsMessages, lang);
      const filter = filled(c.req.query());
      const offset = offsetQuery.parse(c.req.query('offset'));
      const parsed = deliveryFilterQuery.safeParse(filter);
      let error: string | null = null;
      let page = { items: [] as Awaited<ReturnType<OutboxStore['page']>>['items'], total: 0 };
      if (!parsed.success) error = t('badFilter', { fields: [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ') });
      else page = await notifications.page(toDeliveryFilter(parsed.data, c.get('view').user!), PAGE_SIZE, offset);
      const known = [...new Set([...channels(), ...(await notifications.channelNames())])];
      return kit.render(c, {
        title: t('notificationsTitle'),
        main: notificationsPage(t, lang, { ...page, limit: PAGE_SIZE, offset, filter, channels: known, error }),
        scripts: ['admin-notifications.js'],
        data: { strings: { ...notificationsMessages[lang], errorGeneric: c.get('view').t('errorGeneric'), errorNetwork: c.get('view').t('errorNetwork'), saving: c.get('view').t('saving') } },
      });
    });

    app.get('/admin/users', kit.page('users.manage'), async (c) => {
      const t = tOf(c);
      const view = c.get('view');
      const done = doneQuery.safeParse(c.req.query());
      const all = await communes.list();
      return kit.render(c, {
        title: t('usersTitle'),
        main: usersPage(t, view.lang, {
          // a commune's admin sees and manages only their commune's people
          users: await users.list(view.user!),
          communes: view.user!.communeCode === null ? all.filter((c) => c.retiredAt === null).map(({ code, name }) => ({ code, name })) : null,
          communeNames: new Map(all.map((c) => [c.code, c.name])),
          me: view.user!,
          done: done.success ? t(`done_${done.data.done}`, { user: done.data.user }) : null,
          roleName: (role) => view.t(`role_${role}`),
        }),
        scripts: ['admin-users.js'],
        data: { strings: scriptStrings(c) },
      });
    });

    return {
      nav: [
        { href: '/admin/users', label: { vi: adminMessages.vi.navUsers, en: adminMessages.en.navUsers } },
        { href: '/admin/audit', label: { vi: adminMessages.vi.navAudit, en: adminMessages.en.navAudit } },
        { href: '/admin/notifications', label: { vi: notificationsMessages.vi.navNotifications, en: notificationsMessages.en.navNotifications } },
      ],
      routes: app,
    };
  };
}

/** The strings the users page script shows. */
function scriptStrings(c: Context<ConsoleEnv>) {
  const { t, lang } = c.get('view');
  const a = adminMessages[lang];
  const weak = Object.fromEntries(Object.entries(weaknessMessages).map(([reason, text]) => [reason, text[lang]]));
  return { errorGeneric: t('errorGeneric'), errorNetwork: t('errorNetwork'), saving: t('saving'), usernameTaken: a.usernameTaken, lastAdmin: a.lastAdmin, weak };
}

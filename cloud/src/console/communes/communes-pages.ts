import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { CommuneStore } from '../../communes/commune-store.js';
import { codeSchema } from '../../communes/codes.js';
import { ApiError } from '../../http/errors.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator } from '../i18n.js';
import { communePage, communesPage } from './communes-markup.js';
import { communesMessages } from './communes-messages.js';

/** What a page confirms after the script's change: `?done=created&name=Xã B`, `?done=imported&communes=2…`. */
const doneQuery = z.object({
  done: z.enum(['created', 'saved', 'retired', 'restored', 'hamlet', 'order', 'imported']),
  name: z.string().max(100).default(''),
  communes: z.coerce.number().int().min(0).default(0),
  communesUpdated: z.coerce.number().int().min(0).default(0),
  hamlets: z.coerce.number().int().min(0).default(0),
  hamletsUpdated: z.coerce.number().int().min(0).default(0),
});

/** The province admin's pages: the communes and, for each, its hamlets (changes through the communes API). */
export function createCommunesPages({ communes }: { communes: CommuneStore }) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const tOf = (c: Context<ConsoleEnv>) => translator(communesMessages, c.get('view').lang);
    const done = (c: Context<ConsoleEnv>) => {
      const parsed = doneQuery.safeParse(c.req.query());
      if (!parsed.success) return null;
      const { done: what, ...params } = parsed.data;
      return tOf(c)(`done_${what}`, params);
    };
    const data = (c: Context<ConsoleEnv>) => {
      const { t, lang } = c.get('view');
      return { strings: { ...communesMessages[lang], errorGeneric: t('errorGeneric'), errorNetwork: t('errorNetwork') } };
    };

    app.get('/admin/communes', kit.page('communes.manage'), async (c) => {
      const t = tOf(c);
      const list = await communes.list();
      return kit.render(c, {
        title: t('communesTitle'),
        main: communesPage(t, { communes: list, done: done(c), province: list[0]?.province ?? '' }),
        scripts: ['admin-communes.js'],
        data: data(c),
      });
    });

    app.get('/admin/communes/:code', kit.page('communes.manage'), async (c) => {
      const t = tOf(c);
      const code = codeSchema.safeParse(c.req.param('code'));
      try {
        if (!code.success) throw new ApiError(404, 'not_found', 'no such commune');
        const commune = await communes.get(code.data);
        return kit.render(c, {
          title: t('communeTitle', { name: commune.name }),
          main: communePage(t, { commune, hamlets: await communes.hamlets(commune.code), done: done(c) }),
          scripts: ['admin-communes.js'],
          data: data(c),
        });
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err;
        return kit.render(c, { title: c.get('view').t('notFoundTitle'), status: 404, main: '' });
      }
    });

    return {
      nav: [{ href: '/admin/communes', label: { vi: communesMessages.vi.navCommunes, en: communesMessages.en.navCommunes } }],
      routes: app,
    };
  };
}

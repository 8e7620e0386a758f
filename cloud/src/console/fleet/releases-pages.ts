import { Hono, type Context } from 'hono';
import type { EdgeStore } from '../../fleet/edge-store.js';
import type { KeyRotations } from '../../releases/key-rotations.js';
import type { ReleaseStore } from '../../releases/release-store.js';
import type { RolloutStore } from '../../releases/rollout-store.js';
import { can } from '../../users/permissions.js';
import type { Scoped } from '../../communes/scope.js';
import { boxFilterOf } from '../../fleet/box-scope.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator } from '../i18n.js';
import { releasesPage, rolloutPage } from './releases-markup.js';
import { releasesMessages } from './releases-messages.js';

const ROLLOUT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface ReleasesPagesDeps {
  releases: ReleaseStore;
  rollouts: RolloutStore;
  edges: EdgeStore;
  keyRotations: Pick<KeyRotations, 'list'>;
  /** The hamlets the person sees, in their usual order. */
  hamlets(person: Scoped): Promise<{ code: string; name: string; communeCode: string }[]>;
  /** The communes in service the person sees (awaited: the communes store may answer later). */
  communes(person: Scoped): { code: string; name: string }[] | Promise<{ code: string; name: string }[]>;
}

function strings(c: Context<ConsoleEnv>) {
  const view = c.get('view');
  return { ...releasesMessages[view.lang], errorGeneric: view.t('errorGeneric'), errorNetwork: view.t('errorNetwork'), saving: view.t('saving') };
}

/** "Cập nhật phần mềm": each box's version, the releases and the rollouts; an admin uploads and rolls out, a technician follows. */
export function createReleasesPages(deps: ReleasesPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const t = (c: Context<ConsoleEnv>) => translator(releasesMessages, c.get('view').lang);
    const canManage = (c: Context<ConsoleEnv>) => {
      const user = c.get('view').user;
      return user ? can(user, 'fleet.releases.manage') : false;
    };

    // a commune's people: their boxes, and the rollouts that reach them counted over their boxes only
    const mine = (c: Context<ConsoleEnv>) => boxFilterOf(c.get('view').user!);

    app.get('/fleet/releases', kit.page('fleet.releases.read'), async (c) => {
      const communes = await deps.communes(c.get('view').user!);
      const main = releasesPage(t(c), c.get('view').lang, {
        communes,
        releases: await deps.releases.list(),
        rollouts: await deps.rollouts.list(50, mine(c)),
        edges: await deps.edges.list({ status: 'active', ...mine(c) }),
        hamlets: await deps.hamlets(c.get('view').user!),
        rotations: await deps.keyRotations.list({ communeCode: c.get('view').user?.communeCode ?? null }),
        canManage: canManage(c),
      });
      return kit.render(c, { title: t(c)('releasesTitle'), main, scripts: ['fleet-releases.js'], data: { strings: strings(c) } });
    });

    app.get('/fleet/rollouts/:id', kit.page('fleet.releases.read'), async (c) => {
      const id = c.req.param('id');
      const rollout = ROLLOUT_ID.test(id) ? await deps.rollouts.find(id, mine(c)) : null;
      if (!rollout) return kit.render(c, { title: t(c)('notFound'), status: 404, main: t(c)('notFound') });
      const main = rolloutPage(t(c), c.get('view').lang, rollout, await deps.rollouts.boxes(id, mine(c)), canManage(c));
      return kit.render(c, { title: t(c)('rolloutTitle', { version: rollout.version }), main, scripts: ['fleet-releases.js'], data: { strings: strings(c) } });
    });

    return {
      nav: [{ href: '/fleet/releases', label: { vi: releasesMessages.vi.navReleases, en: releasesMessages.en.navReleases } }],
      routes: app,
    };
  };
}

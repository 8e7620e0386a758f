import { sees } from '../../communes/scope.js';
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { eligibleKinds, type PushPreferences } from '../../notifications/webpush/preferences.js';
import type { User } from '../../users/user-store.js';
import { NOTIFICATIONS_PAGE, SERVICE_WORKER_PATH } from '../../notifications/webpush/push-paths.js';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator, type Translate } from '../i18n.js';
import { ASSETS_DIR } from '../static-assets.js';
import { notificationsMessages } from './notifications-messages.js';

type T = Translate<keyof (typeof notificationsMessages)['vi']>;

/** A hamlet as the checklist shows it. */
export interface HamletChoice {
  code: string;
  name: string;
}

export interface NotificationPagesDeps {
  /** The hamlets with their commune, in their usual order (listHamlets): a commune's person is offered their commune's. */
  hamlets: () => Promise<(HamletChoice & { communeCode: string })[]>;
  /** The person's stored choices (the push subscription store), so the page opens showing them. */
  preferences: (user: Pick<User, 'id' | 'role'>) => Promise<PushPreferences>;
}

/**
 * "Which hamlets": a checklist in a fieldset (its legend names the group for a screen reader);
 * none ticked is the whole commune, said in the hint so that an empty list does not read as "nothing".
 */
function hamletsMarkup(t: T, hamlets: HamletChoice[], chosen: string[], cameras: number) {
  return html`<fieldset class="stack" id="push-hamlets" aria-describedby="push-hamlets-hint"><legend>${t('hamletsTitle')}</legend>
<small class="hint" id="push-hamlets-hint">${t('hamletsHint')}</small>
<div class="grid two">${hamlets.map(
    (h) => html`<label class="check"><input type="checkbox" name="hamlets" value="${h.code}"${chosen.includes(h.code) ? ' checked' : ''}> ${h.name}</label>`,
  )}</div>
${cameras > 0 ? html`<small class="hint">${t('camerasChosen', { count: cameras })}</small>` : ''}
</fieldset>`;
}

function markup(t: T, kinds: string[], scope: ReturnType<typeof hamletsMarkup> | '') {
  return html`<div class="narrow">
<p>${t('intro')}</p>
<p id="push-support" class="notice" role="alert" hidden></p>
<section aria-labelledby="push-this-heading">
<h2 id="push-this-heading">${t('thisDevice')}</h2>
<div class="actions"><button type="button" id="push-subscribe" class="primary">${t('subscribe')}</button>
<button type="button" id="push-test">${t('sendTest')}</button></div>
<p id="push-status" role="status" hidden></p>
</section>
<section aria-labelledby="push-devices-heading">
<h2 id="push-devices-heading">${t('devicesTitle')}</h2>
<div class="table-wrap" role="region" tabindex="0" aria-labelledby="push-devices-heading"><table id="push-devices"><thead><tr>
  <th>${t('deviceName')}</th><th>${t('deviceAdded')}</th><th>${t('deviceLastSent')}</th><th>${t('deviceProblem')}</th><th></th>
</tr></thead><tbody></tbody></table></div>
<p id="push-no-devices" class="hint" hidden>${t('noDevices')}</p>
</section>
<form id="push-prefs" class="card stack" aria-labelledby="push-kinds-heading">
<h2 id="push-kinds-heading">${t('kindsTitle')}</h2>
${kinds.length === 0 ? html`<p class="hint">${t('noKinds')}</p>` : ''}
${kinds.map((kind) => html`<label class="check"><input type="checkbox" name="kinds" value="${kind}"> ${t(`kind_${kind}` as Parameters<T>[0])}</label>`)}
${scope}
<fieldset class="stack"><legend>${t('quietTitle')}</legend>
<label class="check"><input type="checkbox" id="quiet-enabled" name="quietEnabled"> ${t('quietEnabled')}</label>
<div class="grid two">
  <div class="stack"><label for="quiet-start">${t('quietStart')}</label><input id="quiet-start" name="quietStart" type="time" value="22:00" required></div>
  <div class="stack"><label for="quiet-end">${t('quietEnd')}</label><input id="quiet-end" name="quietEnd" type="time" value="06:00" required></div>
</div>
<small class="hint">${t('quietHint')}</small>
</fieldset>
<div class="actions"><button type="submit" class="primary">${t('save')}</button></div>
<p id="prefs-status" role="status" hidden></p>
</form>
</div>`;
}

/**
 * "Thông báo trên điện thoại", reached from the account links in the header: subscribe this device,
 * see and remove one's devices, choose kinds, hamlets and quiet hours, send a test (account-notifications.js
 * calls the notifications API). Also serves the service worker from the root, so that its scope is
 * the whole console: a notification opens any console page.
 */
export function createNotificationPages({ hamlets, preferences }: NotificationPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();

    app.get(NOTIFICATIONS_PAGE, kit.page('notifications.subscribe'), async (c) => {
      const view = c.get('view');
      const t = translator(notificationsMessages, view.lang);
      const kinds = eligibleKinds(view.user!);
      const prefs = await preferences(view.user!);
      return kit.render(c, {
        title: t('title'),
        main: markup(t, kinds, kinds.length > 0 ? hamletsMarkup(t, (await hamlets()).filter((h) => sees(view.user!, h.communeCode, { provinceItems: false })), prefs.hamlets, prefs.cameras.length) : ''),
        scripts: ['account-notifications.js'],
        data: { strings: notificationsMessages[view.lang], serviceWorker: SERVICE_WORKER_PATH },
      });
    });

    app.get(SERVICE_WORKER_PATH, async (c) => {
      const body = await readFile(`${ASSETS_DIR}sw.js`);
      // no-cache: a browser checks for a new worker at each registration instead of keeping an old one for a day
      return c.body(body, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'service-worker-allowed': '/' });
    });

    return { nav: [], routes: app };
  };
}

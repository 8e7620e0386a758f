import { html } from 'hono/html';
import type { Translate } from '../i18n.js';
import type { feedsMessages } from './feeds-messages.js';

type T = Translate<keyof (typeof feedsMessages)['vi']>;

/** At the top of the alert page: a feed that stopped answering is the first thing the operator sees (radio-feeds.js fills it). */
export const feedWarningsMarkup = () => html`<div id="feed-warnings" role="alert"></div>`;

/** The CAP feeds section under the alert form: the feeds and a form to add one (radio-feeds.js fills it). */
export function feedsMarkup(t: T) {
  return html`<section aria-labelledby="feeds-heading">
<h2 id="feeds-heading">${t('feedsTitle')}</h2>
<p class="hint">${t('feedsIntro')}</p>
<div class="table-wrap" role="region" tabindex="0" aria-labelledby="feeds-heading"><table id="feed-list"><thead><tr>
  <th>${t('feedName')}</th><th>${t('feedState')}</th><th>${t('lastSuccess')}</th><th>${t('taken')}</th><th>${t('lastError')}</th><th></th>
</tr></thead><tbody></tbody></table></div>
<form id="feed-form" class="card grid two">
  <div class="stack"><label for="feed-name">${t('feedName')}</label><input id="feed-name" name="name" required maxlength="100"></div>
  <div class="stack"><label for="feed-url">${t('feedUrl')}</label><input id="feed-url" name="url" type="url" required maxlength="2000" placeholder="https://"></div>
  <div class="actions"><button type="submit" class="primary">${t('addFeed')}</button></div>
</form>
<p id="feed-status" role="status" hidden></p>
</section>`;
}

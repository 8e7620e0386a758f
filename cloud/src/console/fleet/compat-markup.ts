import { html } from 'hono/html';
import type { Translate } from '../i18n.js';
import type { compatMessages } from './compat-messages.js';

type T = Translate<keyof (typeof compatMessages)['vi']>;

/** The box page's card of version compatibility; fleet-compat.js fills it from GET /edges/{id}/compatibility. */
export function compatMarkup(t: T) {
  return html`<section class="card" aria-labelledby="compat-heading">
  <h2 id="compat-heading">${t('compatTitle')}</h2>
  <p class="hint">${t('compatHint')}</p>
  <dl class="facts">
    <dt>${t('contractBox')}</dt><dd data-compat="box"></dd>
    <dt>${t('contractCloud')}</dt><dd data-compat="cloud"></dd>
    <dt>${t('contractMissing')}</dt><dd data-compat="missing"></dd>
  </dl>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="compat-heading"><table id="compat-parts"><thead><tr><th>${t('compatDocument')}</th><th>${t('compatWho')}</th><th>${t('compatWhat')}</th><th>${t('compatWhy')}</th></tr></thead><tbody></tbody></table></div>
  <p id="compat-status" role="status" aria-live="polite" hidden></p>
</section>`;
}

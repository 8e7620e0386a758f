import { Hono } from 'hono';
import { html } from 'hono/html';
import { priorities } from '@smart-commune/shared';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator, type Translate } from '../i18n.js';
import { hamletsFor } from './hamlets-for.js';
import { liveMessages } from './live-messages.js';

/** The live voice page: the only console page the browser lets use the microphone (security-headers.ts). */
export const LIVE_PAGE = '/radio/live';

export interface LivePageDeps {
  /** The hamlets in their usual order, with their commune (a commune's person speaks to their own). */
  hamlets(): Promise<{ code: string; name: string; communeCode?: string }[]>;
  /** Speaker zone names the active boxes declare, sorted. */
  zones(): Promise<string[]>;
}

type T = Translate<keyof (typeof liveMessages)['vi']>;

function liveMarkup(t: T, hamlets: { code: string; name: string }[], zones: string[]) {
  return html`<p>${t('liveIntro')}</p>
<p id="live-unsupported" class="error" role="alert" hidden></p>
<section class="card" id="live-setup" aria-labelledby="live-setup-heading">
  <h2 id="live-setup-heading">${t('liveTitle')}</h2>
  <form id="live-form" class="stack">
    <label for="live-title">${t('title')}</label>
    <input id="live-title" name="title" required maxlength="200" value="${t('defaultTitle')}">
    <fieldset>
      <legend>${t('targets')}</legend>
      <div class="choices">
        <label><input type="radio" name="live-target" value="all" checked> ${t('allHamlets')}</label>
        <label><input type="radio" name="live-target" value="chosen"> ${t('chosenHamlets')}</label>
      </div>
      <div class="choices" id="live-hamlets">
        ${hamlets.map((h) => html`<label><input type="checkbox" name="live-hamlet" value="${h.code}"> ${h.name}</label>`)}
      </div>
    </fieldset>
    <fieldset>
      <legend>${t('zones')}</legend>
      ${zones.length === 0
        ? html`<p class="hint">${t('noZones')}</p>`
        : html`<div class="choices">
        <label><input type="radio" name="live-zone-scope" value="all" checked> ${t('allZones')}</label>
        <label><input type="radio" name="live-zone-scope" value="chosen"> ${t('chosenZones')}</label>
      </div>
      <div class="choices" id="live-zones">
        ${zones.map((z) => html`<label><input type="checkbox" name="live-zone" value="${z}"> ${z}</label>`)}
      </div>`}
    </fieldset>
    <fieldset aria-describedby="live-priority-hint">
      <legend>${t('priority')}</legend>
      <div class="choices">
        ${priorities.map((p) => html`<label><input type="radio" name="live-priority" value="${p}"${p === 'normal' ? ' checked' : ''}> ${t(`priority_${p}`)}</label>`)}
      </div>
      <p class="hint" id="live-priority-hint">${t('priorityHint')}</p>
    </fieldset>
    <button type="submit" class="primary">${t('review')}</button>
  </form>
  <div id="live-confirm" class="danger-zone card" hidden>
    <h3 id="live-confirm-heading">${t('confirmTitle')}</h3>
    <p id="live-confirm-text"></p>
    <div class="actions">
      <button type="button" id="live-start" class="danger">${t('start')}</button>
      <button type="button" id="live-back">${t('back')}</button>
    </div>
  </div>
  <p id="live-status" role="status" hidden></p>
</section>
<section class="card on-air" id="live-panel" aria-labelledby="live-on-air" hidden>
  <h2 id="live-on-air"><span class="on-air-light" aria-hidden="true"></span> ${t('onAir')}</h2>
  <p id="live-what"></p>
  <p id="live-elapsed" role="timer" aria-live="off"></p>
  <div class="stack">
    <label for="live-level">${t('level')}</label>
    <meter id="live-level" min="0" max="1" low="0.05" high="0.8" optimum="0.3" value="0"></meter>
  </div>
  <p id="live-link" class="notice" role="status" hidden></p>
  <h3 id="live-hamlets-heading">${t('hamletsTitle')}</h3>
  <div class="table-wrap" role="region" tabindex="0" aria-labelledby="live-hamlets-heading"><table id="live-hamlet-list"><thead><tr>
    <th>${t('hamlet')}</th><th>${t('state')}</th>
  </tr></thead><tbody></tbody></table></div>
  <div class="actions"><button type="button" id="live-stop" class="danger big">${t('stop')}</button></div>
</section>
<p id="live-ended" role="status" hidden></p>`;
}

/** The radio operator's live voice page; its script streams the microphone (radio-live.js). */
export function createLivePage(deps: LivePageDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    app.get(LIVE_PAGE, kit.page('radio.live.manage'), async (c) => {
      const lang = c.get('view').lang;
      const t = translator(liveMessages, lang);
      const hamlets = hamletsFor(await deps.hamlets(), c.get('view').user);
      const { t: common } = c.get('view');
      return kit.render(c, {
        title: t('liveTitle'),
        main: liveMarkup(t, hamlets, await deps.zones()),
        scripts: ['radio-live.js'],
        data: { strings: { ...liveMessages[lang], errorGeneric: common('errorGeneric'), errorNetwork: common('errorNetwork') }, hamlets },
      });
    });
    return { nav: [{ href: LIVE_PAGE, label: { vi: liveMessages.vi.navLive, en: liveMessages.en.navLive } }], routes: app };
  };
}

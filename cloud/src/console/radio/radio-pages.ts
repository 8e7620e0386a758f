import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ConsoleEnv, ConsoleKit, ConsoleSection } from '../console-kit.js';
import { translator } from '../i18n.js';
import { hamletsFor } from './hamlets-for.js';
import { radioMessages } from './radio-messages.js';
import { feedsMarkup, feedWarningsMarkup } from './feeds-markup.js';
import { feedsMessages } from './feeds-messages.js';
import { stationsMarkup } from './stations-markup.js';
import { stationsMessages } from './stations-messages.js';
import { alertsMarkup, bulletinsMarkup, playbackMarkup, scheduleMarkup, type HamletChoice, type VoiceChoice } from './radio-markup.js';

export interface RadioPagesDeps {
  voices: readonly VoiceChoice[];
  defaultVoice: string;
  /** The hamlets in their usual order, with their commune (the alert and station pages show a commune's person their own). */
  hamlets(): (HamletChoice & { communeCode?: string })[];
}

/** The radio operator's pages: bulletins, schedule, emergency alert, proof of play. They call the radio JSON API. */
export function createRadioPages(deps: RadioPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const strings = (c: { get(key: 'view'): { lang: 'vi' | 'en' } }) => radioMessages[c.get('view').lang];
    const hamlets = () => deps.hamlets().map((h) => ({ code: h.code, name: h.name }));

    app.get('/radio/bulletins', kit.page('radio.bulletins.write'), (c) => {
      const t = translator(radioMessages, c.get('view').lang);
      return kit.render(c, { title: t('bulletinsTitle'), main: bulletinsMarkup(t, [...deps.voices], deps.defaultVoice), scripts: ['radio-bulletins.js', 'radio-dictionary.js'], data: { strings: { ...strings(c), ...common(c) }, voices: deps.voices } });
    });
    app.get('/radio/schedule', kit.page('radio.schedules.manage'), (c) => {
      const t = translator(radioMessages, c.get('view').lang);
      return kit.render(c, { title: t('scheduleTitle'), main: scheduleMarkup(t, hamlets()), scripts: ['radio-schedule.js'], data: { strings: { ...strings(c), ...common(c) }, hamlets: hamlets() } });
    });
    app.get('/radio/alerts', kit.page('radio.alerts.manage'), (c) => {
      const t = translator(radioMessages, c.get('view').lang);
      const lang = c.get('view').lang;
      // the CAP feeds the alerts also come from: below the alert form, a feed that stopped answering above it
      const theirs = hamletsFor(deps.hamlets(), c.get('view').user);
      const main = html`${feedWarningsMarkup()}${alertsMarkup(t, theirs)}${feedsMarkup(translator(feedsMessages, lang))}`;
      return kit.render(c, { title: t('alertsTitle'), main, scripts: ['radio-alerts.js', 'radio-held.js', 'radio-feeds.js'], data: { strings: { ...strings(c), ...feedsMessages[lang], ...common(c) }, hamlets: theirs } });
    });
    app.get('/radio/stations', kit.page('radio.relays.manage'), (c) => {
      const lang = c.get('view').lang;
      const t = translator(stationsMessages, lang);
      const theirs = hamletsFor(deps.hamlets(), c.get('view').user);
      return kit.render(c, { title: t('stationsTitle'), main: stationsMarkup(t, theirs), scripts: ['radio-stations.js'], data: { strings: { ...stationsMessages[lang], ...common(c) }, hamlets: theirs } });
    });
    app.get('/radio/playback', kit.page('radio.playback.read'), (c) => {
      const t = translator(radioMessages, c.get('view').lang);
      return kit.render(c, { title: t('playbackTitle'), main: playbackMarkup(t, hamlets()), scripts: ['radio-playback.js'], data: { strings: { ...strings(c), ...common(c) } } });
    });

    return {
      nav: [
        { href: '/radio/bulletins', label: { vi: radioMessages.vi.navBulletins, en: radioMessages.en.navBulletins } },
        { href: '/radio/schedule', label: { vi: radioMessages.vi.navSchedule, en: radioMessages.en.navSchedule } },
        { href: '/radio/alerts', label: { vi: radioMessages.vi.navAlerts, en: radioMessages.en.navAlerts } },
        { href: '/radio/stations', label: { vi: stationsMessages.vi.navStations, en: stationsMessages.en.navStations } },
        { href: '/radio/playback', label: { vi: radioMessages.vi.navPlayback, en: radioMessages.en.navPlayback } },
      ],
      routes: app,
    };
  };
}

/** The common error strings the page scripts show. */
function common(c: { get(key: 'view'): { t: (key: 'errorGeneric' | 'errorNetwork' | 'saving' | 'loading') => string } }) {
  const { t } = c.get('view');
  return { errorGeneric: t('errorGeneric'), errorNetwork: t('errorNetwork'), saving: t('saving'), loading: t('loading') };
}

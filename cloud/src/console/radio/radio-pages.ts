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
  /** The province's hamlets in their usual order, each with its commune. */
  hamlets(): Promise<(HamletChoice & { communeCode: string })[]>;
  /** The province's communes (not retired): a province-level person's programme may choose some. */
  communes?(): Promise<HamletChoice[]>;
}

/** The radio operator's pages: bulletins, schedule, emergency alert, proof of play. They call the radio JSON API. */
export function createRadioPages(deps: RadioPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    const strings = (c: { get(key: 'view'): { lang: 'vi' | 'en' } }) => radioMessages[c.get('view').lang];
    // a commune's people choose among their commune's hamlets; a province-level person among all
    const hamlets = async (c: { get(key: 'view'): { user: { communeCode: string | null } | null } }) => hamletsFor(await deps.hamlets(), c.get('view').user);

    app.get('/radio/bulletins', kit.page('radio.bulletins.write'), (c) => {
      const t = translator(radioMessages, c.get('view').lang);
      return kit.render(c, { title: t('bulletinsTitle'), main: bulletinsMarkup(t, [...deps.voices], deps.defaultVoice), scripts: ['radio-bulletins.js', 'radio-dictionary.js'], data: { strings: { ...strings(c), ...common(c) }, voices: deps.voices } });
    });
    // a province-level person of a province (more than one commune) may choose communes
    const provinceCommunes = async (c: { get(key: 'view'): { user: { communeCode: string | null } | null } }) => {
      const communes = c.get('view').user?.communeCode === null ? ((await deps.communes?.()) ?? []) : [];
      return communes.length > 1 ? communes : null;
    };
    app.get('/radio/schedule', kit.page('radio.schedules.manage'), async (c) => {
      const t = translator(radioMessages, c.get('view').lang);
      const choices = await hamlets(c);
      return kit.render(c, { title: t('scheduleTitle'), main: scheduleMarkup(t, choices, await provinceCommunes(c)), scripts: ['radio-schedule.js'], data: { strings: { ...strings(c), ...common(c) }, hamlets: choices } });
    });
    app.get('/radio/alerts', kit.page('radio.alerts.manage'), async (c) => {
      const t = translator(radioMessages, c.get('view').lang);
      const lang = c.get('view').lang;
      const choices = await hamlets(c);
      // the CAP feeds the alerts also come from: below the alert form, a feed that stopped answering above it
      const main = html`${feedWarningsMarkup()}${alertsMarkup(t, choices)}${feedsMarkup(translator(feedsMessages, lang))}`;
      return kit.render(c, { title: t('alertsTitle'), main, scripts: ['radio-alerts.js', 'radio-held.js', 'radio-feeds.js'], data: { strings: { ...strings(c), ...feedsMessages[lang], ...common(c) }, hamlets: choices } });
    });
    app.get('/radio/stations', kit.page('radio.relays.manage'), async (c) => {
      const lang = c.get('view').lang;
      const t = translator(stationsMessages, lang);
      const choices = await hamlets(c);
      return kit.render(c, { title: t('stationsTitle'), main: stationsMarkup(t, choices), scripts: ['radio-stations.js'], data: { strings: { ...stationsMessages[lang], ...common(c) }, hamlets: choices } });
    });
    app.get('/radio/playback', kit.page('radio.playback.read'), async (c) => {
      const t = translator(radioMessages, c.get('view').lang);
      return kit.render(c, { title: t('playbackTitle'), main: playbackMarkup(t, await hamlets(c), scheduleParam(c.req.query('schedule')), await provinceCommunes(c)), scripts: ['radio-playback.js'], data: { strings: { ...strings(c), ...common(c) } } });
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

/** A schedule or alert id from the address (the calendar links one programme's proof of play); anything else is ignored. */
const scheduleParam = (value: string | undefined): string | null => (value !== undefined && /^[A-Za-z0-9_:-]{1,64}$/.test(value) ? value : null);

/** The common error strings the page scripts show. */
function common(c: { get(key: 'view'): { t: (key: 'errorGeneric' | 'errorNetwork' | 'saving' | 'loading') => string } }) {
  const { t } = c.get('view');
  return { errorGeneric: t('errorGeneric'), errorNetwork: t('errorNetwork'), saving: t('saving'), loading: t('loading') };
}

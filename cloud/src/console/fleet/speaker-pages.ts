import { Hono } from 'hono';
import type { ConsoleEnv, ConsoleKit, ConsoleSection, View } from '../console-kit.js';
import { translator } from '../i18n.js';
import { can } from '../../users/permissions.js';
import type { SpeakerAlarm } from '../../fleet/speakers/speaker-alarms.js';
import type { ZoneTransition } from '../../fleet/speakers/speaker-history.js';
import type { ZoneView } from '../../fleet/speakers/speaker-zones.js';
import { alarmBanner, speakersMarkup } from './speaker-markup.js';
import { speakerMessages } from './speaker-messages.js';
import type { Scoped } from '../../communes/scope.js';

export interface SpeakerPagesDeps {
  /** The zones of the boxes the person sees (their commune's; every box for a province-level person). */
  zones(person: Scoped): Promise<ZoneView[]>;
  history(edgeId: string, zone: string, limit: number): Promise<ZoneTransition[]>;
}

/** Transitions shown per zone on the page (the API gives more). */
const HISTORY_SHOWN = 10;

/** The loudspeaker zones page, for operators and technicians alike: state, volume and mute, history. */
export function createSpeakerPages(deps: SpeakerPagesDeps) {
  return (kit: ConsoleKit): ConsoleSection => {
    const app = new Hono<ConsoleEnv>();
    app.get('/speakers', kit.page('fleet.speakers.manage'), async (c) => {
      const lang = c.get('view').lang;
      const t = translator(speakerMessages, lang);
      const zones = await deps.zones(c.get('view').user!);
      // each zone's recent history read before rendering (the markup is synchronous)
      const histories = await Promise.all(zones.map((z) => deps.history(z.edgeId, z.zone, HISTORY_SHOWN)));
      const historyOf = new Map(zones.map((z, i) => [z, histories[i]!]));
      const common = c.get('view').t;
      return kit.render(c, {
        title: t('speakersTitle'),
        main: speakersMarkup(t, lang, zones, (z) => historyOf.get(z) ?? []),
        scripts: ['speakers.js'],
        data: { strings: { ...speakerMessages[lang], errorGeneric: common('errorGeneric'), errorNetwork: common('errorNetwork') } },
      });
    });
    return { nav: [{ href: '/speakers', label: { vi: speakerMessages.vi.navSpeakers, en: speakerMessages.en.navSpeakers } }], routes: app };
  };
}

/**
 * The alarm banner for a page's reader: only those who look after the loudspeakers (operators,
 * technicians, admins), and only the alarms of the boxes they see (a commune's: their commune's).
 */
export function speakerAlarmBanner(alarms: (person: Scoped) => Promise<SpeakerAlarm[]>, alarmAfterMs: number) {
  return async (view: View) => {
    if (!view.user || !can(view.user, 'fleet.speakers.manage')) return '';
    return alarmBanner(translator(speakerMessages, view.lang), view.lang, await alarms(view.user), alarmAfterMs);
  };
}

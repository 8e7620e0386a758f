import type { AudioAsset } from '@smart-commune/shared';
import type { AuditLog } from '../audit/audit-log.js';
import type { Auth } from '../auth/auth.js';
import type { CommuneStore } from '../communes/commune-store.js';
import { sees } from '../communes/scope.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/index.js';
import { boxFilterOf, seesBox } from '../fleet/box-scope.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Footage } from '../footage/footage.js';
import { listHamlets } from '../hamlets/hamlets.js';
import type { Incidents } from '../incidents/incidents.js';
import type { Notifications } from '../notifications/notifications.js';
import type { WebPushChannel } from '../notifications/webpush/webpush-channel.js';
import type { Zalo } from '../notifications/zalo/zalo.js';
import { assetResponse } from '../radio/audio/asset-response.js';
import type { Radio } from '../radio/radio.js';
import type { Releases } from '../releases/releases.js';
import type { Reports } from '../reports/reports.js';
import type { UserStore } from '../users/user-store.js';
import type { Vision } from '../vision/vision.js';
import { createAccountPages } from './account/account-pages.js';
import { createNotificationPages } from './account/notifications-page.js';
import { createAdminPages } from './admin/admin-pages.js';
import { createZaloAdminPage } from './admin/admin-zalo.js';
import { createCommunesPages } from './communes/communes-pages.js';
import { createConsole, type Console } from './console.js';
import { createFleetPages } from './fleet/fleet-pages.js';
import { createReleasesPages } from './fleet/releases-pages.js';
import { createSpeakerPages, speakerAlarmBanner } from './fleet/speaker-pages.js';
import { createPolicePages } from './police/police-pages.js';
import { createPublicPages } from './public/public-pages.js';
import { createLivePage } from './radio/live-page.js';
import { createRadioPages } from './radio/radio-pages.js';
import { createReportPage } from './radio/report-page.js';

export interface CloudConsoleDeps {
  config: CloudConfig;
  query: QueryDatabase;
  auth: Pick<Auth, 'sessions' | 'login' | 'passwordChange'>;
  audit: AuditLog;
  users: UserStore;
  communes: CommuneStore;
  fleet: Fleet;
  releases: Releases;
  radio: Radio;
  incidents: Incidents;
  reports: Reports;
  footage: Footage;
  vision: Vision;
  notifications: Notifications;
  webPush: WebPushChannel;
  zalo: Zalo;
  /** The origin put into links others keep (http/public-origin.ts). */
  publicUrl: (requestUrl: string) => string;
}

/** The cloud's web console: every area's pages on the domains, in the order of the menu. */
export function createCloudConsole(deps: CloudConsoleDeps): Console {
  const { config, query, audit, users, communes, fleet, releases, radio, incidents, reports, footage, vision, notifications, webPush, zalo, publicUrl } = deps;
  return createConsole({
    sessions: deps.auth.sessions,
    login: deps.auth.login,
    audit,
    publicUrl: config.SC_PUBLIC_URL,
    banner: speakerAlarmBanner((person) => fleet.speakers.alarms.active(boxFilterOf(person)), config.SC_SPEAKER_ALARM_AFTER_S * 1000),
    sections: [
      createRadioPages({ voices: radio.bulletins.tts.voices, defaultVoice: config.SC_TTS_DEFAULT_VOICE, hamlets: () => listHamlets(query), communes: () => communes.active() }),
      createReportPage({ monthly: (month, communeCode) => radio.reports.monthly(month, communeCode) }),
      createLivePage({
        hamlets: () => listHamlets(query),
        zones: async () => {
          const configs = await Promise.all((await fleet.edges.list({ status: 'active' })).map((e) => fleet.documents.get(e.id, 'config')));
          return [...new Set(configs.flatMap((config) => config?.body.radio?.speakers.map((s) => s.zone) ?? []))].sort();
        },
      }),
      createFleetPages({
        hamlets: (person) => listHamlets(query, person),
        communes: async (person) => (await communes.active()).filter((c) => sees(person, c.code, { provinceItems: false })),
        seesBox: async (person, edgeId) => seesBox(person, await fleet.edges.find(edgeId)),
      }),
      createSpeakerPages({ zones: (person) => fleet.speakers.zones.all(boxFilterOf(person)), history: (edgeId, zone, limit) => fleet.speakers.history.ofEdge(edgeId, { zone, limit }) }),
      createReleasesPages({
        releases: releases.store,
        rollouts: releases.rollouts,
        edges: fleet.edges,
        keyRotations: releases.keyRotations,
        hamlets: (person) => listHamlets(query, person),
        communes: async (person) => (await communes.active()).filter((c) => sees(person, c.code, { provinceItems: false })),
      }),
      createPolicePages({
        incidents,
        reports,
        users,
        audit,
        hamlets: () => listHamlets(query),
        communes: () => communes.active(),
        footage,
        cameras: async () => {
          const communeOf = new Map((await listHamlets(query)).map((h) => [h.code, h.communeCode]));
          const edges = await fleet.edges.list({ status: 'active' });
          const perEdge = await Promise.all(
            edges.map(async (edge) =>
              (await vision.settings.camerasOf(edge.id)).map((camera) => ({ value: `${edge.id}/${camera.id}`, label: `${camera.name} · ${edge.hamletName} (${edge.name})`, communeCode: communeOf.get(edge.hamletCode) ?? null })),
            ),
          );
          return perEdge.flat();
        },
        edgeOnline: async (edgeId) => (await fleet.edges.find(edgeId))?.online ?? false,
        floods: () => vision.floods(),
      }),
      createAdminPages({ audit, users, communes, notifications: notifications.store, channels: () => notifications.channels.map((ch) => ch.name) }),
      createCommunesPages({ communes }),
      createZaloAdminPage({ connector: zalo.connector, hamlets: () => listHamlets(query), communes: () => communes.active() }),
      createAccountPages({ passwordChange: deps.auth.passwordChange }),
      createNotificationPages({ hamlets: () => listHamlets(query), preferences: (user) => webPush.subscriptions.preferences(user) }),
      createPublicPages({ reports, notices: radio.notices, communes, // a notice's MIME type is its audio_assets row's, which only ever holds the formats' own
        audio: (c, audio, headers) => assetResponse(c, radio.bulletins.assets, { sha256: audio.sha256, mime: audio.mime as AudioAsset['mime'] }, headers), publicUrl, zaloOaId: (communeCode) => zalo.store.connectedOaId(communeCode) }),
    ],
  });
}

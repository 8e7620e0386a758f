import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import type { LeaderGate } from '../cluster/leadership.js';
import type { CommuneStore } from '../communes/commune-store.js';
import { ObjectCommunes } from '../communes/object-commune.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { listHamlets } from '../hamlets/hamlets.js';
import type { CloudMetrics } from '../metrics.js';
import type { PlaybackStore } from '../radio/playback/playback-store.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { NotificationChannel } from './channel.js';
import { createNotifications } from './notifications.js';
import { WebPushChannel } from './webpush/webpush-channel.js';
import { createZalo } from './zalo/zalo.js';

export interface StartNotificationsDeps {
  query: QueryDatabase;
  secrets: SecretBox;
  audit: AuditLog;
  /** The cloud's logger: each channel and the outbox log under their own component. */
  logger: Logger;
  metrics: CloudMetrics;
  config: CloudConfig;
  bus: DomainEventBus;
  communes: CommuneStore;
  /** The radio domain's proof of play, for "where it went" of an alert or a bulletin. */
  playback: Pick<PlaybackStore, 'heard'>;
  /** The public base URL for links in Zalo messages (SC_PUBLIC_URL, else the cloud's own address). */
  ownUrl: () => string;
  leader: LeaderGate;
}

/**
 * The notifications outbox with its channels, started: staff Web Push and the communes' Zalo
 * Official Accounts, each subscribed to its events and filling the outbox. Stop it before the event bus.
 */
export async function startNotifications(deps: StartNotificationsDeps) {
  const { query, logger, metrics, config } = deps;
  // staff Web Push (VAPID keys generated at the first start); a channel of the notifications outbox
  const webPush = new WebPushChannel({ query, config, logger: logger.child({ component: 'webpush' }), registry: metrics.registry });
  const zalo = createZalo({
    query,
    secrets: deps.secrets,
    audit: deps.audit,
    logger,
    metrics,
    config,
    hamlets: () => listHamlets(query),
    communes: () => deps.communes.active(),
    publicUrl: deps.ownUrl,
    // bound late: the notifications module is made with the Zalo channel in it (connecting happens over HTTP, after both exist)
    onConnected: () => notifications.resume(zalo.channel.name),
  });
  // one line per channel (Web Push for staff, the Zalo OA for citizens): each subscribes to its events and fills the outbox
  const channels: NotificationChannel[] = [webPush, zalo.channel];
  const objectCommunes = new ObjectCommunes(query);
  const notifications = createNotifications({
    query,
    subjectCommune: (subject) => objectCommunes.of(subject),
    bus: deps.bus,
    logger: logger.child({ component: 'notifications' }),
    metrics,
    config,
    channels,
    audit: deps.audit,
    loudspeakers: (kind, id) => deps.playback.heard(kind, id),
    leader: deps.leader,
  });
  await notifications.start();
  return { notifications, webPush, zalo };
}

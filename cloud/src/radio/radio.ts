import type { Logger } from '@smart-commune/shared/runtime';
import { PublicNotices } from './bulletins/public-notices.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { BrokerLink } from '../broker/link.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/index.js';
import { UserStore } from '../users/user-store.js';
import { liveSessionCommune, operatorOf } from './radio-lookups.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Fleet } from '../fleet/fleet.js';
import { HamletPlaces } from '../hamlets/hamlet-places.js';
import type { Guard } from '../http/access.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import type { CloudMetrics } from '../metrics.js';
import { AlertLead } from './alerts/alert-lead.js';
import { TargetArea } from './target-area.js';
import { AlertService } from './alerts/alert-service.js';
import { AlertStore } from './alerts/alert-store.js';
import { createAlertsRoutes } from './alerts/alerts-routes.js';
import { HeldAlertStore } from './alerts/held-store.js';
import { createHeldAlertsRoutes } from './alerts/held-routes.js';
import { TrustedSenders } from './alerts/trusted-senders.js';
import { createTrustedSendersRoutes } from './alerts/trusted-senders-routes.js';
import { BulletinAudioLookup } from './plan/bulletin-audio.js';
import { EdgeDirectory } from './plan/edge-directory.js';
import { PlanOccurrences } from './plan/plan-occurrences.js';
import { PlanPublisher } from './plan/plan-publisher.js';
import { PlaybackIntake } from './playback/playback-intake.js';
import { createPlaybackRoutes } from './playback/playback-routes.js';
import { BroadcastReports } from './broadcast-report/broadcast-reports.js';
import { createReportRoutes } from './broadcast-report/report-routes.js';
import { listHamlets } from '../hamlets/hamlets.js';
import { PlaybackStore } from './playback/playback-store.js';
import { ScheduleService } from './schedules/schedule-service.js';
import { ScheduleStore } from './schedules/schedule-store.js';
import { createBulletins } from './bulletins/bulletins.js';
import type { AlertSpeech } from './alerts/alert-speech.js';
import { createSchedulesRoutes } from './schedules/schedules-routes.js';
import { communeForWrite } from './scope/radio-scope.js';
import { createFeeds } from './feeds/feeds.js';
import { alwaysLeader, type LeaderGate } from '../cluster/leadership.js';
import { createRelays } from './relays/relays.js';
import { StationStore } from './relays/station-store.js';
import { LiveDocPublisher } from './live/live-doc.js';
import { createLiveRoutes } from './live/live-routes.js';
import { LiveSessions } from './live/live-sessions.js';
import type { RelayService } from './relays/relay-service.js';
import type { ProcessRegistry } from '../cluster/process-registry.js';
import { LiveStore } from './live/live-store.js';
import type { MediaStore } from '../storage/media-store.js';

export type { AlertSpeech, AlertSpeechInput, SpokenBulletin } from './alerts/alert-speech.js';
export type { LiveInput, LiveSessionSpec, LiveSessionView, LiveSessionsApi, LiveTargets } from './live/live-types.js';

export interface RadioOptions {
  /**
   * Between an alert's broadcast and its first sound, so every edge can fetch and decode the audio
   * first: the first alerts' lead; later ones adapt to what the edges report (alert-lead.ts).
   */
  alertLeadMs: number;
  /** Bounds of the adapted lead. */
  alertLeadMinMs: number;
  alertLeadMaxMs: number;
  /** How often to look for a new plan window (hourly), boxes claimed, revoked or moved, and expired alerts. */
  checkEveryMs: number;
  /** The clock (tests move it). */
  now(): number;
}

const DEFAULT_RADIO_OPTIONS: RadioOptions = { alertLeadMs: 1000, alertLeadMinMs: 400, alertLeadMaxMs: 5000, checkEveryMs: 5000, now: Date.now };

export interface RadioDeps {
  /** The query layer (SQLite or PostgreSQL): every radio store is written in it. */
  query: QueryDatabase;
  broker: BrokerLink;
  fleet: Fleet;
  /** Where proof of play comes from (`edge.event.playback`) and what alerts and schedules do goes. */
  bus: DomainEventBus;
  metrics: CloudMetrics;
  audit: AuditLog;
  logger: Logger;
  config: CloudConfig;
  /** The cloud's one media store: bulletin audio is kept there (storage/open-media-store.ts). */
  media: MediaStore;
  /** Replaces the speech engine for alerts (tests use a quick fake voice). */
  speech?: AlertSpeech;
  options?: Partial<RadioOptions>;
  /** Plan publishing, alert expiry, CAP feed polling and relay windows run on one process of several (default: this one). */
  leader?: LeaderGate;
  /**
   * Whether this is the only cloud process on its database (SQLite; default true): then the live
   * sessions and relay runs left open are the previous run's and are ended at start. With several
   * processes (PostgreSQL) they may be another process's, on air now, and are left alone.
   */
  soleProcess?: boolean;
  /**
   * This process in the registry of cloud processes (cluster/process-registry.ts): what it puts on
   * air records `id` as owner, and the leader ends, every `sweepMs`, what processes silent for
   * `deadAfterMs` had on air, then purges their rows. Absent: no owner recorded, no sweep.
   */
  processes?: { id: string; registry: ProcessRegistry; sweepMs: number; deadAfterMs: number };
}

/**
 * On the leader, every `sweepMs`: the live sessions and relay runs of processes silent for
 * `deadAfterMs` end (one conditional statement each, so an overlapping sweep of a new leader ends
 * nothing twice), then the dead rows are purged. One sweep at a time. Returns the service's stop.
 */
function sweepDeadProcesses(
  p: NonNullable<RadioDeps['processes']>,
  leader: LeaderGate,
  live: LiveSessions,
  relays: RelayService,
  logger: Logger,
  now: () => number,
): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const sweep = async () => {
    const aliveSince = now() - p.deadAfterMs;
    await relays.closeDeadOwners(aliveSince);
    await live.endDeadOwners(aliveSince);
    const purged = await p.registry.purgeDead(aliveSince);
    if (purged.length) logger.warn({ processes: purged }, 'cloud processes that stopped beating are purged');
  };
  const stop = leader.whileLeader('dead cloud processes sweep', () => {
    const tick = () => {
      if (busy) return;
      busy = true;
      running = sweep()
        .catch((err: unknown) => logger.warn({ err }, 'sweeping dead cloud processes failed'))
        .finally(() => (busy = false));
    };
    tick();
    const timer = setInterval(tick, p.sweepMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
  });
  return async () => {
    await stop();
    await running;
  };
}

export type Radio = Awaited<ReturnType<typeof createRadio>>;

/** The radio domain: bulletins, schedules, per-edge plans, emergency alerts (by hand and from CAP feeds) and proof of play. */
export async function createRadio(deps: RadioDeps) {
  const { query, broker, fleet, bus, logger } = deps;
  const options = { ...DEFAULT_RADIO_OPTIONS, ...deps.options };
  const bulletinsDomain = createBulletins(query, deps.config, deps.media);
  // the alert path's chimes, ready before the first alert
  void bulletinsDomain.pipeline.warmUp().catch((err: unknown) => logger.warn({ err }, 'alert chimes not prepared yet'));
  const directory = new EdgeDirectory(query);
  const bulletins = new BulletinAudioLookup(query);
  const scheduleStore = new ScheduleStore(query);
  const alertStore = new AlertStore(query);
  const playback = new PlaybackStore(query);
  // the monthly report (Thông tư 39): proof of play here, loudspeaker uptime from the fleet's zone history
  const reports = new BroadcastReports({ playback, speakerHistory: fleet.speakers.history, hamlets: () => listHamlets(query) });
  const occurrences = new PlanOccurrences(query);
  const plans = new PlanPublisher({ query, documents: fleet.documents, directory, schedules: scheduleStore, alerts: alertStore, bulletins, occurrences, logger, now: options.now });
  const changed = () => plans.refresh();
  const stations = new StationStore(query);
  const schedules = new ScheduleService({ store: scheduleStore, bulletins, directory, stations, bus, now: options.now, changed });
  const lead = new AlertLead({ initialMs: options.alertLeadMs, minMs: Math.min(options.alertLeadMinMs, options.alertLeadMs), maxMs: Math.max(options.alertLeadMaxMs, options.alertLeadMs) });
  const trusted = new TrustedSenders(query, options.now);
  const places = new HamletPlaces(query);
  const area = new TargetArea(query);
  const users = new UserStore(query);
  const alerts = new AlertService({
    store: alertStore,
    held: new HeldAlertStore(query),
    trusted,
    directory,
    area,
    // one commune's place, or every commune's for the province (a place without a commune row: the single commune's as before)
    places: async (communeCode) => {
      const found = await places.communePlaces(communeCode);
      return found.length ? found : [await places.place()];
    },
    communeOfFeed: async (feedId) => (await query.db.selectFrom('cap_feeds').select('commune_code').where('id', '=', feedId).executeTakeFirst())?.commune_code ?? null,
    operator: (userId) => operatorOf(users, userId),
    audit: deps.audit,
    heldCount: (reason) => deps.metrics.alertsHeld.inc({ reason }),
    capMaxAgeMs: deps.config.SC_CAP_MAX_AGE_S * 1000,
    broker,
    bus,
    speech: deps.speech ?? bulletinsDomain.service,
    logger,
    now: options.now,
    lead,
    changed,
  });
  // CAP feeds the commune subscribes to: each new message goes through the alerts' own rules
  const feeds = createFeeds({ query, receiver: alerts, metrics: deps.metrics, logger: logger.child({ component: 'cap-feeds' }), config: deps.config });

  // live sessions (the operator's voice, relays): their own clock, stream and retained document
  const liveStore = new LiveStore(query);
  const liveDoc = new LiveDocPublisher({ store: liveStore, broker, logger, now: options.now });
  const live = new LiveSessions({
    store: liveStore,
    directory,
    area,
    radioSettingsOf: async (edgeId) => (await fleet.documents.get(edgeId, 'config'))?.body.radio ?? null,
    doc: liveDoc,
    bus,
    metrics: deps.metrics,
    logger: logger.child({ component: 'live' }),
    archive: async (session, ogg) => {
      const day = new Date(session.startedAt).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
      // the recording belongs where the session did (its commune, or the province's own)
      const communeCode = await liveSessionCommune(query, session.id);
      const bulletin = await bulletinsDomain.service.createUpload({ title: `Trực tiếp: ${session.title} (${day})`.slice(0, 200), originalName: `${session.id}.ogg`, bytes: ogg, createdBy: session.startedBy, communeCode });
      return bulletin.id;
    },
    processId: deps.processes?.id,
    options: { dataDir: deps.config.SC_DATA_DIR, playoutMs: deps.config.SC_LIVE_PLAYOUT_MS, jitterMs: deps.config.SC_LIVE_JITTER_MS, maxReaders: deps.config.SC_LIVE_MAX_READERS, now: options.now },
  });
  const soleProcess = deps.soleProcess ?? true;
  await live.recover({ endOrphans: soleProcess });
  // station relays (tiếp sóng): the cloud pulls each station into a relay live session, now or in scheduled windows
  const relays = await createRelays({ query, stations, live, playback, schedules, directory, audit: deps.audit, metrics: deps.metrics, logger: logger.child({ component: 'relays' }), config: deps.config, now: options.now, soleProcess, processId: deps.processes?.id });

  const intake = new PlaybackIntake({ playback, lead, plansSettled: () => plans.settled(), bus, metrics: deps.metrics, logger });
  const unsubscribe = bus.subscribe('edge.event.playback', (event) => intake.onEvent(event), 'radio');

  const check = async () => {
    try {
      await alerts.expire();
      await plans.refreshIfStale();
    } catch (err) {
      logger.error({ err }, 'radio periodic check failed');
    }
  };
  const leader = deps.leader ?? alwaysLeader;
  // the leader's plans are those of now; a standby's catch-up reads the plans the leader recorded
  if (leader.isLeader()) await check();
  const caughtUp = await intake.catchUp(); // after the plans of now are recorded
  let checking: Promise<void> = Promise.resolve();
  const stopChecks = leader.whileLeader('plan publishing and alert expiry', () => {
    // one check at a time; a process that just became leader looks at once (refreshIfStale is idempotent)
    const run = () => (checking = checking.then(check));
    void run();
    const timer = setInterval(() => void run(), options.checkEveryMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await checking;
    };
  });
  const stopFeeds = leader.whileLeader('CAP feed polling', () => {
    feeds.start();
    return () => feeds.stop();
  });
  // running relays go on where they run (until their window ends); only the windows' opening moves to the new leader
  const stopRelayWindows = leader.whileLeader('relay windows', () => {
    relays.start();
    return () => relays.scheduler.stop();
  });
  const stopDeadSweep = deps.processes ? sweepDeadProcesses(deps.processes, leader, live, relays.relays, logger, options.now) : () => undefined;
  logger.info({ caughtUp, voice: deps.config.SC_TTS_DEFAULT_VOICE, engine: bulletinsDomain.tts.id }, 'radio ready');

  let stopped = false;
  return {
    bulletins: bulletinsDomain,
    /** The public, read-only view of what was broadcast (the citizens' notices page and feed). */
    notices: new PublicNotices(query),
    schedules,
    alerts,
    plans,
    playback,
    reports,
    feeds,
    /** Live sessions: producers (the live page's ingest, relays) start them and write into their LiveInput. */
    live,
    /** Stations and their relays (tiếp sóng). */
    stations,
    relays,
    routes(guard: Guard): Mount[] {
      return [
        { prefix: API_PREFIX, app: createReportRoutes({ guard, reports }) },
        { prefix: API_PREFIX, app: bulletinsDomain.routes(guard) },
        { prefix: API_PREFIX, app: createSchedulesRoutes({ guard, schedules, communeFor: (person, asked) => communeForWrite(query, person, asked) }) },
        // before the alerts' own routes, whose /alerts/{id} would take "held" and "trusted-senders" for ids
        { prefix: API_PREFIX, app: createHeldAlertsRoutes({ guard, alerts, playback }) },
        { prefix: API_PREFIX, app: createTrustedSendersRoutes({ guard, trusted }) },
        { prefix: API_PREFIX, app: createAlertsRoutes({ guard, alerts, playback }) },
        { prefix: API_PREFIX, app: createPlaybackRoutes({ guard, playback }) },
        { prefix: API_PREFIX, app: feeds.routes(guard) },
        { prefix: API_PREFIX, app: createLiveRoutes({ guard, live, playback, audit: deps.audit }) },
        { prefix: API_PREFIX, app: relays.routes(guard) },
      ];
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChecks();
      await stopRelayWindows();
      await stopDeadSweep();
      await relays.stop(); // each relay records what it played and ends its session first
      await live.close(); // sessions on air end interrupted; their recordings are complete
      liveDoc.stop();
      await unsubscribe(); // the proof of play being stored finishes first
      await stopFeeds(); // a message being taken in finishes before the database closes
      await plans.settled(); // a run in progress finishes before the database closes
    },
  };
}

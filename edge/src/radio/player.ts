import {
  radioSettingsSchema,
  type AlertMessage,
  type LiveDoc,
  type PlanItem,
  type PlaybackEvent,
  type Priority,
  type RadioSettings,
  type ScheduleBody,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { alertOccurrencePrefix, alertOccurrences, alertTargetsEdge, type EdgeIdentity } from './alerts.js';
import type { AssetCache } from './asset-cache.js';
import type { DriverOptions } from './drivers/index.js';
import { ItemPreparer } from './item-preparer.js';
import { MemoryJournal, type PlaybackJournal } from './journal.js';
import { OnAir } from './on-air.js';
import { FRAME_MS, SAMPLE_RATE } from './pcm.js';
import { PlaybackReporter } from './playback-reporter.js';
import { PlayQueue } from './play-queue.js';
import type { Entry, QueueItem } from './player-entry.js';
import { DEFAULT_LATENESS, preempts, type LatenessLimits } from './queue.js';
import { SpeakerOutputs, type SpeakerState } from './speaker-outputs.js';
import { StartTimer, type StartInstant } from './start-timer.js';
import { ClockMap, hrNow, type PlayerClock } from './timing.js';
import type { DeviceCredentials } from '../link/device-http.js';
import { endWhy, liveItem, sessionsFor } from './live/live-items.js';
import { LiveStream } from './live/live-stream.js';

export type { QueueItem } from './player-entry.js';

export interface RadioPlayerOptions {
  clock: PlayerClock;
  cache: AssetCache;
  /** Proof of play: every state change of an occurrence (the daemon puts it in the Outbox). */
  onPlayback: (event: PlaybackEvent) => void;
  /** Remembers occurrences across restarts; default in memory only. Use FileJournal on a box. */
  journal?: PlaybackJournal;
  settings?: RadioSettings;
  logger?: Logger;
  /** Assets are decoded to PCM this long before their start. Default 10 s. */
  decodeAheadMs?: number;
  /** Live relays are started this long before their window. Default 3 s. */
  streamLeadMs?: number;
  /** A relay is ready once this much audio is buffered. Default 500 ms. */
  streamPrebufferMs?: number;
  /** Lateness limits by priority (see queue.ts). */
  lateness?: Partial<LatenessLimits>;
  /** The start timer fires this long before a start, then the last stretch is waited precisely. Default 80 ms. */
  armLeadMs?: number;
  /** A missing asset is asked for again after this long. Default 15 s. */
  retryMs?: number;
  ffmpegPath?: string;
  driverOptions?: DriverOptions;
  /** Where live sessions' streams are fetched from, with which credentials; without it live sessions fail. */
  live?: { cloudUrl: string; credentials: () => DeviceCredentials };
  /** A live stream with no byte from the cloud for this long is lost: the session stops here, interrupted. Default 4 s. */
  liveLossMs?: number;
}

export interface PlayerStatus {
  playing: { occurrenceId: string; title: string; priority: Priority; actualStartAt: number | null; zones: string[] } | null;
  queued: Array<{ occurrenceId: string; startAt: number; priority: Priority; status: 'pending' | 'suspended'; ready: boolean; problem: string | null }>;
  speakers: Array<SpeakerState & { playing: boolean }>;
}

/**
 * The edge player: one output timeline for all the edge's zones, fed 10 ms frames paced from each
 * item's absolute start on the monotonic clock. See queue.ts for the priority rules. The player
 * decides what plays when; on-air.ts starts, reports and cuts the item on the output.
 */
export class RadioPlayer {
  private readonly clock: PlayerClock;
  private readonly cache: AssetCache;
  private readonly clockMap: ClockMap;
  private readonly journal: PlaybackJournal;
  private readonly lateness: LatenessLimits;
  private readonly outputs: SpeakerOutputs;
  private readonly preparer: ItemPreparer;
  private readonly reporter: PlaybackReporter;
  private readonly startTimer: StartTimer;
  private settings: RadioSettings;
  private readonly queue: PlayQueue;
  private readonly onAir: OnAir;
  private loadedOnce = false;
  private stopped = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private readonly live: RadioPlayerOptions['live'];
  private readonly ffmpegPath: string | undefined;
  private readonly liveLossMs: number;
  private readonly logger: Logger | undefined;

  constructor(options: RadioPlayerOptions) {
    this.live = options.live;
    this.ffmpegPath = options.ffmpegPath;
    this.liveLossMs = options.liveLossMs ?? 4000;
    this.logger = options.logger;
    this.clock = options.clock;
    this.cache = options.cache;
    this.clockMap = new ClockMap(options.clock);
    this.journal = options.journal ?? new MemoryJournal();
    this.lateness = { ...DEFAULT_LATENESS, ...options.lateness };
    this.settings = radioSettingsSchema.parse(options.settings ?? {});
    this.outputs = new SpeakerOutputs(options.driverOptions, options.logger);
    this.reporter = new PlaybackReporter(this.journal, options.onPlayback, options.logger);
    this.preparer = new ItemPreparer({
      cache: options.cache,
      now: () => this.clock.cloudNow(),
      logger: options.logger,
      ffmpegPath: options.ffmpegPath,
      decodeAheadMs: options.decodeAheadMs ?? 10_000,
      streamLeadMs: options.streamLeadMs ?? 3000,
      streamPrebufferMs: options.streamPrebufferMs ?? 500,
      retryMs: options.retryMs ?? 15_000,
      isQueued: (e) => this.queue.has(e),
      queuedEntries: () => this.queue.all(),
      activeEntries: () => [...this.queue.all(), ...(this.onAir.session ? [this.onAir.session.entry] : [])],
      onSettled: () => this.reschedule(),
      stopped: () => this.stopped,
      openLive: (e) => this.openLive(e),
    });
    this.queue = new PlayQueue({
      journal: this.journal,
      reporter: this.reporter,
      preparer: this.preparer,
      lateness: this.lateness,
      interruptedPolicy: () => this.settings.interruptedPolicy,
      targetZones: (e) => this.targetZones(e),
      playingId: () => this.onAir.session?.entry.item.occurrenceId ?? null,
    });
    this.onAir = new OnAir({
      clock: this.clock,
      clockMap: this.clockMap,
      outputs: this.outputs,
      queue: this.queue,
      preparer: this.preparer,
      reporter: this.reporter,
      interruptedPolicy: () => this.settings.interruptedPolicy,
      onFree: (at) => this.reschedule(at),
    });
    this.startTimer = new StartTimer(
      this.clock,
      this.clockMap,
      options.armLeadMs ?? 80,
      (at) => this.reschedule(at),
      () => this.armTimers(this.clock.cloudNow()),
    );
  }

  // ---------------------------------------------------------------- configuration

  /** Applies `config.radio`: speakers (drivers opened/closed as they change), policy, cache cap. */
  async configure(settings: RadioSettings): Promise<void> {
    this.settings = radioSettingsSchema.parse(settings);
    this.cache.setMaxBytes(this.settings.cacheBytes);
    await this.outputs.configure(this.settings.speakers, this.onAir.session?.zones ?? []);
  }

  zones(): string[] {
    return this.outputs.zones();
  }

  status(): PlayerStatus {
    const s = this.onAir.session;
    return {
      playing: s ? { occurrenceId: s.entry.item.occurrenceId, title: s.entry.item.title, priority: s.entry.item.priority, actualStartAt: s.entry.actualStartAt, zones: s.zones } : null,
      queued: this.queue
        .all()
        .sort((a, b) => a.item.startAt - b.item.startAt)
        .map((e) => ({ occurrenceId: e.item.occurrenceId, startAt: e.item.startAt, priority: e.item.priority, status: e.status, ready: this.preparer.ready(e), problem: e.problem })),
      speakers: this.outputs.status().map((o) => ({ ...o, playing: s?.zones.includes(o.zone) ?? false })),
    };
  }

  /** Polls every speaker's health now (drivers also poll on their own) and returns the result. */
  async checkSpeakers(): Promise<PlayerStatus['speakers']> {
    await this.outputs.check();
    return this.status().speakers;
  }

  // ---------------------------------------------------------------- inputs

  /** Applies `desired/schedule`: replaces the plan. Ad-hoc items (alerts by broadcast, test tones) stay. */
  load(body: ScheduleBody): void {
    const first = !this.loadedOnce;
    this.loadedOnce = true;
    const now = this.clock.cloudNow();
    this.queue.dropStalePlanEntries(new Set(body.items.map((i) => i.occurrenceId)));
    for (const item of body.items) this.queue.admit(item, { fromPlan: true, now, missedReason: first ? 'its time passed while the player was not running' : 'it reached the edge after its start window' });
    this.inputsChanged();
  }

  /** Adds one item now (an alert occurrence, a manual play). Same occurrenceId as a queued or played one: ignored. */
  enqueue(item: PlanItem): void {
    this.queue.admit(item, { fromPlan: false, now: this.clock.cloudNow(), missedReason: 'it reached the edge after its start window' });
    this.inputsChanged();
  }

  /**
   * Handles `sc/v1/broadcast/alert`. Start: its repetitions are queued when this edge is a target
   * (each occurrence plays once even when the plan brings it too). Cancel (or a newer version that no
   * longer targets this edge): waiting repetitions are dropped and a playing one stops.
   */
  handleAlert(msg: AlertMessage, self: EdgeIdentity): void {
    const known = this.journal.alert(msg.alertId);
    if (known && msg.version < known.version) return;
    const prefix = alertOccurrencePrefix(msg.alertId);
    const now = this.clock.cloudNow();
    const targeted = msg.action === 'start' && alertTargetsEdge(msg.targets, self);
    if (!targeted) {
      const cancelled = msg.action === 'cancel' || known !== undefined;
      if (cancelled) {
        this.journal.setAlert(msg.alertId, { version: msg.version, cancelled: true, at: Date.now() });
        this.queue.dropPrefixed(prefix, null);
        const s = this.onAir.session;
        if (s && s.entry.item.occurrenceId.startsWith(prefix)) this.onAir.cut(s, msg.action === 'cancel' ? 'alert cancelled' : 'alert no longer targets this edge', false);
        this.reschedule();
      }
      return;
    }
    if (msg.action !== 'start') return;
    this.journal.setAlert(msg.alertId, { version: msg.version, cancelled: false, at: Date.now() });
    const items = alertOccurrences(msg, now, { lateness: this.lateness });
    this.queue.dropPrefixed(prefix, new Set(items.map((i) => i.occurrenceId)));
    for (const item of items) this.queue.admit(item, { fromPlan: false, now, missedReason: null });
    this.inputsChanged();
  }

  /**
   * Handles the retained `sc/v1/broadcast/live` document. A session on air that names this box is
   * queued with its priority (an emergency cuts in, the others wait by the usual rules) and plays
   * in step with every other box. One that ended: a playing session ended 'stopped' plays to the end
   * of its stream; interrupted or failed ones stop now; one that never started is missed.
   */
  handleLive(doc: LiveDoc, edgeId: string): void {
    if (this.stopped) return;
    const mine = sessionsFor(doc, edgeId);
    const now = this.clock.cloudNow();
    const s = this.onAir.session;
    const known = [...this.queue.all(), ...(s ? [s.entry] : [])].filter((e) => e.item.source.kind === 'live');
    for (const e of known) {
      const session = mine.get(e.item.occurrenceId);
      if (session && session.endedAt === null) continue;
      const why = endWhy(session);
      if (s && s.entry === e) {
        if (session?.endReason === 'stopped') e.liveEnding = true; // the rest of its stream still plays
        else this.onAir.cut(s, why, false);
      } else {
        this.queue.drop(e);
        if (e.status === 'suspended') this.reporter.finish(e, 'interrupted', { durationMs: Math.round(e.offsetFrames * FRAME_MS), reason: `${why} while it waited to resume`, zones: this.targetZones(e) });
        else this.reporter.finish(e, 'missed', { reason: `missed: ${why} before it could start here`, zones: this.targetZones(e) });
      }
    }
    if (!this.live) {
      if ([...mine.values()].some((x) => x.endedAt === null)) this.logger?.warn('live session for this box, but the player has no cloud to fetch it from');
      return this.reschedule();
    }
    for (const session of mine.values()) {
      if (session.endedAt !== null) continue;
      const item = liveItem(session, this.live.cloudUrl);
      // cut by an emergency, it resumes (interruptedPolicy) where the shared clock is by then, not where it stopped
      this.queue.admit(item, { fromPlan: false, now, missedReason: 'it reached the edge after its start window' });
    }
    this.inputsChanged();
  }

  /** A live entry's stream: fetched with the box's credentials, decoded, what is already past dropped as it comes. */
  private openLive(e: Entry): LiveStream | null {
    const source = e.item.source;
    if (source.kind !== 'live' || !this.live) return null;
    const { credentials } = this.live;
    // a quieter moment than the start to take a fresh clock correlation if the current one is old
    this.clockMap.renew();
    return new LiveStream({
      url: source.url,
      credentials,
      // keep half a second before what plays now (a start armed slightly early reads from there)
      floor: () => Math.floor(((this.clock.cloudNow() - source.epoch - 500) * SAMPLE_RATE) / 1000),
      lossMs: this.liveLossMs,
      onLost: (reason) => this.liveLost(e, reason),
      ffmpegPath: this.ffmpegPath,
      logger: this.logger,
    });
  }

  /** No byte of a live stream for a few seconds: stop it here, interrupted (a waiting one tries to connect again). */
  private liveLost(e: Entry, reason: string): void {
    if (this.stopped) return;
    const s = this.onAir.session;
    if (s && s.entry === e) {
      this.onAir.cut(s, `live stream lost: ${reason}`, false);
      this.reschedule();
    } else if (this.queue.has(e)) {
      e.liveStream = null;
      e.problem = `live stream lost: ${reason}`;
      e.retryAt = this.clock.cloudNow() + 2000;
      this.reschedule();
    }
  }

  /**
   * Plays given PCM as an ad-hoc item (test tone). Resolves with its `started` event; rejects when it
   * is missed (it could not start within `latenessMs`) or fails.
   */
  playPcm(item: Omit<QueueItem, 'source'>, pcm: Buffer, latenessMs: number): Promise<PlaybackEvent> {
    return new Promise((resolve, reject) => {
      const entry = this.queue.newEntry({ ...item, source: { kind: 'pcm' } }, false);
      entry.pcm = pcm;
      entry.resumable = false;
      entry.latenessMs = latenessMs;
      entry.listeners.push((event) => {
        if (event.state === 'started') resolve(event);
        else if (event.state === 'missed' || event.state === 'failed') reject(new Error(event.reason ?? event.state));
      });
      this.queue.put(entry);
      this.reschedule();
    });
  }

  /** Stops playing (the item is reported interrupted and, by policy, resumes after a restart) and closes the drivers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const s = this.onAir.session;
    if (s) this.onAir.cut(s, 'edge stopping', this.settings.interruptedPolicy === 'resume' && s.entry.resumable);
    this.stopped = true;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.startTimer.stop();
    for (const e of this.queue.all()) {
      this.preparer.release(e);
      // a waiting test tone's command gets its answer (not a playback event: nothing was decided)
      const event = { occurrenceId: e.item.occurrenceId, scheduleId: e.item.scheduleId, bulletinId: e.item.bulletinId, state: 'failed' as const, plannedStartAt: e.item.startAt, actualStartAt: null, durationMs: null, reason: 'the player stopped', zones: null };
      for (const l of e.listeners) l(event);
    }
    this.queue.clear();
    await this.outputs.close();
  }

  // ---------------------------------------------------------------- queue

  private inputsChanged(): void {
    this.preparer.pinAndPrefetch(this.queue.all());
    this.reschedule();
  }

  private targetZones(e: Entry): string[] {
    return this.outputs.targetZones(e.item.zones);
  }

  // ---------------------------------------------------------------- scheduling

  /** Decides what plays now and arms the timers for what comes next. `at`: a precise start instant. */
  private reschedule(at?: StartInstant): void {
    if (this.stopped) return;
    const now = Math.max(this.clock.cloudNow(), at?.cloud ?? 0);

    this.queue.expireMissed(now, this.onAir.session?.entry ?? null);
    const toPrepare = this.queue
      .all()
      .filter((e) => !this.preparer.ready(e) && !e.preparing && now >= this.preparer.prepareAt(e) && now >= e.retryAt)
      .sort((a, b) => a.item.startAt - b.item.startAt);
    for (const e of toPrepare) if (this.preparer.canStart(e)) void this.preparer.prepare(e);

    // bounded: each turn removes one entry from the queue (started, failed) or stops
    for (let turns = this.queue.size + 1; turns > 0; turns--) {
      const best = this.queue.best(now);
      const s = this.onAir.session;
      if (!best || (s && !preempts(best.item, s.entry.item))) break;
      if (s) this.onAir.cut(s, `interrupted by ${best.item.issuer === 'province' ? 'province ' : ''}${best.item.priority} "${best.item.title}" (${best.item.occurrenceId})`, this.settings.interruptedPolicy === 'resume' && s.entry.resumable);
      if (this.onAir.start(best, at?.hr ?? hrNow())) break;
    }
    this.armTimers(now);
  }

  private armTimers(now: number): void {
    let wake = now + 1000;
    let nextStart = Infinity;
    for (const e of this.queue.all()) {
      if (!this.preparer.ready(e) && !e.preparing) wake = Math.min(wake, Math.max(this.preparer.prepareAt(e), e.retryAt));
      wake = Math.min(wake, this.queue.deadline(e) + 1);
      if (e.item.startAt > now) nextStart = Math.min(nextStart, e.item.startAt);
    }
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.reschedule(), Math.max(1, Math.min(wake - now, 60_000)));
    this.wakeTimer.unref();
    this.startTimer.arm(nextStart);
  }
}

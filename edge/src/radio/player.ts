import {
  radioSettingsSchema,
  type AlertMessage,
  type PlanItem,
  type PlaybackEvent,
  type PlaySource,
  type Priority,
  type RadioSettings,
  type ScheduleBody,
  type Speaker,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { alertOccurrencePrefix, alertOccurrences, alertTargetsEdge, type EdgeIdentity } from './alerts.js';
import type { AssetCache } from './asset-cache.js';
import { decodeFile, LiveDecoder } from './decode.js';
import { createDriver, type DriverOptions, type SpeakerDriver, type SpeakerHealth } from './drivers/index.js';
import { MemoryJournal, type OccurrenceRecord, type PlaybackJournal } from './journal.js';
import { applyGain, FRAME_BYTES, FRAME_MS, framesIn, SAMPLE_RATE } from './pcm.js';
import { compareRanked, DEFAULT_LATENESS, latenessLimitMs, preempts, type LatenessLimits } from './queue.js';
import { cloudToHr, hrNow, waitUntilHr, type PlayerClock } from './timing.js';

/** A queued item: a plan item, or an ad-hoc one whose PCM is given (test tone). */
export type QueueItem = Omit<PlanItem, 'source'> & { source: PlaySource | { kind: 'pcm' } };

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
}

interface Entry {
  item: QueueItem;
  seq: number;
  fromPlan: boolean;
  /** Waiting for its first start, or interrupted and waiting to resume. */
  status: 'pending' | 'suspended';
  pcm: Buffer | null;
  live: LiveDecoder | null;
  preparing: boolean;
  /** A transient problem (asset not downloaded yet, relay not answering): retried at retryAt. */
  problem: string | null;
  retryAt: number;
  offsetFrames: number;
  actualStartAt: number | null;
  interruptedAt: number | null;
  /** Ad-hoc items never resume after an interruption (a test tone is not worth resuming). */
  resumable: boolean;
  latenessMs: number | null;
  listeners: Array<(event: PlaybackEvent) => void>;
}

interface Output {
  key: string;
  speaker: Speaker;
  driver: SpeakerDriver;
}

interface Session {
  entry: Entry;
  resumed: boolean;
  startHr: number;
  framesSent: number;
  maxFrames: number;
  zones: string[];
  healthyZones: string[];
  exhausted: boolean;
  endReason: string | null;
  slippedMs: number;
}

export interface PlayerStatus {
  playing: { occurrenceId: string; title: string; priority: Priority; actualStartAt: number | null; zones: string[] } | null;
  queued: Array<{ occurrenceId: string; startAt: number; priority: Priority; status: 'pending' | 'suspended'; ready: boolean; problem: string | null }>;
  speakers: Array<{ zone: string; driver: Speaker['driver']; target: string; health: SpeakerHealth }>;
}

/** Frames late by more than this after a stall are not sent in one burst: the item's timeline slips instead (no audio is lost). */
const MAX_BURST_MS = 200;
/** Asset decodes running at once (ffmpeg processes), soonest item first. */
const MAX_DECODES = 2;

const outputKey = (s: Speaker) => `${s.zone}|${s.driver}|${s.target}|${s.statusUrl ?? ''}`;

/**
 * The edge player: one output timeline for all the edge's zones, fed 10 ms frames paced from each
 * item's absolute start on the monotonic clock. See queue.ts for the priority rules.
 */
export class RadioPlayer {
  private readonly clock: PlayerClock;
  private readonly cache: AssetCache;
  private readonly journal: PlaybackJournal;
  private readonly logger: Logger | undefined;
  private readonly lateness: LatenessLimits;
  private readonly decodeAheadMs: number;
  private readonly streamLeadMs: number;
  private readonly streamPrebufferMs: number;
  private readonly armLeadMs: number;
  private readonly retryMs: number;
  private settings: RadioSettings;
  private outputs: Output[] = [];
  private readonly queue = new Map<string, Entry>();
  private session: Session | null = null;
  private seq = 0;
  private loadedOnce = false;
  private stopped = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private pumpTimer: NodeJS.Timeout | null = null;
  private armTimer: NodeJS.Timeout | null = null;
  private armedFor: number | null = null;
  private armGeneration = 0;
  private readonly decoded = new Map<string, Promise<Buffer>>();
  private decodesRunning = 0;
  private prefetching: Promise<void> | null = null;
  private prefetchAgain = false;

  constructor(private readonly options: RadioPlayerOptions) {
    this.clock = options.clock;
    this.cache = options.cache;
    this.journal = options.journal ?? new MemoryJournal();
    this.logger = options.logger;
    this.lateness = { ...DEFAULT_LATENESS, ...options.lateness };
    this.decodeAheadMs = options.decodeAheadMs ?? 10_000;
    this.streamLeadMs = options.streamLeadMs ?? 3000;
    this.streamPrebufferMs = options.streamPrebufferMs ?? 500;
    this.armLeadMs = options.armLeadMs ?? 80;
    this.retryMs = options.retryMs ?? 15_000;
    this.settings = radioSettingsSchema.parse(options.settings ?? {});
  }

  // ---------------------------------------------------------------- configuration

  /** Applies `config.radio`: speakers (drivers opened/closed as they change), policy, cache cap. */
  async configure(settings: RadioSettings): Promise<void> {
    this.settings = radioSettingsSchema.parse(settings);
    this.cache.setMaxBytes(this.settings.cacheBytes);
    const wanted = new Map(this.settings.speakers.map((s) => [outputKey(s), s]));
    const keep: Output[] = [];
    for (const o of this.outputs) {
      const s = wanted.get(o.key);
      if (s) {
        keep.push({ ...o, speaker: s });
        wanted.delete(o.key);
      } else {
        if (this.session?.zones.includes(o.speaker.zone)) o.driver.endItem();
        await o.driver.close().catch(() => {});
      }
    }
    for (const [key, speaker] of wanted) {
      const driver = createDriver(speaker, {
        onProblem: (s, message) => this.logger?.warn({ zone: s.zone, target: s.target }, message),
        ...this.options.driverOptions,
      });
      await driver.open();
      keep.push({ key, speaker, driver });
    }
    this.outputs = keep;
  }

  zones(): string[] {
    return [...new Set(this.outputs.map((o) => o.speaker.zone))];
  }

  status(): PlayerStatus {
    const s = this.session;
    return {
      playing: s ? { occurrenceId: s.entry.item.occurrenceId, title: s.entry.item.title, priority: s.entry.item.priority, actualStartAt: s.entry.actualStartAt, zones: s.zones } : null,
      queued: [...this.queue.values()]
        .sort((a, b) => a.item.startAt - b.item.startAt)
        .map((e) => ({ occurrenceId: e.item.occurrenceId, startAt: e.item.startAt, priority: e.item.priority, status: e.status, ready: this.ready(e), problem: e.problem })),
      speakers: this.outputs.map((o) => ({ zone: o.speaker.zone, driver: o.speaker.driver, target: o.speaker.target, health: o.driver.health() })),
    };
  }

  /** Polls every speaker's health now (drivers also poll on their own) and returns the result. */
  async checkSpeakers(): Promise<PlayerStatus['speakers']> {
    await Promise.all(this.outputs.map((o) => o.driver.checkHealth().catch(() => undefined)));
    return this.status().speakers;
  }

  // ---------------------------------------------------------------- inputs

  /** Applies `desired/schedule`: replaces the plan. Ad-hoc items (alerts by broadcast, test tones) stay. */
  load(body: ScheduleBody): void {
    const first = !this.loadedOnce;
    this.loadedOnce = true;
    const now = this.clock.cloudNow();
    const ids = new Set(body.items.map((i) => i.occurrenceId));
    for (const [id, e] of this.queue) {
      if (e.fromPlan && !ids.has(id) && e.status === 'pending' && !e.listeners.length && !this.isAdhocAlert(e)) this.dropEntry(e);
    }
    for (const item of body.items) this.admit(item, { fromPlan: true, now, missedReason: first ? 'its time passed while the player was not running' : 'it reached the edge after its start window' });
    this.pinAndPrefetch();
    this.reschedule();
  }

  /** Adds one item now (an alert occurrence, a manual play). Same occurrenceId as a queued or played one: ignored. */
  enqueue(item: PlanItem): void {
    this.admit(item, { fromPlan: false, now: this.clock.cloudNow(), missedReason: 'it reached the edge after its start window' });
    this.pinAndPrefetch();
    this.reschedule();
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
        for (const e of [...this.queue.values()]) if (e.item.occurrenceId.startsWith(prefix)) this.dropEntry(e);
        const s = this.session;
        if (s && s.entry.item.occurrenceId.startsWith(prefix)) this.cut(s, msg.action === 'cancel' ? 'alert cancelled' : 'alert no longer targets this edge', false);
        this.reschedule();
      }
      return;
    }
    if (msg.action !== 'start') return;
    this.journal.setAlert(msg.alertId, { version: msg.version, cancelled: false, at: Date.now() });
    const items = alertOccurrences(msg, now, { lateness: this.lateness });
    const ids = new Set(items.map((i) => i.occurrenceId));
    for (const e of [...this.queue.values()]) {
      if (e.item.occurrenceId.startsWith(prefix) && !ids.has(e.item.occurrenceId) && e.status === 'pending') this.dropEntry(e);
    }
    for (const item of items) this.admit(item, { fromPlan: false, now, missedReason: null });
    this.pinAndPrefetch();
    this.reschedule();
  }

  /**
   * Plays given PCM as an ad-hoc item (test tone). Resolves with its `started` event; rejects when it
   * is missed (it could not start within `latenessMs`) or fails.
   */
  playPcm(item: Omit<QueueItem, 'source'>, pcm: Buffer, latenessMs: number): Promise<PlaybackEvent> {
    return new Promise((resolve, reject) => {
      const entry = this.newEntry({ ...item, source: { kind: 'pcm' } }, false);
      entry.pcm = pcm;
      entry.resumable = false;
      entry.latenessMs = latenessMs;
      entry.listeners.push((event) => {
        if (event.state === 'started') resolve(event);
        else if (event.state === 'missed' || event.state === 'failed') reject(new Error(event.reason ?? event.state));
      });
      this.queue.set(item.occurrenceId, entry);
      this.reschedule();
    });
  }

  /** Stops playing (the item is reported interrupted and, by policy, resumes after a restart) and closes the drivers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const s = this.session;
    if (s) this.cut(s, 'edge stopping', this.settings.interruptedPolicy === 'resume' && s.entry.resumable);
    this.stopped = true;
    for (const t of [this.wakeTimer, this.pumpTimer, this.armTimer]) if (t) clearTimeout(t);
    this.armGeneration++;
    for (const e of this.queue.values()) {
      this.release(e);
      // a waiting test tone's command gets its answer (not a playback event: nothing was decided)
      const event = { occurrenceId: e.item.occurrenceId, scheduleId: e.item.scheduleId, bulletinId: e.item.bulletinId, state: 'failed' as const, plannedStartAt: e.item.startAt, actualStartAt: null, durationMs: null, reason: 'the player stopped', zones: null };
      for (const l of e.listeners) l(event);
    }
    this.queue.clear();
    await Promise.all(this.outputs.map((o) => o.driver.close().catch(() => {})));
    this.outputs = [];
  }

  // ---------------------------------------------------------------- queue

  private newEntry(item: QueueItem, fromPlan: boolean): Entry {
    return {
      item,
      seq: this.seq++,
      fromPlan,
      status: 'pending',
      pcm: null,
      live: null,
      preparing: false,
      problem: null,
      retryAt: 0,
      offsetFrames: 0,
      actualStartAt: null,
      interruptedAt: null,
      resumable: true,
      latenessMs: null,
      listeners: [],
    };
  }

  private isAdhocAlert(e: Entry): boolean {
    const id = e.item.occurrenceId;
    if (!id.startsWith('alert:')) return false;
    const alertId = id.slice(6, id.lastIndexOf(':'));
    return this.journal.alert(alertId)?.cancelled === false;
  }

  private cancelledAlert(occurrenceId: string): boolean {
    if (!occurrenceId.startsWith('alert:')) return false;
    return this.journal.alert(occurrenceId.slice(6, occurrenceId.lastIndexOf(':')))?.cancelled === true;
  }

  private admit(item: PlanItem, how: { fromPlan: boolean; now: number; missedReason: string | null }): void {
    const id = item.occurrenceId;
    if (this.session?.entry.item.occurrenceId === id) return;
    if (this.cancelledAlert(id)) return;
    const existing = this.queue.get(id);
    const rec = existing ? undefined : this.journal.occurrence(id);
    if (rec?.state === 'playing') {
      // it was playing when the edge died: where it stopped is unknown
      const entry = this.newEntry(item, how.fromPlan);
      entry.actualStartAt = rec.actualStartAt;
      this.finish(entry, 'interrupted', { reason: 'the edge stopped during playback; not resumed', zones: this.targetZones(entry) });
      return;
    }
    if (rec?.state === 'suspended') {
      // interrupted before a restart: resumes from where it stopped (or is missed past its limit)
      const entry = this.newEntry(item, how.fromPlan);
      Object.assign(entry, { status: 'suspended', offsetFrames: rec.offsetFrames, interruptedAt: rec.interruptedAt ?? how.now, actualStartAt: rec.actualStartAt });
      if (this.settings.interruptedPolicy === 'drop') this.finish(entry, 'interrupted', { reason: 'dropped after a restart (interruptedPolicy: drop)', zones: this.targetZones(entry) });
      else if (how.now > this.deadline(entry)) this.finish(entry, 'missed', { reason: 'missed: the resume window passed while the player was not running', zones: this.targetZones(entry) });
      else this.queue.set(id, entry);
      return;
    }
    if (rec) return;
    if (existing) {
      existing.fromPlan ||= how.fromPlan;
      if (existing.status === 'pending' && how.fromPlan) {
        // the plan is the reference (it carries the bulletin id); the source is kept unless it changed
        if (sourceKey(existing.item.source) !== sourceKey(item.source)) this.release(existing);
        existing.item = item;
      }
      return;
    }
    const entry = this.newEntry(item, how.fromPlan);
    if (how.now > this.deadline(entry)) {
      if (how.missedReason) this.finish(entry, 'missed', { reason: `missed: ${how.missedReason}`, zones: this.targetZones(entry) });
      return;
    }
    this.queue.set(id, entry);
  }

  private dropEntry(e: Entry): void {
    this.release(e);
    this.queue.delete(e.item.occurrenceId);
  }

  private release(e: Entry): void {
    if (e.item.source.kind !== 'pcm') e.pcm = null;
    e.live?.close();
    e.live = null;
    // decoded PCM is shared by sha256 while an item still needs it
    const needed = new Set<string>();
    for (const x of [...this.queue.values(), ...(this.session ? [this.session.entry] : [])]) {
      if (x !== e && x.item.source.kind === 'asset' && (x.pcm || x.preparing)) needed.add(x.item.source.asset.sha256);
    }
    for (const sha of this.decoded.keys()) if (!needed.has(sha)) this.decoded.delete(sha);
  }

  private decodeAsset(asset: { sha256: string; bytes: number }): Promise<Buffer> {
    let pcm = this.decoded.get(asset.sha256);
    if (!pcm) {
      this.decodesRunning++;
      pcm = (async () => {
        let path = this.cache.path(asset.sha256);
        if (path && !(await this.cache.verify(asset.sha256))) path = null;
        path ??= await this.cache.fetch(asset);
        return decodeFile(path, this.options.ffmpegPath);
      })().finally(() => this.decodesRunning--);
      this.decoded.set(asset.sha256, pcm);
      pcm.catch(() => this.decoded.delete(asset.sha256));
    }
    return pcm;
  }

  private deadline(e: Entry): number {
    const limit = e.latenessMs ?? latenessLimitMs(e.item.priority, e.item.durationMs, this.lateness);
    const from = e.status === 'suspended' && e.interruptedAt !== null ? e.interruptedAt : e.item.startAt;
    const d = from + limit;
    return e.item.source.kind === 'stream' ? Math.min(d, e.item.startAt + e.item.durationMs) : d;
  }

  private prepareAt(e: Entry): number {
    return e.item.startAt - (e.item.source.kind === 'stream' ? this.streamLeadMs : this.decodeAheadMs);
  }

  private ready(e: Entry): boolean {
    if (e.item.source.kind === 'stream') return e.live !== null && !e.preparing && e.live.bufferedBytes > 0;
    return e.pcm !== null;
  }

  private targetZones(e: Entry): string[] {
    const all = this.zones();
    return e.item.zones === null ? all : e.item.zones.filter((z) => all.includes(z));
  }

  private pinAndPrefetch(): void {
    const assets = [...this.queue.values()]
      .sort((a, b) => a.item.startAt - b.item.startAt)
      .flatMap((e) => (e.item.source.kind === 'asset' ? [e.item.source.asset] : []));
    this.cache.pin(assets.map((a) => a.sha256));
    if (this.prefetching) {
      this.prefetchAgain = true;
      return;
    }
    this.prefetching = this.cache
      .prefetch(assets)
      .then((r) => {
        if (r.failed.length) this.logger?.warn({ failed: r.failed }, 'assets not downloaded yet');
      })
      .finally(() => {
        this.prefetching = null;
        if (this.prefetchAgain && !this.stopped) {
          this.prefetchAgain = false;
          this.pinAndPrefetch();
        }
      });
  }

  private async prepare(e: Entry): Promise<void> {
    e.preparing = true;
    e.problem = null;
    const source = e.item.source;
    try {
      if (source.kind === 'asset') {
        const pcm = await this.decodeAsset(source.asset);
        if (this.queue.get(e.item.occurrenceId) === e) e.pcm = pcm;
      } else if (source.kind === 'stream') {
        const live = new LiveDecoder(source.url, { ffmpegPath: this.options.ffmpegPath });
        e.live = live;
        const bytes = Math.ceil((this.streamPrebufferMs / 1000) * SAMPLE_RATE) * 2;
        const ok = await live.waitFor(bytes, Math.max(this.streamLeadMs, 5000));
        if (!ok) {
          const why = live.error ?? 'no audio';
          live.close();
          if (e.live === live) e.live = null;
          throw new Error(`relay ${source.url}: ${why}`);
        }
        if (this.queue.get(e.item.occurrenceId) !== e) live.close();
      }
    } catch (err) {
      e.problem = (err as Error).message;
      e.retryAt = this.clock.cloudNow() + (source.kind === 'stream' ? 2000 : this.retryMs);
      this.logger?.warn({ occurrenceId: e.item.occurrenceId, err: e.problem }, 'item not ready');
    } finally {
      e.preparing = false;
    }
    this.reschedule();
  }

  // ---------------------------------------------------------------- scheduling

  /** Decides what plays now and arms the timers for what comes next. `at`: a precise start instant. */
  private reschedule(at?: { cloud: number; hr: number }): void {
    if (this.stopped) return;
    const now = Math.max(this.clock.cloudNow(), at?.cloud ?? 0);

    for (const e of [...this.queue.values()]) {
      if (now > this.deadline(e)) {
        this.queue.delete(e.item.occurrenceId);
        this.release(e);
        const why = e.problem
          ? `not ready: ${e.problem}`
          : this.session
            ? `the timeline was busy (${this.session.entry.item.priority} "${this.session.entry.item.title}")`
            : 'it could not start in time';
        const limit = this.deadline(e) - (e.status === 'suspended' && e.interruptedAt !== null ? e.interruptedAt : e.item.startAt);
        this.finish(e, 'missed', { reason: `missed: not started within ${Math.round(limit / 1000)} s (${why})`, zones: this.targetZones(e) });
      }
    }
    const toPrepare = [...this.queue.values()]
      .filter((e) => !this.ready(e) && !e.preparing && now >= this.prepareAt(e) && now >= e.retryAt)
      .sort((a, b) => a.item.startAt - b.item.startAt);
    for (const e of toPrepare) {
      const decoding = e.item.source.kind === 'asset';
      if (decoding && this.decodesRunning >= MAX_DECODES && !this.decoded.has((e.item.source as { asset: { sha256: string } }).asset.sha256)) continue;
      void this.prepare(e);
    }

    // bounded: each turn removes one entry from the queue (started, failed) or stops
    for (let turns = this.queue.size + 1; turns > 0; turns--) {
      let best: Entry | null = null;
      for (const e of this.queue.values()) {
        if (e.item.startAt <= now && this.ready(e) && (!best || compareRanked(rankOf(e), rankOf(best)) < 0)) best = e;
      }
      const s = this.session;
      if (!best || (s && !preempts(best.item.priority, s.entry.item.priority))) break;
      if (s) this.cut(s, `interrupted by ${best.item.priority} "${best.item.title}" (${best.item.occurrenceId})`, this.settings.interruptedPolicy === 'resume' && s.entry.resumable);
      if (this.startSession(best, at?.hr ?? hrNow())) break;
    }
    this.armTimers(now);
  }

  private armTimers(now: number): void {
    let wake = now + 1000;
    let nextStart = Infinity;
    for (const e of this.queue.values()) {
      if (!this.ready(e) && !e.preparing) wake = Math.min(wake, Math.max(this.prepareAt(e), e.retryAt));
      wake = Math.min(wake, this.deadline(e) + 1);
      if (e.item.startAt > now) nextStart = Math.min(nextStart, e.item.startAt);
    }
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.reschedule(), Math.max(1, Math.min(wake - now, 60_000)));
    this.wakeTimer.unref();

    if (nextStart !== this.armedFor) {
      if (this.armTimer) clearTimeout(this.armTimer);
      this.armTimer = null;
      this.armedFor = null;
      const generation = ++this.armGeneration;
      if (nextStart !== Infinity) {
        this.armedFor = nextStart;
        const delay = Math.max(0, this.clock.toLocal(nextStart) - this.clock.localNow() - this.armLeadMs);
        this.armTimer = setTimeout(() => void this.startPrecisely(nextStart, generation), Math.min(delay, 2 ** 31 - 1));
        this.armTimer.unref();
      }
    }
  }

  /** Waits for a start instant on the monotonic clock, then decides at that very instant. */
  private async startPrecisely(cloudTime: number, generation: number): Promise<void> {
    const cancelled = () => generation !== this.armGeneration || this.stopped;
    const target = cloudToHr(this.clock, cloudTime);
    if (target - hrNow() > this.armLeadMs * 2) {
      // woke early (the local clock moved): arm again
      this.armedFor = null;
      if (!cancelled()) this.armTimers(this.clock.cloudNow());
      return;
    }
    if (!(await waitUntilHr(target, cancelled))) return;
    // never before the start as the box's clock tells it (what actualStartAt reports): at most 2 ms more
    const local = this.clock.toLocal(cloudTime);
    while (this.clock.localNow() < local && hrNow() < target + 2) {
      /* sub-millisecond rounding between the two clocks */
    }
    this.armedFor = null;
    this.reschedule({ cloud: cloudTime, hr: target });
  }

  // ---------------------------------------------------------------- playing

  /** Starts (or resumes) an entry with its first frame at startHr; false when it could not start. */
  private startSession(e: Entry, startHr: number): boolean {
    this.queue.delete(e.item.occurrenceId);
    const zones = this.targetZones(e);
    if (zones.length === 0) {
      this.release(e);
      this.finish(e, 'failed', { reason: `no speaker on ${e.item.zones === null ? 'this edge' : `zones ${e.item.zones.join(', ')}`}`, zones: e.item.zones });
      return false;
    }
    const unhealthy = zones.filter((z) => {
      const outs = this.outputs.filter((o) => o.speaker.zone === z);
      return outs.length > 0 && outs.every((o) => ['offline', 'muted'].includes(o.driver.health().state));
    });
    const healthyZones = zones.filter((z) => !unhealthy.includes(z));
    const describe = (z: string) => `${z} (${this.outputs.find((o) => o.speaker.zone === z)?.driver.health().reason ?? 'unhealthy'})`;
    if (healthyZones.length === 0) {
      this.release(e);
      this.finish(e, 'failed', { reason: `speakers unavailable: ${unhealthy.map(describe).join('; ')}`, zones });
      return false;
    }
    const resumed = e.status === 'suspended';
    const totalFrames = e.pcm ? framesIn(e.pcm.length) : Infinity;
    let maxFrames = totalFrames - e.offsetFrames;
    if (e.item.source.kind === 'stream') maxFrames = Math.max(1, Math.ceil((e.item.startAt + e.item.durationMs - this.clock.cloudNow()) / FRAME_MS));
    if (maxFrames <= 0) {
      this.finish(e, 'completed', { zones: healthyZones, durationMs: Math.round(e.offsetFrames * FRAME_MS) });
      return false;
    }
    for (const o of this.outputs) if (zones.includes(o.speaker.zone)) o.driver.beginItem();
    this.session = {
      entry: e,
      resumed,
      // a start that comes late (stall, busy timeline) begins now: a burst would not make it heard earlier
      startHr: Math.max(startHr, hrNow() - FRAME_MS),
      framesSent: 0,
      maxFrames,
      zones,
      healthyZones,
      exhausted: false,
      endReason: unhealthy.length ? `not heard on ${unhealthy.map(describe).join('; ')}` : null,
      slippedMs: 0,
    };
    this.pump();
    return true;
  }

  private nextFrame(s: Session): Buffer | null {
    const e = s.entry;
    if (e.pcm) {
      const from = (e.offsetFrames + s.framesSent) * FRAME_BYTES;
      return from < e.pcm.length ? e.pcm.subarray(from, Math.min(from + FRAME_BYTES, e.pcm.length)) : null;
    }
    return e.live?.read() ?? null;
  }

  /** Sends every frame that is due, then sleeps until the next one: frame n leaves at start + n × 10 ms. */
  private readonly pump = (): void => {
    this.pumpTimer = null;
    const s = this.session;
    if (!s || this.stopped) return;
    for (;;) {
      const now = hrNow();
      const due = s.startHr + s.framesSent * FRAME_MS;
      if (s.exhausted || s.framesSent >= s.maxFrames) {
        if (due <= now + 0.5) return this.complete(s, due);
        this.pumpTimer = setTimeout(this.pump, Math.max(0, Math.floor(due - now) - 1));
        return;
      }
      if (due > now + 1) {
        this.pumpTimer = setTimeout(this.pump, Math.max(0, Math.floor(due - now) - 1));
        return;
      }
      if (now - due > MAX_BURST_MS) {
        const slip = now - due - FRAME_MS;
        s.startHr += slip;
        s.slippedMs += slip;
        continue;
      }
      const frame = this.nextFrame(s);
      if (!frame) {
        s.exhausted = true;
        continue;
      }
      const volume = s.entry.item.volume;
      for (const o of this.outputs) {
        if (s.zones.includes(o.speaker.zone)) o.driver.write(applyGain(frame, o.speaker.volume, volume));
      }
      s.framesSent++;
      if (s.framesSent === 1) this.onFirstFrame(s);
    }
  };

  private onFirstFrame(s: Session): void {
    const e = s.entry;
    const at = Math.round(this.clock.cloudNow());
    const late = at - e.item.startAt;
    if (s.resumed) {
      e.status = 'pending';
      this.journal.setOccurrence(e.item.occurrenceId, this.record(e, 'playing'));
      this.emitFor(e, 'resumed', { actualStartAt: at, reason: `resumed at ${Math.round(e.offsetFrames * FRAME_MS)} ms${s.endReason ? `; ${s.endReason}` : ''}`, zones: s.healthyZones });
      return;
    }
    e.actualStartAt = at;
    this.journal.setOccurrence(e.item.occurrenceId, this.record(e, 'playing'));
    const reasons = [late > 1000 ? `started ${Math.round(late / 1000)} s late` : null, s.endReason].filter(Boolean);
    this.emitFor(e, 'started', { actualStartAt: at, reason: reasons.length ? reasons.join('; ') : null, zones: s.healthyZones });
  }

  private endOutputs(s: Session): void {
    for (const o of this.outputs) if (s.zones.includes(o.speaker.zone)) o.driver.endItem();
  }

  /** The item ran out (its last frame ended at endHr); the next due item starts at that very instant. */
  private complete(s: Session, endHr: number): void {
    this.session = null;
    this.endOutputs(s);
    const e = s.entry;
    e.offsetFrames += s.framesSent;
    this.release(e);
    const reasons = [s.endReason];
    if (e.item.source.kind === 'stream' && s.framesSent < s.maxFrames) reasons.push('the relay ended early');
    if (s.slippedMs >= 1) reasons.push(`delayed ${Math.round(s.slippedMs)} ms by stalls of the edge`);
    const reason = reasons.filter(Boolean).join('; ') || null;
    this.finish(e, 'completed', { durationMs: Math.round(e.offsetFrames * FRAME_MS), reason, zones: s.healthyZones });
    this.reschedule({ cloud: this.clock.cloudNow(), hr: Math.max(endHr, hrNow() - FRAME_MS) });
  }

  /** Stops the playing item now: suspended (to resume) or finished. */
  private cut(s: Session, why: string, resume: boolean): void {
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
    this.session = null;
    this.endOutputs(s);
    const e = s.entry;
    e.offsetFrames += s.framesSent;
    const now = Math.round(this.clock.cloudNow());
    const played = Math.round(e.offsetFrames * FRAME_MS);
    if (e.item.source.kind === 'stream') {
      e.live?.close();
      e.live = null;
    }
    const moreToPlay = e.item.source.kind === 'stream' ? now < e.item.startAt + e.item.durationMs : !e.pcm || e.offsetFrames < framesIn(e.pcm.length);
    if (resume && moreToPlay) {
      e.status = 'suspended';
      e.interruptedAt = now;
      this.queue.set(e.item.occurrenceId, e);
      this.journal.setOccurrence(e.item.occurrenceId, this.record(e, 'suspended'));
      this.emitFor(e, 'interrupted', { actualStartAt: e.actualStartAt, durationMs: played, reason: `${why}; will resume`, zones: s.healthyZones });
    } else {
      this.release(e);
      const policy = resume ? '' : this.settings.interruptedPolicy === 'drop' ? '; dropped (interruptedPolicy: drop)' : '; not resumed';
      this.finish(e, 'interrupted', { durationMs: played, reason: `${why}${policy}`, zones: s.healthyZones });
    }
  }

  // ---------------------------------------------------------------- reporting

  private record(e: Entry, state: OccurrenceRecord['state']): OccurrenceRecord {
    return { state, plannedStartAt: e.item.startAt, actualStartAt: e.actualStartAt, offsetFrames: e.offsetFrames, interruptedAt: e.interruptedAt, at: Date.now() };
  }

  /** A final state: reported and remembered so neither a plan reload nor a restart repeats it. */
  private finish(e: Entry, state: 'completed' | 'interrupted' | 'missed' | 'failed', extra: { durationMs?: number; reason?: string | null; zones: string[] | null }): void {
    this.journal.setOccurrence(e.item.occurrenceId, this.record(e, 'done'));
    this.emitFor(e, state, { actualStartAt: e.actualStartAt, ...extra });
  }

  private emitFor(e: Entry, state: PlaybackEvent['state'], extra: { actualStartAt?: number | null; durationMs?: number; reason?: string | null; zones: string[] | null }): void {
    const event: PlaybackEvent = {
      occurrenceId: e.item.occurrenceId,
      scheduleId: e.item.scheduleId,
      bulletinId: e.item.bulletinId,
      state,
      plannedStartAt: e.item.startAt,
      actualStartAt: extra.actualStartAt ?? null,
      durationMs: extra.durationMs ?? null,
      reason: extra.reason ? extra.reason.slice(0, 500) : null,
      zones: extra.zones,
    };
    this.emit(e, event);
  }

  private emit(e: Entry | null, event: PlaybackEvent): void {
    this.logger?.info({ occurrenceId: event.occurrenceId, state: event.state, reason: event.reason }, 'playback');
    try {
      this.options.onPlayback(event);
    } catch (err) {
      this.logger?.error({ err: (err as Error).message }, 'onPlayback failed');
    }
    for (const l of e?.listeners ?? []) l(event);
  }
}

function rankOf(e: Entry) {
  return { priority: e.item.priority, startAt: e.item.startAt, seq: e.seq };
}

function sourceKey(source: QueueItem['source']): string {
  return source.kind === 'asset' ? `asset:${source.asset.sha256}` : source.kind === 'stream' ? `stream:${source.url}` : 'pcm';
}

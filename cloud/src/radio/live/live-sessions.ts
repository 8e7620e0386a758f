import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newId, type LiveEndReason, type RadioSettings } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { DomainEventBus } from '../../events/event-bus.js';
import { ApiError, badRequest } from '../../http/errors.js';
import type { CloudMetrics } from '../../metrics.js';
import { PRIVATE_DIR } from '../../private-files.js';
import type { TargetArea } from '../target-area.js';
import type { EdgeDirectory } from '../plan/edge-directory.js';
import { JitterBuffer, LIVE_FRAME_BYTES, LIVE_FRAME_MS } from './jitter-buffer.js';
import { LiveClock } from './live-clock.js';
import type { LiveDocPublisher } from './live-doc.js';
import { LiveEncoder } from './live-encoder.js';
import type { LiveStore } from './live-store.js';
import { LiveTail } from './live-tail.js';
import type { LiveInput, LiveSessionSpec, LiveSessionsApi, LiveSessionStatus, LiveSessionView, LiveTargets } from './live-types.js';

const SILENCE = Buffer.alloc(LIVE_FRAME_BYTES);
/** The voice's default: an operator whose microphone sent nothing for this long is gone. */
const VOICE_INPUT_TIMEOUT_MS = 5000;
/** Sessions on air at once (each is one ffmpeg and a stream per box). */
const MAX_ON_AIR = 8;
const full = () => new ApiError(409, 'conflict', `at most ${MAX_ON_AIR} live sessions may be on air at once; stop one first`);

export interface LiveSessionsOptions {
  dataDir: string;
  playoutMs: number;
  jitterMs: number;
  maxReaders: number;
  ffmpegPath?: string;
  now(): number;
}

export interface LiveSessionsDeps {
  store: LiveStore;
  directory: EdgeDirectory;
  /** Where a commune's (or the province's) sessions may go. */
  area: TargetArea;
  /** The radio settings (speaker zones) of a box, from its desired config; null when it has none. */
  radioSettingsOf(edgeId: string): Promise<RadioSettings | null>;
  doc: LiveDocPublisher;
  bus: DomainEventBus;
  metrics: CloudMetrics;
  logger: Logger;
  /** Makes the recording of a voice session an archive bulletin; resolves with its id. */
  archive(session: LiveSessionView, ogg: Buffer): Promise<string>;
  options: LiveSessionsOptions;
  /** This cloud process's id (cluster/process-registry.ts), recorded as the owner of what it puts on air; absent: none recorded. */
  processId?: string;
}

/** One session on air: its clock, the producer's buffer, the encoder and the growing file. */
class OnAir {
  readonly buffer: JitterBuffer;
  readonly tail = new LiveTail();
  clock!: LiveClock;
  encoder!: LiveEncoder;
  lastInputAt: number;
  input!: LiveInput;
  ending: Promise<LiveSessionView> | null = null;

  constructor(
    readonly view: LiveSessionView,
    readonly file: string,
    readonly inputTimeoutMs: number | null,
    jitterMs: number,
  ) {
    this.buffer = new JitterBuffer({ targetMs: jitterMs, maxMs: Math.max(1000, jitterMs * 4) });
    this.lastInputAt = view.startedAt;
  }
}

/**
 * Live sessions (issue 13): one stream of audio, from a producer's LiveInput, played in step by
 * chosen boxes. The cloud's clock makes one 20 ms frame every 20 ms from the session's start (the
 * producer's audio, or silence), encodes it to Ogg Opus into the recording, which the boxes read
 * while it grows; sample k plays at epoch + k/48 ms on every loudspeaker.
 */
export class LiveSessions implements LiveSessionsApi {
  private readonly onAir = new Map<string, OnAir>();
  private readonly archiving = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly deps: LiveSessionsDeps) {
    mkdirSync(join(deps.options.dataDir, 'live'), { recursive: true, mode: PRIVATE_DIR });
  }

  /**
   * At the cloud's start: sessions a stopped cloud left on air end interrupted and the boxes are
   * told; voice recordings of the last week not archived yet (the cloud stopped first) are archived.
   */
  /** `endOrphans: false` when other cloud processes share the database: a session open there may be on air in another process. */
  async recover(options: { endOrphans: boolean } = { endOrphans: true }): Promise<void> {
    const now = this.deps.options.now();
    const ids = options.endOrphans ? await this.deps.store.endOrphans(now) : [];
    if (ids.length) this.deps.logger.warn({ sessions: ids }, 'live sessions left on air by the previous run: ended as interrupted');
    await this.deps.doc.publish();
    for (const s of await this.deps.store.unarchived(now - 7 * 24 * 3600_000)) {
      const file = await this.deps.store.file(s.id);
      if (file && existsSync(file)) this.track(this.archive(s, file));
    }
  }

  /**
   * The leader's sweep (several processes): the sessions on air in a process that stopped beating
   * before `aliveSince` end interrupted in one statement, their places among the 8 are free, and the
   * boxes are told through the live document. Their recordings stay on the dead process's disk.
   */
  async endDeadOwners(aliveSince: number): Promise<string[]> {
    const { store, options, metrics, logger, bus, doc } = this.deps;
    const endedAt = options.now();
    const ended = await store.endDeadOwners(endedAt, aliveSince);
    if (ended.length === 0) return [];
    logger.warn({ sessions: ended.map((s) => s.id), owners: [...new Set(ended.map((s) => s.owner))] }, 'live sessions of a cloud process that stopped beating: ended as interrupted');
    for (const s of ended) {
      metrics.liveSessions.inc({ source: s.source, reason: 'interrupted' });
      bus.publish('live.ended', { sessionId: s.id, source: s.source, reason: 'interrupted', detail: s.detail, endedAt, durationMs: s.durationMs });
    }
    await doc.publish().catch((err: unknown) => logger.warn({ err }, 'live document not published'));
    return ended.map((s) => s.id);
  }

  async start(spec: LiveSessionSpec): Promise<{ session: LiveSessionView; input: LiveInput }> {
    if (this.closed) throw new ApiError(503, 'unavailable', 'the cloud is stopping');
    const title = spec.title.trim();
    if (!title || title.length > 200) throw badRequest('a live session needs a title of 1 to 200 characters');
    // this process's own sessions, before any work; the database's count (every process's) decides below
    if (this.onAir.size >= MAX_ON_AIR) throw full();
    const { edges, hamletCodes } = await this.resolveTargets(spec.targets, spec.communeCode);
    const zones = spec.zones && spec.zones.length ? [...new Set(spec.zones)] : null;
    if (zones) await this.assertZonesExist(zones, edges);
    const playoutMs = spec.playoutMs ?? this.deps.options.playoutMs;
    if (!Number.isInteger(playoutMs) || playoutMs < 200 || playoutMs > 10_000) throw badRequest(`a live session's playout latency must be a whole number of ms from 200 to 10000, not ${playoutMs}`);

    const { options } = this.deps;
    const id = newId('lvs');
    const file = join(options.dataDir, 'live', `${id}.ogg`);
    const startedAt = options.now();
    const view: LiveSessionView = {
      id,
      source: spec.source,
      title,
      priority: spec.priority,
      status: 'on_air',
      edges,
      hamletCodes,
      zones,
      communeCode: spec.communeCode,
      issuer: spec.communeCode === null ? 'province' : 'commune',
      startedBy: spec.startedBy,
      origin: spec.origin ?? null,
      startedAt,
      epoch: startedAt + playoutMs,
      endsAt: spec.endsAt ?? null,
      endedAt: null,
      endReason: null,
      endDetail: null,
      bytes: 0,
      durationMs: 0,
      bulletinId: null,
      streamPath: '',
    };
    const inputTimeoutMs = spec.inputTimeoutMs === undefined ? (spec.source === 'voice' ? VOICE_INPUT_TIMEOUT_MS : null) : spec.inputTimeoutMs;
    const air = new OnAir(view, file, inputTimeoutMs, options.jitterMs);
    air.encoder = new LiveEncoder(file, { onGrow: (bytes) => air.tail.grow(bytes) }, options.ffmpegPath);
    // the session's time counts from the clock's own start, after ffmpeg was spawned (tens of ms on a
    // busy box): sample k is then really startedAt + k/48 ms
    air.clock = new LiveClock((k) => this.tick(air, k));
    view.startedAt = options.now();
    view.epoch = view.startedAt + playoutMs;
    air.lastInputAt = view.startedAt;
    // the row is written with its final times before any frame is encoded or any box told (boxes
    // read the epoch from it). The clock counts from its construction, so the frames due while the
    // database answers are produced at once when it starts: the stream stays on the cloud's time.
    let admitted: boolean;
    try {
      admitted = await this.deps.store.start({ ...view, file, ownerProcess: this.deps.processId ?? null }, MAX_ON_AIR);
    } catch (err) {
      await this.discard(air);
      throw err;
    }
    if (!admitted) {
      await this.discard(air);
      throw full();
    }
    if (this.closed) {
      // the cloud began stopping while the row was written: close() no longer sees this session
      await this.deps.store.end(id, { at: options.now(), reason: 'interrupted', detail: 'the cloud stopped', by: null, bytes: 0, durationMs: 0 });
      await this.discard(air);
      throw new ApiError(503, 'unavailable', 'the cloud is stopping');
    }
    this.onAir.set(id, air);
    air.clock.start();
    void air.encoder.done.then((error) => {
      if (error && !air.ending) void this.finish(air, 'failed', error, null);
    });
    const session = await this.deps.store.get(id);
    this.deps.metrics.liveOnAir.inc({ source: spec.source });
    this.deps.bus.publish('live.started', { sessionId: id, source: spec.source, priority: spec.priority, hamletCodes, edges, startedBy: spec.startedBy, epoch: view.epoch });
    this.deps.logger.info({ sessionId: id, source: spec.source, priority: spec.priority, edges: edges.length, epoch: view.epoch }, 'live session on air');
    await this.deps.doc.publish();

    const input: LiveInput = {
      write: (pcm) => {
        if (air.ending) return;
        air.lastInputAt = options.now();
        air.buffer.write(pcm);
        this.deps.metrics.liveInputBytes.inc({ source: spec.source }, pcm.length);
      },
      end: (reason, detail) => {
        void this.finish(air, reason, detail ?? null, null);
      },
    };
    air.input = input;
    return { session, input };
  }

  async stop(sessionId: string, by: string | null): Promise<LiveSessionView> {
    const air = this.onAir.get(sessionId);
    if (!air) return this.deps.store.get(sessionId);
    return this.finish(air, 'stopped', by ? 'stopped by the operator' : 'stopped by the cloud', by);
  }

  async get(sessionId: string): Promise<LiveSessionView> {
    return this.withProgress(await this.deps.store.get(sessionId));
  }

  async list(query?: { status?: LiveSessionStatus; limit?: number; commune?: string }): Promise<LiveSessionView[]> {
    return (await this.deps.store.list(query)).map((s) => this.withProgress(s));
  }

  /** The growing recording for the boxes' stream route; null when the session is not on air. */
  tailOf(sessionId: string): LiveTail | null {
    return this.onAir.get(sessionId)?.tail ?? null;
  }

  fileOf(sessionId: string): Promise<string | null> {
    return this.deps.store.file(sessionId);
  }

  /** A finished recording as a tail that has ended (a box that asks after the end gets the whole file). */
  endedTail(session: LiveSessionView): LiveTail {
    const tail = new LiveTail();
    tail.grow(session.bytes);
    tail.end();
    return tail;
  }

  /**
   * The input of a session on air, for the producer that attaches to it after the start (13b's
   * WebSocket ingest of a session started with `POST /radio/live`); null once it ended.
   */
  inputOf(sessionId: string): LiveInput | null {
    return this.onAir.get(sessionId)?.input ?? null;
  }

  readerOpened(): void {
    this.deps.metrics.liveReaders.inc();
  }

  readerClosed(): void {
    this.deps.metrics.liveReaders.dec();
  }

  get maxReaders(): number {
    return this.deps.options.maxReaders;
  }

  /** Ends every session on air ('interrupted': the cloud stops) and waits for the archives in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.onAir.values()].map((air) => this.finish(air, 'interrupted', 'the cloud stopped', null, false)));
    await Promise.allSettled([...this.archiving]);
  }

  // ------------------------------------------------------------------ internals

  private withProgress(s: LiveSessionView): LiveSessionView {
    const air = this.onAir.get(s.id);
    return air ? { ...s, bytes: air.encoder.bytes, durationMs: air.clock.produced * LIVE_FRAME_MS } : s;
  }

  private tick(air: OnAir, k: number): void {
    if (air.ending) return;
    const now = this.deps.options.now();
    const { view } = air;
    if (view.endsAt !== null && now >= view.endsAt) {
      void this.finish(air, 'stopped', 'its time window ended', null);
      return;
    }
    if (air.inputTimeoutMs !== null && now - air.lastInputAt > air.inputTimeoutMs) {
      void this.finish(air, 'interrupted', `no audio from the ${view.source === 'voice' ? "operator's microphone" : 'station'} for ${Math.round(air.inputTimeoutMs / 1000)} s`, null);
      return;
    }
    const frame = air.buffer.take();
    if (!frame) this.deps.metrics.liveSilentFrames.inc({ source: view.source });
    if (!air.encoder.write(frame ?? SILENCE)) return; // its exit ends the session as failed
    // once a second, not awaited (the clock does not wait for the database); a failed save only
    // loses the progress shown, the end writes the final figures
    if (k % 50 === 49)
      void this.deps.store.progress(view.id, air.encoder.bytes, (k + 1) * LIVE_FRAME_MS).catch((err: unknown) => this.deps.logger.warn({ err, sessionId: view.id }, 'live session progress not saved'));
  }

  private finish(air: OnAir, reason: LiveEndReason, detail: string | null, by: string | null, archive = true): Promise<LiveSessionView> {
    air.ending ??= (async () => {
      const { store, options, metrics, logger } = this.deps;
      air.clock.stop();
      // what the producer had sent and the clock had not taken yet is still part of what was said
      const rest = reason === 'failed' ? [] : air.buffer.drain();
      for (const frame of rest) air.encoder.write(frame);
      const encoderError = await air.encoder.finish();
      const endedAt = options.now();
      const durationMs = (air.clock.produced + rest.length) * LIVE_FRAME_MS;
      const finalReason = reason;
      if (encoderError && reason !== 'failed') logger.warn({ sessionId: air.view.id, encoderError }, 'live encoder ended with an error');
      // its final size and length with the end, in one conditional statement: ended once, whoever else
      // tries. The database not answering does not keep the boxes' streams open: the session still
      // ends here, and its row is ended interrupted at the next start (recover)
      const recorded = await store.end(air.view.id, { at: endedAt, reason: finalReason, detail, by, bytes: air.encoder.bytes, durationMs }).catch((err: unknown) => {
        logger.error({ err, sessionId: air.view.id }, 'live session end not recorded');
        return true;
      });
      if (!recorded) logger.warn({ sessionId: air.view.id }, 'live session had already been ended on record (another cloud process recovering?)');
      air.tail.grow(air.encoder.bytes);
      air.tail.end();
      this.onAir.delete(air.view.id);
      metrics.liveOnAir.dec({ source: air.view.source });
      metrics.liveSessions.inc({ source: air.view.source, reason: finalReason });
      this.deps.bus.publish('live.ended', { sessionId: air.view.id, source: air.view.source, reason: finalReason, detail, endedAt, durationMs });
      logger.info({ sessionId: air.view.id, reason: finalReason, detail, durationMs, bytes: air.encoder.bytes, underruns: air.buffer.underruns, trimmedMs: air.buffer.trimmedFrames * LIVE_FRAME_MS }, 'live session ended');
      await this.deps.doc.publish().catch((err: unknown) => logger.warn({ err }, 'live document not published'));
      const ended = await store.get(air.view.id);
      if (archive && ended.source === 'voice' && ended.bytes > 0) this.track(this.archive(ended, air.file));
      return ended;
    })();
    return air.ending;
  }

  /** A session refused before it went on air: its encoder stopped and its empty recording removed. */
  private async discard(air: OnAir): Promise<void> {
    air.clock.stop();
    await air.encoder.finish();
    rmSync(air.file, { force: true });
  }

  private track(p: Promise<unknown>): void {
    this.archiving.add(p);
    void p.finally(() => this.archiving.delete(p));
  }

  /** The recording becomes an archive bulletin (replayable); a recording the pipeline refuses (silence only) stays a file. */
  private async archive(session: LiveSessionView, file: string): Promise<void> {
    try {
      const bulletinId = await this.deps.archive(session, readFileSync(file));
      await this.deps.store.setBulletin(session.id, bulletinId);
      this.deps.bus.publish('live.archived', { sessionId: session.id, bulletinId });
    } catch (err) {
      this.deps.logger.warn({ err, sessionId: session.id }, 'live recording not archived as a bulletin (it stays in the live directory)');
    }
  }

  /**
   * Active boxes of the chosen hamlets (or the issuer's whole area, chosen communes, or named boxes);
   * none → a clear error. A commune's session reaches its commune only: another commune's hamlet or
   * box is refused as unknown, and `all` is the commune.
   */
  private async resolveTargets(t: LiveTargets, communeCode: string | null): Promise<{ edges: string[]; hamletCodes: string[] }> {
    const { directory } = this.deps;
    if (!t.all && !t.communes?.length && !t.hamlets?.length && !t.edges?.length) throw badRequest('choose the hamlets to speak to: all, hamlets and/or edges');
    const resolved = await this.deps.area.resolve(t, { communeCode });
    const area = resolved.all && communeCode !== null ? new Set(await this.deps.area.hamletsOf(communeCode)) : null;
    const hamlets = resolved.hamlets;
    const named = resolved.edges;
    const active = await directory.activeEdges();
    const chosen = active.filter((e) => (resolved.all && (area === null || area.has(e.hamletCode))) || hamlets.includes(e.hamletCode) || named.includes(e.id));
    const inactive = named.filter((id) => !active.some((e) => e.id === id));
    if (inactive.length) throw badRequest(`box(es) not in service: ${inactive.join(', ')}`, { edges: inactive });
    if (chosen.length === 0) throw badRequest(`no box in service in ${t.all ? (communeCode === null ? 'the province' : 'the commune') : `hamlet(s) ${hamlets.join(', ')}`}: nothing would play`);
    return { edges: chosen.map((e) => e.id), hamletCodes: [...new Set(chosen.map((e) => e.hamletCode))] };
  }

  /** Each zone must be a speaker zone of at least one targeted box (a typo would play nowhere). */
  private async assertZonesExist(zones: string[], edges: string[]): Promise<void> {
    const settings = await Promise.all(edges.map((id) => this.deps.radioSettingsOf(id)));
    const known = new Set(settings.flatMap((radio) => radio?.speakers.map((s) => s.zone) ?? []));
    const unknown = zones.filter((z) => !known.has(z));
    if (unknown.length) throw badRequest(`unknown speaker zone(s) on the chosen boxes: ${unknown.join(', ')} (known: ${[...known].join(', ') || 'none'})`, { zones: unknown });
  }
}

import { newId, type Priority } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { ApiError } from '../../http/errors.js';
import type { CloudMetrics } from '../../metrics.js';
import type { HamletProgress, PlaybackState, PlaybackStore } from '../playback/playback-store.js';
import type { Targets } from '../schedules/targets.js';
import type { LiveEndReason, LiveInput, LiveTargets, RelayLiveSessions, RelaySessionView } from './live-port.js';
import { RelayPuller, type PullerState } from './relay-puller.js';
import type { RelayEndReason, RelayRun, RelayRunStore } from './relay-run-store.js';
import type { Station, StationStore } from './station-store.js';
import { sniffStream, StreamUnavailable } from './stream-sniff.js';

export interface PullerSettings {
  switchAfterFailures: number;
  reconnectFirstMs: number;
  reconnectMaxMs: number;
  stallMs: number;
  prebufferMs: number;
}

export interface RelayServiceDeps {
  stations: StationStore;
  runs: RelayRunStore;
  live: RelayLiveSessions;
  /** The boxes' proof of play of the relay's session (occurrence relay:{sessionId}), per hamlet. */
  playback: Pick<PlaybackStore, 'progressByHamlet'>;
  puller: PullerSettings;
  /** The relay sessions' playout latency (SC_RELAY_PLAYOUT_MS): the boxes' time to get ready before the epoch. */
  playoutMs: number;
  metrics: Pick<CloudMetrics, 'relaysActive' | 'relayReconnects' | 'relayAudioSeconds'>;
  logger: Logger;
  now(): number;
  /** This cloud process's id (cluster/process-registry.ts), recorded as the owner of the runs it relays; absent: none recorded. */
  processId?: string;
}

export interface RelayStart {
  stationId: string;
  /** Defaults to the station's name. */
  title?: string;
  priority: Priority;
  targets: Targets;
  startedBy: string | null;
  /**
   * Whose relay it is (issue 10): the commune of the person (or of the schedule) behind it, whose
   * hamlets bound its targets; null: the province's (any commune; issuer province on the boxes).
   */
  communeCode: string | null;
  /** When the relay ends on its own (a window's end); null: when stopped, or after durationMs. */
  endsAt: number | null;
  /** Relay now for this long, counted from when it goes on air (after the station answered). */
  durationMs?: number | null;
  scheduleId?: string | null;
  occurrenceId?: string | null;
  /**
   * Refuse to start when neither URL answers (relay now: the operator is told at once and nothing
   * plays). A scheduled window starts anyway: the station may come back, silence fills meanwhile.
   */
  requireReachable: boolean;
}

/** A relay as the API and the stations page show it: the run, the stream's state while on air, the hamlets the session reaches. */
export interface RelayView extends RelayRun {
  live: PullerState | null;
  hamletCodes: string[];
  edges: string[];
  /** What each targeted hamlet's box reported: when it first started the relay, and its latest state (null: nothing yet). */
  hamlets: { hamletCode: string; firstStartedAt: number | null; lastState: PlaybackState | null }[];
}

interface Active {
  run: RelayRun;
  session: RelaySessionView;
  input: LiveInput;
  puller: RelayPuller;
  timer: NodeJS.Timeout | null;
  ending: Promise<RelayRun> | null;
}

/** A station connected ahead of its window, not on air yet. */
export interface PreparedRelay {
  station: Station;
  puller: RelayPuller;
  attach(input: LiveInput): void;
}

/** "Relay now" waits this long at most for the station's first sound before going on air. */
const RELAY_NOW_WAIT_MS = 5000;

/** How often the state of a running relay is saved (a crash loses at most this much of its accounting). */
const SAVE_EVERY_MS = 5000;

/** A live session reached by LiveTargets and zones, from a schedule's targets (zones of named boxes → those boxes, those zone names). */
export function liveTargetsOf(t: Targets): { targets: LiveTargets; zones: string[] | null } {
  if (t.all) return { targets: { all: true }, zones: null };
  if (t.hamlets) return { targets: { hamlets: [...t.hamlets] }, zones: null };
  if (t.edges) return { targets: { edges: [...t.edges] }, zones: null };
  const zones = t.zones ?? [];
  return { targets: { edges: [...new Set(zones.map((z) => z.edgeId))] }, zones: [...new Set(zones.map((z) => z.zone))].sort() };
}

const LIVE_REASON: Record<RelayEndReason, LiveEndReason> = { ended: 'stopped', stopped: 'stopped', interrupted: 'interrupted', cloud_stopped: 'interrupted', failed: 'failed' };

/**
 * Relays: a station pulled once by the cloud (RelayPuller) into a relay live session, which every
 * targeted box plays in step. Each relay is a run in relay_runs with what actually played.
 */
export class RelayService {
  private readonly active = new Map<string, Active>();
  private readonly saver: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: RelayServiceDeps) {
    this.saver = setInterval(() => void this.saveProgress(), SAVE_EVERY_MS);
    this.saver.unref();
  }

  /** At the cloud's start, before any relay: the runs a stopped cloud left open are closed. */
  async recover(): Promise<void> {
    const closed = await this.deps.runs.closeOpen(this.deps.now());
    if (closed > 0) this.deps.logger.warn({ closed }, 'relays that were on air when the cloud stopped are closed');
  }

  /**
   * The leader's sweep (several processes): runs relayed by a process that stopped beating before
   * `aliveSince` are closed `cloud_stopped` (their sessions are ended by the live sweep; the relay
   * windows take a scheduled one up again here or in another process). Their ids.
   */
  async closeDeadOwners(aliveSince: number): Promise<string[]> {
    const closed = await this.deps.runs.closeDeadOwners(this.deps.now(), aliveSince);
    if (closed.length > 0) this.deps.logger.warn({ runs: closed.map((r) => r.id), owners: [...new Set(closed.map((r) => r.owner))] }, 'relays of a cloud process that stopped beating are closed');
    return closed.map((r) => r.id);
  }

  /**
   * Connects to a station ahead of its window (the scheduler calls it a few seconds before the
   * start), so the window opens with the station's sound rather than the time ffmpeg takes to start.
   */
  async prepare(stationId: string): Promise<PreparedRelay> {
    return this.connect(await this.deps.stations.get(stationId));
  }

  /** The station's puller, connected and gathering sound, not on air yet. */
  private connect(station: Station): PreparedRelay {
    let sink: LiveInput | null = null;
    const puller = new RelayPuller({
      primaryUrl: station.url,
      fallbackUrl: station.fallbackUrl,
      ...this.deps.puller,
      healthyAfterMs: 5000,
      maxBufferMs: 30_000,
      sink: { write: (pcm) => sink?.write(pcm) },
      logger: this.deps.logger.child({ stationId: station.id }),
    });
    puller.connectEarly();
    return { station, puller, attach: (input) => (sink = input) };
  }

  /** Starts relaying a station now (with the connection `prepare` made, when there is one). */
  async start(spec: RelayStart, prepared?: PreparedRelay): Promise<RelayView> {
    if (this.closed) throw new ApiError(503, 'unavailable', 'the cloud is stopping');
    const station = prepared?.station ?? (await this.deps.stations.get(spec.stationId));
    if (spec.endsAt !== null && spec.endsAt <= this.deps.now()) throw new ApiError(400, 'bad_request', 'the relay would end before it starts');
    if (spec.requireReachable) await this.assertReachable(station);
    const ready = prepared ?? this.connect(station);
    try {
      // relay now: on air once the station's first sound is in (at most a few seconds), not before
      if (!prepared) await ready.puller.waitForSound(RELAY_NOW_WAIT_MS);
      return await this.goOnAir(spec, station, ready);
    } catch (err) {
      await ready.puller.stop();
      throw err;
    }
  }

  private async goOnAir(spec: RelayStart, station: Station, ready: PreparedRelay): Promise<RelayView> {
    const now = this.deps.now();
    const endsAt = spec.durationMs ? now + spec.durationMs : spec.endsAt;
    const { targets, zones } = liveTargetsOf(spec.targets);
    const title = spec.title ?? station.name;
    const { session, input } = await this.deps.live.start({
      source: 'relay',
      title,
      priority: spec.priority,
      targets,
      zones,
      startedBy: spec.startedBy,
      communeCode: spec.communeCode,
      // the puller fills the station's gaps itself; the window's end is the session's own end too
      inputTimeoutMs: null,
      endsAt,
      origin: station.id,
      // longer than the voice's: a relay's delay behind the station matters to nobody, and a box
      // ready by the epoch starts in step with the others (one joining late misses the start)
      playoutMs: this.deps.playoutMs,
    });
    const run = await this.deps.runs.insert({
      id: newId('rly'),
      stationId: station.id,
      stationName: station.name,
      scheduleId: spec.scheduleId ?? null,
      occurrenceId: spec.occurrenceId ?? null,
      sessionId: session.id,
      title,
      priority: spec.priority,
      targets: spec.targets,
      startedBy: spec.startedBy,
      startedAt: now,
      endsAt,
      communeCode: spec.communeCode,
    }, this.deps.processId ?? null).catch(async (err: unknown) => {
      // no run on record, no relay: its session goes off air (the caller stops the puller)
      await this.deps.live.stop(session.id, null).catch(() => {});
      throw err;
    });
    const { puller } = ready;
    ready.attach(input);
    const entry: Active = { run, session, input, puller, timer: null, ending: null };
    this.active.set(run.id, entry);
    puller.goOnAir();
    if (endsAt !== null) {
      // the window ends on time, whatever the stream is doing
      entry.timer = setTimeout(() => void this.finish(run.id, 'ended', null), endsAt - this.deps.now());
    }
    this.deps.metrics.relaysActive.set(this.active.size);
    this.deps.logger.info({ relayId: run.id, stationId: station.id, sessionId: session.id, hamlets: session.hamletCodes, endsAt }, 'relay started');
    return this.view(run.id);
  }

  /** An operator stops a relay; a relay already over is returned as it is. */
  async stop(relayId: string, by: string | null): Promise<RelayView> {
    const entry = this.active.get(relayId);
    if (entry) await this.finish(relayId, 'stopped', by);
    return this.view(relayId);
  }

  isRunning(relayId: string): boolean {
    return this.active.has(relayId);
  }

  /** The relays on air and the latest ones, newest first; `commune`: that commune's and the province's. */
  async list(limit = 50, commune?: string): Promise<RelayView[]> {
    const recent = await this.deps.runs.recent(limit, commune);
    const ids = new Set(recent.map((r) => r.id));
    const running = [...this.active.values()]
      .map((a) => a.run)
      .filter((r) => !ids.has(r.id) && (!commune || r.communeCode === null || r.communeCode === commune))
      .map((r) => r.id);
    const current = await Promise.all(running.map((id) => this.deps.runs.get(id)));
    return Promise.all([...current, ...recent].map((r) => this.view(r.id, r)));
  }

  async view(relayId: string, known?: RelayRun): Promise<RelayView> {
    const entry = this.active.get(relayId);
    const run = entry?.run ?? known ?? (await this.deps.runs.get(relayId));
    let session: RelaySessionView | null = entry?.session ?? null;
    if (!session && run.sessionId) {
      try {
        session = await this.deps.live.get(run.sessionId);
      } catch {
        session = null;
      }
    }
    const live = entry ? entry.puller.state() : null;
    const shown = live ? { ...run, playedMs: live.playedMs, silenceMs: live.silenceMs, bytes: live.bytes, reconnects: live.reconnects, lastError: live.lastError } : run;
    const heard = run.sessionId ? await this.deps.playback.progressByHamlet(run.sessionId) : new Map<string, HamletProgress>();
    const hamletCodes = session?.hamletCodes ?? [];
    const hamlets = [...new Set([...hamletCodes, ...heard.keys()])].map((hamletCode) => ({
      hamletCode,
      firstStartedAt: heard.get(hamletCode)?.firstStartedAt ?? null,
      lastState: heard.get(hamletCode)?.lastState ?? null,
    }));
    return { ...shown, live, hamletCodes, edges: session?.edges ?? [], hamlets };
  }

  /** Ends relays whose live session ended another way (stopped from the live API, failed). */
  async checkSessions(): Promise<void> {
    for (const [id, entry] of [...this.active]) {
      if (entry.ending) continue;
      let session: RelaySessionView;
      try {
        session = await this.deps.live.get(entry.session.id);
      } catch {
        continue;
      }
      if (session.status !== 'ended' || entry.ending) continue;
      // the session ends itself at the window's end (endsAt); stopped before it, someone stopped it from the live API
      const reason: RelayEndReason =
        session.endReason === 'stopped' ? (entry.run.endsAt !== null && (session.endedAt ?? 0) >= entry.run.endsAt - 50 ? 'ended' : 'stopped') : session.endReason === 'failed' ? 'failed' : 'interrupted';
      void this.finish(id, reason, null);
    }
  }

  /** The cloud stops: every relay ends `cloud_stopped` (a scheduled window is taken up again at the next start). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.saver);
    await Promise.all([...this.active.keys()].map((id) => this.finish(id, 'cloud_stopped', null)));
  }

  private finish(relayId: string, reason: RelayEndReason, by: string | null): Promise<RelayRun> {
    const entry = this.active.get(relayId);
    if (!entry) return Promise.resolve(this.deps.runs.get(relayId));
    // the end is when it was decided (the window's timer, the operator's click), not when ffmpeg was reaped
    const endedAt = this.deps.now();
    entry.ending ??= (async () => {
      if (entry.timer) clearTimeout(entry.timer);
      const result = await entry.puller.stop();
      if (reason === 'stopped' || reason === 'ended') {
        // awaited: the session has ended (boxes told, recording closed) before the run says so
        await this.deps.live.stop(entry.session.id, by).catch((err: unknown) => this.deps.logger.warn({ err, relayId }, 'live session did not stop cleanly'));
      } else {
        entry.input.end(LIVE_REASON[reason], reason === 'cloud_stopped' ? 'the cloud is stopping' : undefined);
      }
      const run = await this.deps.runs.finish(relayId, {
        endedAt,
        endReason: reason,
        playedMs: result.playedMs,
        silenceMs: result.silenceMs,
        bytes: result.bytes,
        reconnects: result.reconnects,
        urls: result.urls,
        lastError: result.lastError,
      });
      this.active.delete(relayId);
      this.deps.metrics.relaysActive.set(this.active.size);
      this.deps.metrics.relayReconnects.inc(result.reconnects);
      this.deps.metrics.relayAudioSeconds.inc({ kind: 'played' }, result.playedMs / 1000);
      this.deps.metrics.relayAudioSeconds.inc({ kind: 'silence' }, result.silenceMs / 1000);
      this.deps.logger.info({ relayId, reason, playedMs: result.playedMs, silenceMs: result.silenceMs, reconnects: result.reconnects, urls: result.urls }, 'relay ended');
      return run;
    })();
    return entry.ending;
  }

  /** A failed save is logged: the next one, or the run's end, writes the figures. */
  private async saveProgress(): Promise<void> {
    for (const [id, entry] of [...this.active]) {
      if (entry.ending) continue;
      const s = entry.puller.state();
      await this.deps.runs
        .progress(id, { playedMs: s.playedMs, silenceMs: s.silenceMs, bytes: s.bytes, reconnects: s.reconnects, lastError: s.lastError })
        .catch((err: unknown) => this.deps.logger.warn({ err, relayId: id }, 'relay progress not saved'));
    }
  }

  private async assertReachable(station: Station): Promise<void> {
    const urls = [station.url, ...(station.fallbackUrl ? [station.fallbackUrl] : [])];
    const errors: string[] = [];
    for (const url of urls) {
      try {
        await sniffStream(url, this.deps.puller.stallMs);
        return;
      } catch (err) {
        if (!(err instanceof StreamUnavailable)) throw err;
        errors.push(`${url}: ${err.message}`);
      }
    }
    throw new ApiError(502, 'station_unreachable', `the station "${station.name}" cannot be relayed now, nothing was started: ${errors.join('; ')}`, { errors });
  }
}

import { PROTOCOL_VERSION, ownContract, topics, type CameraTelemetry, type ContractAnnouncement, type SpeakerTelemetry, type Telemetry } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { childProcessCounts } from '../child-processes.js';
import type { MqttLink } from '../link/mqtt-link.js';
import { EDGE_VERSION } from '../version.js';
import type { ClockSync } from './clock-sync.js';
import { readDisk, readHost, readTemperatureC } from './host-metrics.js';

export interface TelemetrySources {
  edgeId: string;
  dataDir: string;
  startedAt: number;
  clock: ClockSync;
  link: MqttLink;
  outboxPending(): number;
  /** Each camera's stream; empty on a box without cameras. */
  cameras(): CameraTelemetry[];
  /** Where the live view answers on the LAN; empty when it is off. */
  liveViewUrls(): string[];
  /** Each loudspeaker output's health (the cloud tells technicians when one goes offline); empty without loudspeakers. */
  speakers?(): SpeakerTelemetry[];
  /** What the box announces of its contract; this code's own unless a test plays an older box. */
  contract?: ContractAnnouncement;
}

/** Worst first: a zone is as bad as its worst output. */
const SEVERITY: Record<SpeakerTelemetry['state'], number> = { offline: 3, muted: 2, unknown: 1, ok: 0 };

/** One speaker output as the player reports it; the issue 13 details are optional (tests, older callers). */
export interface SpeakerOutputStatus {
  zone: string;
  health: { state: SpeakerTelemetry['state']; reason: string | null };
  playing?: boolean;
  volume?: number;
  muted?: boolean;
  lastError?: { message: string; at: number } | null;
}

const reachableOf = (state: SpeakerTelemetry['state']): boolean | null => (state === 'unknown' ? null : state !== 'offline');

/**
 * The player's speaker outputs as telemetry, one entry per zone (a zone with two outputs is as bad
 * as the worse of them, reachable only if both are, playing if either is, muted if both are, its
 * last error the newer one), the texts bounded to the contract's 300 characters.
 */
export function speakerTelemetry(outputs: readonly SpeakerOutputStatus[]): SpeakerTelemetry[] {
  const byZone = new Map<string, SpeakerTelemetry>();
  for (const out of outputs) {
    const { zone, health } = out;
    const known = byZone.get(zone);
    const details: Partial<SpeakerTelemetry> = {};
    if (out.playing !== undefined) {
      const reachable = reachableOf(health.state);
      const before = known?.reachable;
      details.reachable = known === undefined ? reachable : before === false || reachable === false ? false : before === null || reachable === null ? null : true;
      details.playing = (known?.playing ?? false) || out.playing;
      details.volume = known?.volume ?? out.volume;
      details.muted = (known?.muted ?? true) && out.muted === true;
      const last = out.lastError ?? null;
      const kept = known?.lastError ?? null;
      details.lastError = last && (!kept || last.at > kept.at) ? { message: last.message.slice(0, 300), at: last.at } : kept;
    }
    const worse = !known || SEVERITY[health.state] > SEVERITY[known.state];
    const base = worse ? { zone, state: health.state, reason: health.reason === null ? null : health.reason.slice(0, 300) } : { zone, state: known.state, reason: known.reason };
    byZone.set(zone, { ...base, ...details });
  }
  return [...byZone.values()];
}

export function collectTelemetry(sources: TelemetrySources, intervalS: number): Telemetry {
  const host = readHost();
  const clock = sources.clock.current();
  const cameras = sources.cameras();
  const liveViewUrls = sources.liveViewUrls();
  const speakers = sources.speakers?.() ?? [];
  return {
    ts: Date.now(),
    hostname: host.hostname,
    softwareVersion: EDGE_VERSION,
    protocolVersion: PROTOCOL_VERSION,
    intervalS,
    uptimeS: { host: host.uptimeS, daemon: (Date.now() - sources.startedAt) / 1000 },
    load: host.load,
    memory: host.memory,
    disk: readDisk(sources.dataDir),
    temperatureC: readTemperatureC(),
    clock: clock ? { offsetMs: clock.offsetMs, roundTripMs: clock.roundTripMs, measuredAt: clock.measuredAt } : null,
    mqtt: { reconnects: sources.link.reconnects, outboxPending: sources.outboxPending() },
    ...(liveViewUrls.length ? { liveView: { urls: liveViewUrls } } : {}),
    ...(cameras.length ? { cameras } : {}),
    ...(speakers.length ? { speakers } : {}),
    childProcesses: childProcessCounts(),
    contract: sources.contract ?? ownContract(),
  };
}

/** Sends telemetry (QoS 0, the heartbeat) every interval while connected; the interval can change live. */
export class TelemetryReporter {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sources: TelemetrySources,
    private intervalS: number,
    private readonly logger: Logger,
  ) {
    sources.link.on('connected', () => this.send());
  }

  start(): void {
    this.schedule();
  }

  setInterval(intervalS: number): void {
    if (intervalS === this.intervalS) return;
    this.intervalS = intervalS;
    this.schedule();
  }

  send(): void {
    if (!this.sources.link.connected) return;
    const telemetry = collectTelemetry(this.sources, this.intervalS);
    this.sources.link.publish(topics.telemetry(this.sources.edgeId), JSON.stringify(telemetry), { qos: 0 }).catch((err: Error) => {
      this.logger.debug({ err: err.message }, 'telemetry not sent');
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.stop();
    this.timer = setInterval(() => this.send(), this.intervalS * 1000);
  }
}

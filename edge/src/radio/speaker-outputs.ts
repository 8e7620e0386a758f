import type { Speaker } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { createDriver, type DriverOptions, type SpeakerDriver, type SpeakerHealth } from './drivers/index.js';
import { applyGain } from './pcm.js';

interface Output {
  key: string;
  speaker: Speaker;
  driver: SpeakerDriver;
  /** The last problem seen on this output (a failed health check, a send error), kept after it recovers. */
  lastError: { message: string; at: number } | null;
  /** Whether the health check last seen was failing: a new failure after a recovery is a new error, even with the same words. */
  failing?: boolean;
}

export interface SpeakerState {
  zone: string;
  driver: Speaker['driver'];
  target: string;
  health: SpeakerHealth;
  /** The zone's volume as applied to every frame now (the configuration's, changed live). */
  volume: number;
  /** Muted from the console: frames still go out, as silence. */
  muted: boolean;
  lastError: { message: string; at: number } | null;
}

const outputKey = (s: Speaker) => `${s.zone}|${s.driver}|${s.target}|${s.statusUrl ?? ''}`;

/** The edge's speakers by zone: drivers opened and closed as the configuration changes, frames written to zones. */
export class SpeakerOutputs {
  private outputs: Output[] = [];

  constructor(
    private readonly driverOptions: DriverOptions | undefined,
    private readonly logger: Logger | undefined,
  ) {}

  /** Opens the drivers of new speakers and closes those removed (ending the item on a zone still playing). */
  async configure(speakers: readonly Speaker[], playingZones: readonly string[]): Promise<void> {
    const wanted = new Map(speakers.map((s) => [outputKey(s), s]));
    const keep: Output[] = [];
    for (const o of this.outputs) {
      const s = wanted.get(o.key);
      if (s) {
        // same output: the new volume and mute apply from the next frame, the item keeps playing
        keep.push({ ...o, speaker: s });
        wanted.delete(o.key);
      } else {
        if (playingZones.includes(o.speaker.zone)) o.driver.endItem();
        await o.driver.close().catch(() => {});
      }
    }
    for (const [key, speaker] of wanted) {
      const output: Output = { key, speaker, driver: null as unknown as SpeakerDriver, lastError: null };
      output.driver = createDriver(speaker, {
        onProblem: (s, message) => {
          output.lastError = { message: message.slice(0, 300), at: Date.now() };
          this.logger?.warn({ zone: s.zone, target: s.target }, message);
        },
        ...this.driverOptions,
      });
      await output.driver.open();
      keep.push(output);
    }
    this.outputs = keep;
  }

  zones(): string[] {
    return [...new Set(this.outputs.map((o) => o.speaker.zone))];
  }

  /** The zones of an item that exist here (null: all of them). */
  targetZones(zones: readonly string[] | null): string[] {
    const all = this.zones();
    return zones === null ? all : zones.filter((z) => all.includes(z));
  }

  status(): SpeakerState[] {
    return this.outputs.map((o) => {
      const health = o.driver.health();
      return { zone: o.speaker.zone, driver: o.speaker.driver, target: o.speaker.target, health, volume: o.speaker.volume, muted: o.speaker.muted === true, lastError: this.lastError(o, health) };
    });
  }

  /** The newer of the driver's last reported problem and a failed health check (remembered, so it outlives the recovery). */
  private lastError(o: Output, health: SpeakerHealth): Output['lastError'] {
    const failing = health.state === 'offline' || health.state === 'muted';
    if (failing && health.reason && health.checkedAt !== null && (o.lastError === null || o.lastError.at < health.checkedAt)) {
      // the same failure checked again keeps the time it began; a new one (other words, or after a recovery) is recorded
      if (!o.failing || o.lastError?.message !== health.reason) o.lastError = { message: health.reason.slice(0, 300), at: health.checkedAt };
    }
    if (health.state !== 'unknown') o.failing = failing;
    return o.lastError;
  }

  /** Polls every speaker's health now (drivers also poll on their own). */
  async check(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.driver.checkHealth().catch(() => undefined)));
  }

  /** Zones whose every speaker is known offline or muted. */
  unhealthy(zones: readonly string[]): string[] {
    return zones.filter((z) => {
      const outs = this.outputs.filter((o) => o.speaker.zone === z);
      return outs.length > 0 && outs.every((o) => ['offline', 'muted'].includes(o.driver.health().state));
    });
  }

  /** A zone with the reason it is not heard, for reports. */
  describe(zone: string): string {
    return `${zone} (${this.outputs.find((o) => o.speaker.zone === zone)?.driver.health().reason ?? 'unhealthy'})`;
  }

  beginItem(zones: readonly string[]): void {
    for (const o of this.outputs) if (zones.includes(o.speaker.zone)) o.driver.beginItem();
  }

  /**
   * One frame to every speaker of the zones, at the zone's volume times the item's. A muted zone
   * gets silence rather than nothing: its stream (RTP timing, ALSA buffer) goes on, so unmuting is
   * heard from the next frame.
   */
  write(zones: readonly string[], frame: Buffer, itemVolume: number): void {
    for (const o of this.outputs) if (zones.includes(o.speaker.zone)) o.driver.write(applyGain(frame, o.speaker.muted ? 0 : o.speaker.volume, itemVolume));
  }

  /** The item's timeline moved on by `samples` without frames (a stall): see SpeakerDriver.skip. */
  skip(zones: readonly string[], samples: number): void {
    for (const o of this.outputs) if (zones.includes(o.speaker.zone)) o.driver.skip?.(samples);
  }

  endItem(zones: readonly string[]): void {
    for (const o of this.outputs) if (zones.includes(o.speaker.zone)) o.driver.endItem();
  }

  async close(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.driver.close().catch(() => {})));
    this.outputs = [];
  }
}

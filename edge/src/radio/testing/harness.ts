/** Test harness of the player: real asset server, real sim speakers (UDP + HTTP), real ffmpeg. */
import { join } from 'node:path';
import { playbackEventSchema, type PlanItem, type PlaybackEvent, type Priority, type RadioSettings, type Speaker } from '@smart-commune/shared';
import { AssetCache } from '../asset-cache.js';
import type { PlaybackJournal } from '../journal.js';
import { RadioPlayer, type RadioPlayerOptions } from '../player.js';
import type { PlayerClock } from '../timing.js';
import { startAssetServer, tempDir, type AssetServer, type AudioFile } from './fixtures.js';

/** What the harness needs of a simulated speaker (firmware-sim's SpeakerUnderTest satisfies it). */
export interface HeardItem {
  index: number;
  firstPacketAt: number;
  firstSampleAt: number | null;
  durationMs: number;
  sha256: string;
  energyFingerprint: number[];
  packets: number;
}
export interface HeardStatus {
  online: boolean;
  muted: boolean;
  overlaps: number;
  overruns: number;
  items: HeardItem[];
}
export interface SpeakerUnderTest {
  target: string;
  statusUrl: string;
  status(): HeardStatus;
  setFaults(faults: { offline?: boolean; muted?: boolean }): void;
  close(): Promise<void>;
}

/**
 * The speaker factory, given by the test files (`useSpeakers(startSimSpeaker)`): this helper is part
 * of edge's build, which must not import firmware-sim.
 */
let startSpeaker: (() => Promise<SpeakerUnderTest>) | null = null;
export function useSpeakers(start: () => Promise<SpeakerUnderTest>): void {
  startSpeaker = start;
}

export const credentials = { username: 'edg_radio01', password: 'radio-secret-radio-secret-000001' };

/** The box's clock `skewMs` off the truth, with ClockSync's correction already known. */
export function skewedClock(skewMs = 0): PlayerClock {
  return {
    localNow: () => Date.now() + skewMs,
    cloudNow: () => Date.now() + skewMs - skewMs,
    toLocal: (cloudTime: number) => cloudTime + skewMs,
  };
}

export interface Harness {
  player: RadioPlayer;
  cache: AssetCache;
  server: AssetServer;
  speakers: Record<string, SpeakerUnderTest>;
  events: PlaybackEvent[];
  /** Resolves with the first event (from the start) matching; rejects after timeoutMs. */
  waitFor(pred: (e: PlaybackEvent) => boolean, timeoutMs?: number): Promise<PlaybackEvent>;
  statesOf(occurrenceId: string): string[];
  /**
   * Loads items whose startAt are offsets from a t0, deterministically on any machine: first far in
   * the future until all are decoded, then again (same occurrences, so the PCM is kept) with
   * t0 = now + leadMs. Returns the items as finally planned.
   */
  loadReady(items: PlanItem[], leadMs?: number): Promise<PlanItem[]>;
  /** Status of a speaker once its items stopped changing. */
  heard(zone: string): Promise<HeardStatus>;
  close(): Promise<void>;
}

export async function startHarness(opts: {
  zones: Array<{ zone: string; volume: number; driver?: Speaker['driver']; target?: string }>;
  files: AudioFile[];
  settings?: Partial<RadioSettings>;
  clock?: PlayerClock;
  journal?: PlaybackJournal;
  player?: Partial<RadioPlayerOptions>;
  server?: AssetServer;
}): Promise<Harness> {
  const server = opts.server ?? (await startAssetServer(credentials));
  for (const f of opts.files) server.put(f.asset.sha256, f.data);
  const dir = tempDir('sc-player-');
  const cache = new AssetCache({ dir: join(dir.dir, 'assets'), cloudUrl: server.url, credentials: () => credentials });
  const speakers: Record<string, SpeakerUnderTest> = {};
  const speakerConfigs: Speaker[] = [];
  for (const z of opts.zones) {
    if (z.driver && z.driver !== 'sim') {
      speakerConfigs.push({ zone: z.zone, driver: z.driver, target: z.target ?? 'null', volume: z.volume });
      continue;
    }
    const start = startSpeaker;
    if (!start) throw new Error('call useSpeakers(startSimSpeaker) in the test file first');
    const s = await start();
    speakers[z.zone] = s;
    speakerConfigs.push({ zone: z.zone, driver: 'sim', target: s.target, volume: z.volume, statusUrl: s.statusUrl });
  }
  const events: PlaybackEvent[] = [];
  const listeners = new Set<() => void>();
  const player = new RadioPlayer({
    clock: opts.clock ?? skewedClock(0),
    cache,
    journal: opts.journal,
    onPlayback: (e) => {
      events.push(playbackEventSchema.parse(e)); // every event must satisfy the contract
      for (const l of listeners) l();
    },
    driverOptions: { healthIntervalMs: 60_000 },
    decodeAheadMs: 30 * 60_000, // loadReady() plans 10 min ahead first
    ...opts.player,
  });
  await player.configure({ speakers: speakerConfigs, interruptedPolicy: 'resume', cacheBytes: 64 * 1024 * 1024, ...opts.settings });
  const waitFor = (pred: (e: PlaybackEvent) => boolean, timeoutMs = 20_000) =>
    new Promise<PlaybackEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find(pred);
        if (!found) return false;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => [e.occurrenceId, e.state, e.reason]))}`));
      }, timeoutMs);
      if (!check()) listeners.add(check);
    });
  return {
    player,
    cache,
    server,
    speakers,
    events,
    waitFor,
    loadReady: async (items, leadMs = 800) => {
      const at = (t0: number) => items.map((i) => ({ ...i, startAt: t0 + i.startAt }));
      player.load(plan(...at(Date.now() + 10 * 60_000)));
      for (let i = 0; i < 600 && !player.status().queued.every((q) => q.ready); i++) await new Promise((r) => setTimeout(r, 50));
      const final = at(Date.now() + leadMs);
      player.load(plan(...final));
      return final;
    },
    statesOf: (id) => events.filter((e) => e.occurrenceId === id).map((e) => e.state),
    heard: async (zone) => {
      const s = speakers[zone]!;
      let last = '';
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        const now = JSON.stringify(s.status().items.map((i) => i.packets));
        if (now === last) return s.status();
        last = now;
      }
    },
    close: async () => {
      await player.stop();
      await Promise.all(Object.values(speakers).map((s) => s.close()));
      if (!opts.server) await server.close();
      dir.remove();
    },
  };
}

let counter = 0;
export function planItem(file: AudioFile | null, startAt: number, over: Partial<PlanItem> & { priority?: Priority } = {}): PlanItem {
  counter++;
  return {
    occurrenceId: `occ-${counter}`,
    scheduleId: `sch-${counter}`,
    bulletinId: `bul-${counter}`,
    title: `item ${counter}`,
    source: file ? { kind: 'asset', asset: file.asset } : { kind: 'stream', url: 'http://127.0.0.1:9/none' },
    startAt,
    durationMs: file?.asset.durationMs ?? 1000,
    priority: 'normal',
    volume: 100,
    zones: null,
    ...over,
  };
}

export const plan = (...items: PlanItem[]) => ({ windowStart: Date.now() - 3600_000, windowEnd: Date.now() + 3600_000, items });

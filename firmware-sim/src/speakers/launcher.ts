import { startSimSpeaker, type SimSpeaker, type SimSpeakerOptions } from './sim-speaker.js';

/** The edge's view of one simulated speaker: a `Speaker` entry of RadioSettings (driver "sim"). */
export interface SimSpeakerConfig {
  zone: string;
  driver: 'sim';
  target: string;
  volume: number;
  statusUrl: string;
}

export interface HamletSpeakers {
  hamlet: string;
  speakers: SimSpeaker[];
  /** Ready to put in the hamlet's `config.radio.speakers`. */
  configs: SimSpeakerConfig[];
  close(): Promise<void>;
}

export interface HamletSpeakersOptions extends Omit<SimSpeakerOptions, 'rtpPort' | 'httpPort'> {
  hamlet: string;
  count: number;
  /** Zone of the i-th speaker (0-based); default `zone-{i+1}`. */
  zoneName?: (i: number) => string;
  /** Zone volume given in the configs; default 100 (bit-exact content). */
  volume?: number;
}

/** Starts `count` simulated speakers for one hamlet, each on free UDP and HTTP ports. */
export async function startHamletSpeakers(options: HamletSpeakersOptions): Promise<HamletSpeakers> {
  const { hamlet, count, zoneName = (i) => `zone-${i + 1}`, volume = 100, ...speakerOptions } = options;
  const speakers: SimSpeaker[] = [];
  try {
    for (let i = 0; i < count; i++) speakers.push(await startSimSpeaker(speakerOptions));
  } catch (err) {
    await Promise.all(speakers.map((s) => s.close()));
    throw err;
  }
  return {
    hamlet,
    speakers,
    configs: speakers.map((s, i) => ({ zone: zoneName(i), driver: 'sim' as const, target: s.target, volume, statusUrl: s.statusUrl })),
    close: async () => {
      await Promise.all(speakers.map((s) => s.close()));
    },
  };
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AudioRejected } from './audio-rejected.js';
import { ffmpeg } from './ffmpeg.js';
import { normalizeLoudness } from './loudnorm.js';
import { probeAudio } from './probe-audio.js';

/** 'default' (generated), 'none', or the path of a sound file played before and after every bulletin. */
export type ChimeSetting = 'default' | 'none' | (string & {});

/** 48 kHz mono WAV files, already at the bulletin loudness. */
export interface ChimeSounds {
  intro: Buffer;
  outro: Buffer;
}

const C5 = 523.25;
const E5 = 659.26;
const G5 = 783.99;
/** Length of each generated chime. */
export const DEFAULT_CHIME_MS = 1600;

/** A struck-bell note (fundamental and two overtones, 10 ms attack, exponential decay) starting at `start` seconds. */
const bellNote = (frequency: number, start: number) => {
  const x = `(t-${start})`;
  const partials = [1, 0.35, 0.1].map((amplitude, i) => `${amplitude}*sin(${2 * (i + 1)}*PI*${frequency}*${x})`).join('+');
  return `gt(t,${start})*min(1,${x}/0.01)*exp(-3.5*${x})*(${partials})`;
};

async function generateChime(frequencies: readonly number[], output: string): Promise<void> {
  const notes = frequencies.map((f, i) => bellNote(f, i * 0.35)).join('+');
  const seconds = DEFAULT_CHIME_MS / 1000;
  const source = `aevalsrc=exprs='0.25*(${notes})':s=48000:d=${seconds},afade=t=out:st=${seconds - 0.3}:d=0.3`;
  await ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', source, '-c:a', 'pcm_f32le', output]);
}

/**
 * Renders the chimes, working in `scratchDir`. The default rises (C–E–G) to call attention and
 * falls (G–E–C) to close; a file is played unchanged (but for its level) at both ends.
 */
export async function renderChimes(setting: ChimeSetting, scratchDir: string): Promise<ChimeSounds | null> {
  if (setting === 'none') return null;
  if (setting === 'default') {
    const path = (name: string) => join(scratchDir, `chime-${name}.wav`);
    await Promise.all([generateChime([C5, E5, G5], path('rising')), generateChime([G5, E5, C5], path('falling'))]);
    await Promise.all([normalizeLoudness(path('rising'), path('intro')), normalizeLoudness(path('falling'), path('outro'))]);
    return { intro: await readFile(path('intro')), outro: await readFile(path('outro')) };
  }
  const chime = join(scratchDir, 'chime.wav');
  try {
    await probeAudio(setting);
    await normalizeLoudness(setting, chime);
  } catch (err) {
    // a server setting, not the operator's upload: report it as a fault with the file named
    if (err instanceof AudioRejected || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`the configured chime ${setting} cannot be used: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
  const sound = await readFile(chime);
  return { intro: sound, outro: sound };
}

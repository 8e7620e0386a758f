import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_DIR, PRIVATE_FILE } from '../../private-files.js';
import { DEFAULT_CHIME_MS, renderChimes, type ChimeSetting } from './chime.js';
import { LOUDNESS_TARGET } from './loudness-target.js';
import { integratedLoudness } from './r128-meter.js';

/** The chimes as files ffmpeg reads directly: 48 kHz mono, already at the bulletin loudness. */
export interface ChimeFiles {
  intro: string;
  outro: string;
}

const RATE = 48_000;
const C5 = 523.25;
const E5 = 659.26;
const G5 = 783.99;

/**
 * The default chime computed in-process (the same struck bells as chime.ts renders with ffmpeg:
 * three partials, 10 ms attack, exponential decay, 300 ms linear fade out), so the alert path
 * has it without an ffmpeg run.
 */
function bells(frequencies: readonly number[]): Float32Array {
  const seconds = DEFAULT_CHIME_MS / 1000;
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) {
    const t = i / RATE;
    let v = 0;
    frequencies.forEach((f, n) => {
      const x = t - n * 0.35;
      if (x <= 0) return;
      const partials = [1, 0.35, 0.1].reduce((sum, amplitude, k) => sum + amplitude * Math.sin(2 * (k + 1) * Math.PI * f * x), 0);
      v += Math.min(1, x / 0.01) * Math.exp(-3.5 * x) * partials;
    });
    const fade = Math.min(1, (seconds - t) / 0.3);
    out[i] = 0.25 * v * fade;
  }
  return out;
}

function atTargetLoudness(samples: Float32Array): Float32Array {
  const gain = 10 ** ((LOUDNESS_TARGET.integratedLufs - integratedLoudness(samples, RATE)) / 20);
  return samples.map((s) => s * gain);
}

/** A 32-bit float mono WAV file. */
function wavBytes(samples: Float32Array): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(3, 20); // IEEE float
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(32, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Writes the chimes of a setting into `dir` once (the caller keeps the answer); null for 'none'. */
export async function prepareChimeFiles(setting: ChimeSetting, dir: string): Promise<ChimeFiles | null> {
  if (setting === 'none') return null;
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  const files = { intro: join(dir, 'alert-chime-intro.wav'), outro: join(dir, 'alert-chime-outro.wav') };
  if (setting === 'default') {
    await writeFile(files.intro, wavBytes(atTargetLoudness(bells([C5, E5, G5]))), { mode: PRIVATE_FILE });
    await writeFile(files.outro, wavBytes(atTargetLoudness(bells([G5, E5, C5]))), { mode: PRIVATE_FILE });
    return files;
  }
  const rendered = await renderChimes(setting, dir);
  if (!rendered) return null;
  await writeFile(files.intro, rendered.intro, { mode: PRIVATE_FILE });
  await writeFile(files.outro, rendered.outro, { mode: PRIVATE_FILE });
  return files;
}

import { AudioRejected } from './audio-rejected.js';
import { audioInput, ffmpeg } from './ffmpeg.js';
import { LOUDNESS_TARGET } from './loudness-target.js';

interface LoudnormMeasurement {
  input_i: string;
  input_tp: string;
  input_lra: string;
  input_thresh: string;
  target_offset: string;
}

/** Below this the file is silence (or hiss) that no gain can turn into a bulletin. */
const SILENCE_LUFS = -60;

// LRA at its maximum so that loudnorm keeps the material's dynamics and only changes its level (linear mode)
const TARGET = `I=${LOUDNESS_TARGET.integratedLufs}:TP=${LOUDNESS_TARGET.ceilingDbtp}:LRA=20`;
const MONO = 'aformat=channel_layouts=mono';

async function measure(input: string): Promise<LoudnormMeasurement> {
  const { stderr } = await ffmpeg(['-nostats', ...audioInput(input), '-map', '0:a:0', '-af', `${MONO},loudnorm=${TARGET}:print_format=json`, '-f', 'null', '-']);
  const json = stderr.slice(stderr.lastIndexOf('{'), stderr.lastIndexOf('}') + 1);
  return JSON.parse(json) as LoudnormMeasurement;
}

/**
 * EBU R128 two-pass loudnorm: measure, then apply the measured values with linear=true. The result,
 * a 48 kHz mono float WAV, is close to the target; the encoder stage makes it exact.
 */
export async function normalizeLoudness(input: string, outputWav: string): Promise<void> {
  const m = await measure(input);
  const inputLufs = Number(m.input_i);
  if (!(inputLufs > SILENCE_LUFS)) throw new AudioRejected('empty', 'This sound file contains only silence.');
  const measured = `measured_I=${m.input_i}:measured_TP=${m.input_tp}:measured_LRA=${m.input_lra}:measured_thresh=${m.input_thresh}:offset=${m.target_offset}`;
  const filter = `${MONO},loudnorm=${TARGET}:${measured}:linear=true,aresample=48000`;
  await ffmpeg(['-v', 'error', ...audioInput(input), '-map', '0:a:0', '-af', filter, '-ac', '1', '-c:a', 'pcm_f32le', '-f', 'wav', outputWav]);
}

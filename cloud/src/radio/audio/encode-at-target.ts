import { AUDIO_FORMATS, type AudioFormat } from './audio-formats.js';
import { audioInput, ffmpeg, PROGRESS, progressDurationMs } from './ffmpeg.js';
import { LOUDNESS_TARGET } from './loudness-target.js';
import { measureLoudness, type Loudness } from './measure-loudness.js';

const MAX_ATTEMPTS = 6;
const dbToLinear = (db: number) => 10 ** (db / 20);

/** Joins the parts, applies gain under a true-peak limiter (oversampled ×4) and encodes reproducibly; returns the duration. */
async function encode(parts: readonly string[], output: string, format: AudioFormat, gainDb: number, ceilingDbtp: number): Promise<number> {
  const inputs = parts.flatMap(audioInput);
  const joined = parts.length > 1 ? `${parts.map((_, i) => `[${i}:a]`).join('')}concat=n=${parts.length}:v=0:a=1,` : '';
  const limiter = `alimiter=limit=${dbToLinear(ceilingDbtp).toFixed(4)}:attack=1:release=50:level=false:latency=true`;
  const filter = `${joined}volume=${gainDb.toFixed(2)}dB,aresample=192000,${limiter},aresample=48000[out]`;
  // bitexact: no random Ogg serial number or encoder version, so the same bulletin always gives the same file and hash
  const { stdout } = await ffmpeg(['-v', 'error', ...PROGRESS, ...inputs, '-filter_complex', filter, '-map', '[out]', '-ac', '1', '-ar', '48000', '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact', ...AUDIO_FORMATS[format].encoder, output]);
  return progressDurationMs(stdout);
}

export interface EncodedAudio extends Loudness {
  durationMs: number;
}

/**
 * Encodes and measures the encoded file itself, correcting the gain until it meets LOUDNESS_TARGET:
 * the limiter and the codec both move the loudness a little, and only the final file counts.
 */
export async function encodeAtTarget(parts: readonly string[], output: string, format: AudioFormat): Promise<EncodedAudio> {
  const { integratedLufs: target, toleranceLu, maxTruePeakDbtp } = LOUDNESS_TARGET;
  let gainDb = 0;
  let ceilingDbtp: number = LOUDNESS_TARGET.ceilingDbtp;
  let previous: { gainDb: number; lufs: number } | null = null;
  let loudness: Loudness | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const durationMs = await encode(parts, output, format, gainDb, ceilingDbtp);
    loudness = await measureLoudness(output);
    const missingLu = target - loudness.integratedLufs;
    if (Math.abs(missingLu) <= toleranceLu && loudness.truePeakDbtp <= maxTruePeakDbtp) return { ...loudness, durationMs };
    if (loudness.truePeakDbtp > maxTruePeakDbtp) {
      ceilingDbtp -= 1;
      previous = null;
    } else {
      // the limiter swallows part of any added gain: learn from the last step how much of it arrives
      const arrives = previous && previous.gainDb !== gainDb ? Math.min(1, Math.max(0.2, (loudness.integratedLufs - previous.lufs) / (gainDb - previous.gainDb))) : 1;
      previous = { gainDb, lufs: loudness.integratedLufs };
      gainDb += missingLu / arrives;
    }
  }
  throw new Error(`could not bring the bulletin to ${target} LUFS and ${maxTruePeakDbtp} dBTP (last attempt: ${loudness?.integratedLufs} LUFS, ${loudness?.truePeakDbtp} dBTP)`);
}

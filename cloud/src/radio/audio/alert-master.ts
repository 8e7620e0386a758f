import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChimeFiles } from './alert-chimes.js';
import { AUDIO_FORMATS, type AudioFormat } from './audio-formats.js';
import { audioInput, ffmpeg } from './ffmpeg.js';
import { LOUDNESS_TARGET } from './loudness-target.js';
import type { Loudness } from './measure-loudness.js';
import { gainForTarget } from './limiter-model.js';
import { integratedLoudness, truePeak } from './r128-meter.js';
import type { MonoPcm } from './wav-file.js';

const RATE = 48_000;
/**
 * The alert path accepts ±0.8 LU on the encoded PCM (the rule is ±1; the exact path aims at ±0.5):
 * a second encoding costs more time than a loudspeaker's listener can hear in 0.3 LU.
 */
const ALERT_TOLERANCE_LU = 0.8;
const dbToLinear = (db: number) => 10 ** (db / 20);

export interface MasteredAlert extends Loudness {
  durationMs: number;
  /** ffmpeg runs it took: 1, or 2 when the first landed outside the tolerance. */
  passes: number;
}

/**
 * The emergency path from speech to a distribution file in one ffmpeg run: the speech's loudness is
 * measured in-process, one gain brings it to the target, the cached chimes (already at the target)
 * frame it, a true-peak limiter (oversampled ×4, as on the exact path) guards the peaks, and the
 * same run writes both the encoded file and the PCM it encoded. That PCM is measured in-process;
 * only when it misses the tolerance is the encoding run again with the gain corrected.
 *
 * The limiter takes much loudness off speech whose peaks it touches (espeak-ng's peaks sit about
 * 19 dB above its loudness, 6 dB more than the target and ceiling allow): the gain comes from a model
 * of the limiter (limiter-model.ts), and what the model misses is learned per voice from each alert.
 */
export class AlertMaster {
  /** Per voice: dB the model's gain was short of the target last time. */
  private readonly residualDb = new Map<string, number>();

  constructor(private readonly format: AudioFormat) {}

  async master(speech: { path: string; pcm: MonoPcm; voice: string }, chimes: ChimeFiles | null, output: string, workDir: string): Promise<MasteredAlert> {
    const target = LOUDNESS_TARGET.integratedLufs;
    const residual = this.residualDb.get(speech.voice) ?? 0;
    const modelGainDb = gainForTarget(speech.pcm.samples, speech.pcm.rate, target, LOUDNESS_TARGET.ceilingDbtp);
    let gainDb = modelGainDb + residual;
    const pcmPath = join(workDir, 'alert-master.f32');
    for (let pass = 1; ; pass++) {
      await this.encode(speech.path, chimes, gainDb, output, pcmPath);
      const samples = new Float32Array(new Uint8Array(await readFile(pcmPath)).buffer);
      const integratedLufs = integratedLoudness(samples, RATE);
      const missing = target - integratedLufs;
      // near the target a dB of gain brings about half a dB of loudness through the limiter
      const correction = missing * 2;
      this.residualDb.set(speech.voice, Math.max(-6, Math.min(6, gainDb + correction - modelGainDb)));
      if (Math.abs(missing) <= ALERT_TOLERANCE_LU || pass === 2) {
        return { integratedLufs, truePeakDbtp: truePeak(samples), durationMs: Math.round((samples.length / RATE) * 1000), passes: pass };
      }
      gainDb += correction;
    }
  }

  private async encode(speech: string, chimes: ChimeFiles | null, gainDb: number, output: string, pcmPath: string): Promise<void> {
    const asChime = 'aformat=sample_fmts=flt:sample_rates=48000:channel_layouts=mono';
    const voice = `aformat=channel_layouts=mono,aresample=48000,${asChime},volume=${gainDb.toFixed(2)}dB`;
    const limiter = `alimiter=limit=${dbToLinear(LOUDNESS_TARGET.ceilingDbtp).toFixed(4)}:attack=1:release=50:level=false:latency=true`;
    const finish = `aresample=192000,${limiter},aresample=48000,asplit=2[enc][pcm]`;
    const inputs = chimes ? [...audioInput(chimes.intro), ...audioInput(speech), ...audioInput(chimes.outro)] : audioInput(speech);
    const graph = chimes
      ? `[0:a]${asChime}[intro];[1:a]${voice}[voice];[2:a]${asChime}[outro];[intro][voice][outro]concat=n=3:v=0:a=1,${finish}`
      : `[0:a]${voice},${finish}`;
    // bitexact: no random Ogg serial number or encoder version, so the same alert always gives the same file and hash
    await ffmpeg([
      '-v', 'error', ...inputs, '-filter_complex', graph,
      '-map', '[enc]', '-ac', '1', '-ar', '48000', '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact', ...AUDIO_FORMATS[this.format].encoder, output,
      '-map', '[pcm]', '-ac', '1', '-ar', '48000', '-c:a', 'pcm_f32le', '-f', 'f32le', pcmPath,
    ]);
  }
}

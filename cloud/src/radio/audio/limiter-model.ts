import { blockLoudness, kWeighted } from './r128-meter.js';

/**
 * A model of the true-peak limiter the encoders use (ffmpeg alimiter: 1 ms look-ahead attack, 50 ms
 * release), on sample peaks at the speech's own rate: enough to predict how much loudness it takes
 * from speech at a given gain. The gain reduction moves slowly next to speech's frequencies, so the
 * limited speech's K-weighted signal is taken as the K-weighted speech times the gain envelope.
 */
class LimiterModel {
  /** Highest |sample| in the look-ahead window starting at each sample. */
  private readonly peakAhead: Float32Array;
  private readonly weighted: Float64Array;
  private readonly release: number;

  constructor(
    samples: Float32Array,
    private readonly rate: number,
  ) {
    const attack = Math.max(1, Math.round(rate * 0.001));
    this.release = Math.exp(-1 / (rate * 0.05));
    this.peakAhead = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) {
      let peak = 0;
      for (let j = i; j < Math.min(samples.length, i + attack); j++) peak = Math.max(peak, Math.abs(samples[j]!));
      this.peakAhead[i] = peak;
    }
    this.weighted = kWeighted(samples, rate);
  }

  /** Integrated loudness (LUFS) of the speech at this gain, through the limiter. */
  loudness(gainDb: number, ceilingDb: number): number {
    const gain = 10 ** (gainDb / 20);
    const ceiling = 10 ** (ceilingDb / 20);
    const out = new Float64Array(this.weighted.length);
    let g = 1;
    for (let i = 0; i < out.length; i++) {
      const peak = this.peakAhead[i]! * gain;
      g = Math.min(peak > ceiling ? ceiling / peak : 1, 1 - (1 - g) * this.release);
      out[i] = this.weighted[i]! * gain * g;
    }
    return blockLoudness(out, this.rate);
  }
}

/** The gain (dB) that brings speech to `targetLufs` once the limiter has taken its share, by bisection on the model. */
export function gainForTarget(samples: Float32Array, rate: number, targetLufs: number, ceilingDb: number): number {
  const model = new LimiterModel(samples, rate);
  let low = model.loudness(0, Infinity);
  low = targetLufs - low;
  let high = low + 15;
  for (let i = 0; i < 10; i++) {
    const mid = (low + high) / 2;
    if (model.loudness(mid, ceilingDb) < targetLufs) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * EBU R128 / ITU-R BS.1770-4 measured in-process on mono PCM (no ffmpeg run): integrated loudness
 * with K-weighting and the two gates, and true peak by 4× oversampling. Used by the alert fast path;
 * ffmpeg's ebur128 stays the reference (the tests compare the two).
 */

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** The two K-weighting stages (high shelf, then high pass) for any sample rate, as libebur128 derives them. */
function kWeighting(rate: number): [Biquad, Biquad] {
  let k = Math.tan((Math.PI * 1681.974450955533) / rate);
  const q = 0.7071752369554196;
  const vh = 10 ** (3.999843853973347 / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf = { b0: (vh + (vb * k) / q + k * k) / a0, b1: (2 * (k * k - vh)) / a0, b2: (vh - (vb * k) / q + k * k) / a0, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 };
  k = Math.tan((Math.PI * 38.13547087602444) / rate);
  const q2 = 0.5003270373238773;
  a0 = 1 + k / q2 + k * k;
  const highPass = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q2 + k * k) / a0 };
  return [shelf, highPass];
}

function filter(input: Float64Array, f: Biquad): Float64Array {
  const out = new Float64Array(input.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < input.length; i++) {
    const x = input[i]!;
    const y = f.b0 * x + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
  return out;
}

const loudnessOf = (meanSquare: number) => -0.691 + 10 * Math.log10(meanSquare);

/** The K-weighted signal (what loudness is the mean square of). */
export function kWeighted(samples: Float32Array, rate: number): Float64Array {
  const [shelf, highPass] = kWeighting(rate);
  return filter(filter(Float64Array.from(samples), shelf), highPass);
}

/** Integrated loudness (LUFS) of mono samples in [-1, 1]; -70 for silence or audio shorter than one 400 ms block. */
export function integratedLoudness(samples: Float32Array, rate: number): number {
  return blockLoudness(kWeighted(samples, rate), rate);
}

/** Integrated loudness of a K-weighted signal: 400 ms blocks every 100 ms, absolute gate -70 LUFS, relative gate -10 LU. */
export function blockLoudness(weighted: Float64Array, rate: number): number {
  const block = Math.round(rate * 0.4);
  const step = Math.round(rate * 0.1);
  const squares = new Float64Array(weighted.length + 1);
  for (let i = 0; i < weighted.length; i++) squares[i + 1] = squares[i]! + weighted[i]! * weighted[i]!;
  const blocks: number[] = [];
  for (let start = 0; start + block <= weighted.length; start += step) blocks.push((squares[start + block]! - squares[start]!) / block);
  const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const aboveAbsolute = blocks.filter((z) => z > 0 && loudnessOf(z) > -70);
  if (aboveAbsolute.length === 0) return -70;
  const relativeGate = loudnessOf(mean(aboveAbsolute)) - 10;
  const gated = aboveAbsolute.filter((z) => loudnessOf(z) > relativeGate);
  return loudnessOf(mean(gated));
}

/** 4× oversampling interpolator: a Hann-windowed sinc, 12 taps per phase (BS.1770-4 Annex 2 asks for at least 48 in all). */
const TAPS_PER_PHASE = 12;
const PHASES = 4;
const INTERPOLATOR: number[][] = Array.from({ length: PHASES }, (_, phase) =>
  Array.from({ length: TAPS_PER_PHASE }, (_, tap) => {
    const n = tap * PHASES + phase;
    const centre = (TAPS_PER_PHASE * PHASES - 1) / 2;
    const x = (n - centre) / PHASES;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const window = 0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / (TAPS_PER_PHASE * PHASES));
    return sinc * window;
  }),
);

/**
 * True peak (dBTP) of mono samples in [-1, 1]; -Infinity for digital silence. Only the stretches
 * near samples within 6 dB of the highest are oversampled: an inter-sample peak more than 6 dB above
 * its neighbouring samples does not occur in real audio.
 */
export function truePeak(samples: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
  const threshold = peak / 2;
  const delay = Math.round((TAPS_PER_PHASE - 1) / 2);
  for (let i = 0; i < samples.length; i++) {
    const near = Math.max(Math.abs(samples[i - delay] ?? 0), Math.abs(samples[i - delay - 1] ?? 0));
    if (near < threshold) continue;
    for (const taps of INTERPOLATOR) {
      let v = 0;
      for (let t = 0; t < TAPS_PER_PHASE; t++) {
        const j = i - t;
        if (j >= 0) v += taps[t]! * samples[j]!;
      }
      if (Math.abs(v) > peak) peak = Math.abs(v);
    }
  }
  return peak === 0 ? -Infinity : 20 * Math.log10(peak);
}

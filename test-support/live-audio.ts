import { spawn } from 'node:child_process';

/**
 * Audio instruments for the live path's tests and benchmark: a known signal to feed, decoding what
 * came out, and finding where (and how well) the signal sits in what a loudspeaker received, by
 * cross-correlation (FFT), so a delay or a spread between boxes is measured to the sample.
 */

export const RATE = 48_000;

/** Deterministic noise-like speech stand-in (a sum of drifting tones, seeded): its correlation peak is sharp and unique. */
export function signalPcm(ms: number, seed = 1, amplitude = 9000): Buffer {
  const n = Math.round((ms * RATE) / 1000);
  const out = Buffer.alloc(n * 2);
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const tones = Array.from({ length: 6 }, () => ({ f: 200 + rnd() * 2500, drift: (rnd() - 0.5) * 600, phase: rnd() * Math.PI * 2 }));
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let v = 0;
    for (const tone of tones) v += Math.sin(tone.phase + 2 * Math.PI * (tone.f * t + (tone.drift * t * t) / 2));
    // syllable-like envelope: 4 Hz
    const env = 0.35 + 0.65 * Math.abs(Math.sin(Math.PI * 4 * t));
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round((v / tones.length) * amplitude * env * 2))), i * 2);
  }
  return out;
}

/** A WAV file's bytes of s16le 48 kHz mono PCM: what Chromium's fake microphone and ffmpeg read. */
export function wavBytes(pcm: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

export function toFloat(pcm: Buffer): Float64Array {
  const n = Math.floor(pcm.length / 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = pcm.readInt16LE(i * 2) / 32768;
  return out;
}

/** Any audio file or buffer ffmpeg reads → s16le 48 kHz mono. */
export function decodeToPcm(input: Buffer, format?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-loglevel', 'error', ...(format ? ['-f', format] : []), '-i', 'pipe:0', '-f', 's16le', '-ar', String(RATE), '-ac', '1', 'pipe:1'];
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg decode: exit ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
  if (inverse) for (let i = 0; i < n; i++) (re[i] = re[i]! / n), (im[i] = im[i]! / n);
}

export interface Match {
  /** Sample of `received` where `reference` starts (best alignment). */
  offsetSamples: number;
  offsetMs: number;
  /** Normalised correlation at that offset, 0–1 (1: the same waveform; Opus speech-band copies score ≳ 0.8). */
  score: number;
}

/** Where `reference` best lines up inside `received` (both s16le 48 kHz mono), by FFT cross-correlation. */
export function locate(received: Buffer, reference: Buffer): Match {
  const x = toFloat(received);
  const y = toFloat(reference);
  let n = 1;
  while (n < x.length + y.length) n <<= 1;
  const xr = new Float64Array(n);
  const xi = new Float64Array(n);
  const yr = new Float64Array(n);
  const yi = new Float64Array(n);
  xr.set(x);
  yr.set(y);
  fft(xr, xi, false);
  fft(yr, yi, false);
  // X · conj(Y)
  for (let i = 0; i < n; i++) {
    const r = xr[i]! * yr[i]! + xi[i]! * yi[i]!;
    const im = xi[i]! * yr[i]! - xr[i]! * yi[i]!;
    xr[i] = r;
    xi[i] = im;
  }
  fft(xr, xi, true);
  let best = 0;
  let bestLag = 0;
  for (let lag = 0; lag <= x.length - y.length; lag++) {
    if (xr[lag]! > best) {
      best = xr[lag]!;
      bestLag = lag;
    }
  }
  let ey = 0;
  for (const v of y) ey += v * v;
  let ex = 0;
  for (let i = bestLag; i < bestLag + y.length; i++) ex += x[i]! * x[i]!;
  const score = ey > 0 && ex > 0 ? best / Math.sqrt(ex * ey) : 0;
  return { offsetSamples: bestLag, offsetMs: (bestLag / RATE) * 1000, score };
}

/** Nearest-rank percentile of numbers (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * What a loudspeaker received (SimSpeaker.recording): its PCM and when its sample 0 was heard,
 * `originAt` (earliest arrival minus position over the packets: robust to the receiver noticing a
 * packet late) or else `firstPacketAt`.
 */
export interface HeardRecording {
  name: string;
  originAt?: number;
  firstPacketAt: number;
  pcm: Buffer;
}

export interface HeardMeasure {
  boxes: Array<{ name: string; heardAt: number; delayMs: number; score: number }>;
  /** Latest minus earliest start of the signal across the boxes, ms. */
  spreadMs: number;
}

/**
 * Where a known signal, said at `saidAt` (wall-clock ms of its first sample at the mouth), was heard
 * on each loudspeaker: mouth-to-loudspeaker delay per box and the start spread across them.
 */
export function measureHeard(recordings: readonly HeardRecording[], reference: Buffer, saidAt: number): HeardMeasure {
  const boxes = recordings.map((r) => {
    const m = locate(r.pcm, reference);
    const heardAt = (r.originAt ?? r.firstPacketAt) + m.offsetMs;
    return { name: r.name, heardAt, delayMs: heardAt - saidAt, score: m.score };
  });
  const starts = boxes.map((b) => b.heardAt);
  return { boxes, spreadMs: starts.length ? Math.max(...starts) - Math.min(...starts) : 0 };
}

import { readFile } from 'node:fs/promises';

export interface MonoPcm {
  rate: number;
  /** Samples in [-1, 1], channels averaged. */
  samples: Float32Array;
}

/** Reads a PCM WAV file (16/24/32-bit integer or 32-bit float, any channel count) as mono floats; null when it is another kind of file. */
export async function readWavMono(path: string): Promise<MonoPcm | null> {
  const data = await readFile(path);
  if (data.length < 12 || data.toString('ascii', 0, 4) !== 'RIFF' || data.toString('ascii', 8, 12) !== 'WAVE') return null;
  let format: { tag: number; channels: number; rate: number; bits: number } | null = null;
  for (let at = 12; at + 8 <= data.length; ) {
    const id = data.toString('ascii', at, at + 4);
    // espeak-ng and other streaming writers leave the data size at 0 or 0xffffffff: read to the end then
    const declared = data.readUInt32LE(at + 4);
    const size = id === 'data' && (declared === 0 || at + 8 + declared > data.length) ? data.length - at - 8 : declared;
    if (id === 'fmt ' && size >= 16) {
      const tag = data.readUInt16LE(at + 8);
      format = { tag: tag === 0xfffe && size >= 26 ? data.readUInt16LE(at + 32) : tag, channels: data.readUInt16LE(at + 10), rate: data.readUInt32LE(at + 12), bits: data.readUInt16LE(at + 22) };
    } else if (id === 'data' && format) {
      return decode(data.subarray(at + 8, at + 8 + size), format);
    }
    at += 8 + size + (size % 2);
  }
  return null;
}

function decode(bytes: Buffer, f: { tag: number; channels: number; rate: number; bits: number }): MonoPcm | null {
  const read: ((b: Buffer, at: number) => number) | null =
    f.tag === 1 && f.bits === 16 ? (b, at) => b.readInt16LE(at) / 32768
    : f.tag === 1 && f.bits === 24 ? (b, at) => b.readIntLE(at, 3) / 8388608
    : f.tag === 1 && f.bits === 32 ? (b, at) => b.readInt32LE(at) / 2147483648
    : f.tag === 3 && f.bits === 32 ? (b, at) => b.readFloatLE(at)
    : null;
  if (!read || f.channels < 1 || f.rate < 8000) return null;
  const frameBytes = (f.bits / 8) * f.channels;
  const frames = Math.floor(bytes.length / frameBytes);
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < f.channels; c++) sum += read(bytes, i * frameBytes + (c * f.bits) / 8);
    samples[i] = sum / f.channels;
  }
  return { rate: f.rate, samples };
}

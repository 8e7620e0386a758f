import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../tts/run-process.js';
import { measureLoudness } from './measure-loudness.js';

describe('measureLoudness', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-loudness-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the reference tone as EBU R128 defines it: a 1 kHz sine peaking at -20 dBFS is -23 LUFS', async () => {
    const tone = join(dir, 'reference.wav');
    await runProcess('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'aevalsrc=0.1*sin(2*PI*1000*t):s=48000:d=5', tone]);
    const loudness = await measureLoudness(tone);
    expect(loudness.integratedLufs).toBeCloseTo(-23, 0);
    expect(loudness.truePeakDbtp).toBeCloseTo(-20, 0);
  });

  it('reports digital silence as -70 LUFS with no peak', async () => {
    const silence = join(dir, 'silence.wav');
    await runProcess('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono', '-t', '3', silence]);
    expect(await measureLoudness(silence)).toEqual({ integratedLufs: -70, truePeakDbtp: -Infinity });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCloudDatabase, type Db } from '../../db/database.js';
import { EspeakEngine } from '../tts/espeak-engine.js';
import { PronunciationDictionary } from '../tts/pronunciation-dictionary.js';
import { runProcess } from '../tts/run-process.js';
import { AssetStore } from './asset-store.js';
import { LocalMediaStore } from '../../storage/local-media-store.js';
import { sqliteQueryDatabase } from '../../db/query/index.js';
import { DEFAULT_CHIME_MS } from './chime.js';
import { measureLoudness } from './measure-loudness.js';
import { AudioPipeline, type AudioPipelineOptions } from './pipeline.js';
import { probeAudio } from './probe-audio.js';
import { integratedLoudness, truePeak } from './r128-meter.js';
import { readWavMono } from './wav-file.js';

const TIMEOUT = 90_000;
const ALERT = 'Cảnh báo khẩn cấp: nước lũ đang lên nhanh, bà con vùng trũng di chuyển ngay đến nơi an toàn. UBND xã thông báo.';

describe('alert fast path', () => {
  let dir: string;
  let db: Db;
  const file = (name: string) => join(dir, name);
  /** The stored asset as a local file (read back from the media store), for the loudness meter. */
  const storedCopy = async (sha256: string) => {
    const copy = file(`stored-${sha256}.ogg`);
    await new AssetStore(sqliteQueryDatabase(db), new LocalMediaStore(dir)).copyTo(sha256, copy);
    return copy;
  };
  const pipeline = (options: Partial<AudioPipelineOptions> = {}) =>
    new AudioPipeline({
      store: new AssetStore(sqliteQueryDatabase(db), new LocalMediaStore(dir)),
      workDir: file('work'),
      format: 'opus',
      chime: 'default',
      maxDurationS: 600,
      tts: new EspeakEngine(),
      dictionary: PronunciationDictionary.load(file('pronunciation.json')),
      ...options,
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-alert-master-'));
    db = openCloudDatabase(file('cloud.db'));
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures loudness and true peak as ffmpeg ebur128 does', async () => {
    await new EspeakEngine().synthesize(ALERT, { voice: 'vi', speed: 160 }, file('speech.wav'));
    const pcm = (await readWavMono(file('speech.wav')))!;
    expect(pcm.rate).toBe(22_050);
    const reference = await measureLoudness(file('speech.wav'));
    expect(integratedLoudness(pcm.samples, pcm.rate)).toBeCloseTo(reference.integratedLufs, 0);
    expect(Math.abs(integratedLoudness(pcm.samples, pcm.rate) - reference.integratedLufs)).toBeLessThan(0.3);
    expect(Math.abs(truePeak(pcm.samples) - reference.truePeakDbtp)).toBeLessThan(0.5);
    // BS.1770 calibration: a 1 kHz sine peaking at -20 dBFS in one channel reads -23.0 LUFS
    const sine = Float32Array.from({ length: 48_000 * 3 }, (_, i) => 0.1 * Math.sin((2 * Math.PI * 1000 * i) / 48_000));
    expect(integratedLoudness(sine, 48_000)).toBeCloseTo(-23.0, 1);
  });

  it.each(['vi', 'vi-vn-x-central', 'vi-vn-x-south'])(
    'an alert in voice %s is within EBU R128 tolerance once encoded (-16 LUFS ±1, true peak ≤ -1.5 dBTP), framed by the chimes',
    async (voice) => {
      const p = pipeline();
      const prepared = await p.prepareAlertSpeech(`${ALERT} Giọng ${voice}.`, { voice, speed: 160 });
      const stored = await storedCopy(prepared.asset.sha256);
      const measured = await measureLoudness(stored);
      expect(Math.abs(measured.integratedLufs + 16)).toBeLessThanOrEqual(1);
      expect(measured.truePeakDbtp).toBeLessThanOrEqual(-1.5);
      // the recorded loudness (measured on the PCM that was encoded) agrees with the encoded file
      expect(Math.abs(prepared.integratedLufs - measured.integratedLufs)).toBeLessThan(0.5);
      const probe = await probeAudio(stored);
      expect(probe.durationMs).toBeGreaterThan(2 * DEFAULT_CHIME_MS + 3000);
      expect(Math.abs(probe.durationMs - prepared.asset.durationMs)).toBeLessThan(100);
    },
    TIMEOUT,
  );

  it('a quiet speech engine is brought up to the target too; without chimes the alert is the speech alone', async () => {
    // a "neural engine" stand-in: espeak-ng at a quarter of its amplitude (-12 dB), through the command engine's contract
    const quiet = new EspeakEngine();
    const engine = {
      id: 'quiet',
      voices: quiet.voices,
      synthesize: async (text: string, options: { voice: string; speed: number }, out: string) => {
        await quiet.synthesize(text, options, file('loud.wav'));
        await runProcess('ffmpeg', ['-v', 'error', '-y', '-i', file('loud.wav'), '-af', 'volume=-12dB', '-c:a', 'pcm_s16le', out]);
      },
    };
    const prepared = await pipeline({ tts: engine, chime: 'none' }).prepareAlertSpeech(ALERT, { voice: 'vi', speed: 160 });
    const measured = await measureLoudness(await storedCopy(prepared.asset.sha256));
    expect(Math.abs(measured.integratedLufs + 16)).toBeLessThanOrEqual(1);
    expect(measured.truePeakDbtp).toBeLessThanOrEqual(-1.5);
    expect(prepared.asset.durationMs).toBeLessThan(2 * DEFAULT_CHIME_MS + 15_000);
  }, TIMEOUT);
});

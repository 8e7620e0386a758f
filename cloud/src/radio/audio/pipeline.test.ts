import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCloudDatabase, type Db } from '../../db/database.js';
import { EspeakEngine } from '../tts/espeak-engine.js';
import { PronunciationDictionary } from '../tts/pronunciation-dictionary.js';
import { runProcess } from '../tts/run-process.js';
import { SpeechRejected } from '../tts/tts-errors.js';
import { AssetStore } from './asset-store.js';
import { LocalMediaStore } from '../../storage/local-media-store.js';
import { sqliteQueryDatabase } from '../../db/query/index.js';
import type { AudioFormat } from './audio-formats.js';
import { AudioRejected } from './audio-rejected.js';
import { DEFAULT_CHIME_MS } from './chime.js';
import { measureLoudness } from './measure-loudness.js';
import { AudioPipeline, type AudioPipelineOptions, type PreparedAudio } from './pipeline.js';
import { probeAudio } from './probe-audio.js';

const PIPELINE_TIMEOUT = 90_000;
const BULLETIN = 'UBND xã Vị Tân thông báo: ngày 28/11/2026 lúc 17:00 tổ chức họp dân tại nhà văn hoá ấp 2A.';

describe('AudioPipeline', () => {
  let dir: string;
  let db: Db;
  let store: AssetStore;
  /** Shared where they can be, so the default chime is rendered once. */
  let plain: Record<AudioFormat, AudioPipeline>;
  let framed: AudioPipeline;
  const file = (name: string) => join(dir, name);
  const lavfi = (source: string, name: string, ...args: string[]) => runProcess('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, ...args, file(name)]);

  const pipeline = (options: Partial<AudioPipelineOptions> = {}) =>
    new AudioPipeline({
      store,
      workDir: file('work'),
      format: 'opus',
      chime: 'none',
      maxDurationS: 600,
      tts: new EspeakEngine(),
      dictionary: PronunciationDictionary.load(file('pronunciation.json')),
      ...options,
    });

  /** The stored file, measured independently of what the pipeline reported. */
  async function checkStored(prepared: PreparedAudio) {
    const stored = file(`stored-${prepared.asset.sha256}.${prepared.asset.mime === 'audio/ogg' ? 'ogg' : 'mp3'}`);
    await store.copyTo(prepared.asset.sha256, stored); // read back from the media store
    const measured = await measureLoudness(stored);
    expect(measured.integratedLufs).toBeGreaterThanOrEqual(-17);
    expect(measured.integratedLufs).toBeLessThanOrEqual(-15);
    expect(measured.truePeakDbtp).toBeLessThanOrEqual(-1.5);
    expect({ integratedLufs: prepared.integratedLufs, truePeakDbtp: prepared.truePeakDbtp }).toEqual(measured);
    return { measured, probe: await probeAudio(stored) };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-pipeline-'));
    db = openCloudDatabase(':memory:');
    store = new AssetStore(sqliteQueryDatabase(db), new LocalMediaStore(dir));
    plain = { opus: pipeline(), mp3: pipeline({ format: 'mp3' }) };
    framed = pipeline({ chime: 'default' });
    await Promise.all([
      // two tones peaking at -40 dBFS, stereo, 44.1 kHz
      lavfi('aevalsrc=0.01*sin(2*PI*440*t)|0.01*sin(2*PI*660*t):s=44100:d=6', 'quiet.wav'),
      // pink noise driven 12 dB into clipping
      lavfi('anoisesrc=d=6:c=pink:a=1,volume=12dB', 'loud-noise.mp3', '-c:a', 'libmp3lame'),
      // a clipped chord, like over-mastered music
      lavfi('aevalsrc=0.9*sin(2*PI*220*t)+0.9*sin(2*PI*277.2*t)+0.9*sin(2*PI*329.6*t)+0.3*sin(2*PI*55*t):s=48000:d=6', 'loud-chord.m4a', '-c:a', 'aac'),
      lavfi('anullsrc=r=48000:cl=mono', 'silence.wav', '-t', '3'),
      lavfi('sine=f=880:d=0.5', 'own-chime.wav'),
    ]);
    writeFileSync(file('notes.mp3'), 'Họp dân lúc 17 giờ.\n');
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.each<AudioFormat>(['opus', 'mp3'])('encoded as %s', (format) => {
    it.each(['quiet.wav', 'loud-noise.mp3', 'loud-chord.m4a'])(
      'brings %s to -16 LUFS and at most -1.5 dBTP in the stored file',
      async (name) => {
        const prepared = await plain[format].prepareFile(file(name));
        const { probe } = await checkStored(prepared);
        expect(prepared.asset.mime).toBe(format === 'opus' ? 'audio/ogg' : 'audio/mpeg');
        expect(probe).toMatchObject({ codec: format, sampleRate: 48_000, channels: 1 });
        expect(Math.abs(prepared.asset.durationMs - 6000)).toBeLessThan(100);
      },
      PIPELINE_TIMEOUT,
    );
  });

  it(
    'frames the bulletin with the default chime before and after, at the same loudness',
    async () => {
      const without = await plain.opus.prepareFile(file('quiet.wav'));
      const withChime = await framed.prepareFile(file('quiet.wav'));
      await checkStored(withChime);
      expect(Math.abs(withChime.asset.durationMs - without.asset.durationMs - 2 * DEFAULT_CHIME_MS)).toBeLessThan(50);
    },
    PIPELINE_TIMEOUT,
  );

  it(
    'plays a configured chime file at both ends, and refuses an unusable one as a setting to fix',
    async () => {
      const without = await plain.mp3.prepareFile(file('quiet.wav'));
      const withChime = await pipeline({ format: 'mp3', chime: file('own-chime.wav') }).prepareFile(file('quiet.wav'));
      expect(Math.abs(withChime.asset.durationMs - without.asset.durationMs - 1000)).toBeLessThan(50);
      for (const chime of [file('missing-chime.wav'), file('notes.mp3')]) {
        const failure = pipeline({ chime }).prepareFile(file('quiet.wav'));
        await expect(failure).rejects.toThrow(/^the configured chime .* cannot be used: /);
        await expect(failure).rejects.not.toBeInstanceOf(AudioRejected);
      }
    },
    PIPELINE_TIMEOUT,
  );

  it(
    'stores the same bulletin made twice once, under the hash of its content',
    async () => {
      const first = await framed.prepareFile(file('loud-noise.mp3'));
      const second = await framed.prepareFile(file('loud-noise.mp3'));
      expect(second.asset).toEqual(first.asset);
      expect(db.prepare('SELECT COUNT(*) AS n FROM audio_assets WHERE sha256 = ?').get(first.asset.sha256)).toEqual({ n: 1 });
      const files = readdirSync(file('assets'), { recursive: true }).filter((name) => String(name).includes(first.asset.sha256));
      expect(files).toEqual([join(first.asset.sha256.slice(0, 2), `${first.asset.sha256}.ogg`)]);
    },
    PIPELINE_TIMEOUT,
  );

  it(
    'speaks a text bulletin, returning what was read',
    async () => {
      const prepared = await framed.prepareSpeech(BULLETIN, { voice: 'vi-vn-x-south', speed: 160 });
      expect(prepared.spokenText).toMatch(/^Ủy ban nhân dân xã Vị Tân thông báo: ngày hai mươi tám tháng mười một/);
      await checkStored(prepared);
      const speechMs = prepared.asset.durationMs - 2 * DEFAULT_CHIME_MS;
      expect(speechMs / prepared.spokenText.length).toBeGreaterThan(30);
      expect(speechMs / prepared.spokenText.length).toBeLessThan(250);
    },
    PIPELINE_TIMEOUT,
  );

  it('refuses texts it cannot read, saying why', async () => {
    const speech = pipeline({ maxTextChars: 100 });
    const options = { voice: 'vi', speed: 160 };
    await expect(speech.prepareSpeech('  \n ', options)).rejects.toMatchObject({ code: 'empty_text', status: 422 });
    await expect(speech.prepareSpeech('… !!! ---', options)).rejects.toMatchObject({ code: 'empty_text', message: 'The bulletin text has no words to read aloud.' });
    await expect(speech.prepareSpeech('a'.repeat(101), options)).rejects.toMatchObject({
      code: 'text_too_long',
      message: 'The bulletin text has 101 characters; at most 100 can be read aloud. Shorten it or split it into several bulletins.',
    });
    await expect(speech.prepareSpeech('xin chào', { voice: 'en', speed: 160 })).rejects.toBeInstanceOf(SpeechRejected);
  });

  it(
    'refuses uploads that are not audio, silent or too long, and speech that would be too long',
    async () => {
      await expect(plain.opus.prepareFile(file('notes.mp3'))).rejects.toMatchObject({ code: 'not_audio', status: 415 });
      await expect(plain.opus.prepareFile(file('silence.wav'))).rejects.toMatchObject({ code: 'empty', message: 'This sound file contains only silence.' });
      await expect(pipeline({ maxDurationS: 5 }).prepareFile(file('quiet.wav'))).rejects.toMatchObject({ code: 'too_long' });
      await expect(pipeline({ maxDurationS: 2 }).prepareSpeech(BULLETIN, { voice: 'vi', speed: 160 })).rejects.toMatchObject({ code: 'too_long' });
    },
    PIPELINE_TIMEOUT,
  );

  it(
    'leaves nothing behind in its work directory, whether it succeeds or fails',
    async () => {
      const workDir = file('clean-work');
      await pipeline({ workDir }).prepareFile(file('quiet.wav'));
      await expect(pipeline({ workDir }).prepareFile(file('silence.wav'))).rejects.toBeInstanceOf(AudioRejected);
      await expect(pipeline({ workDir, maxDurationS: 2 }).prepareSpeech(BULLETIN, { voice: 'vi', speed: 160 })).rejects.toBeInstanceOf(AudioRejected);
      expect(readdirSync(workDir)).toEqual([]);
    },
    PIPELINE_TIMEOUT,
  );
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EspeakEngine } from './espeak-engine.js';
import { normalizeVietnamese } from './normalize-vietnamese.js';
import { PronunciationDictionary } from './pronunciation-dictionary.js';
import { runProcess } from './run-process.js';
import { SpeechRejected, TtsFailed } from './tts-errors.js';

/** Loudest sample and average level (dBFS) and duration (s) of a WAV file, as ffmpeg measures them. */
async function levels(file: string) {
  const { stderr } = await runProcess('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'volumedetect', '-f', 'null', '-']);
  const value = (label: string) => Number(new RegExp(`${label}: (-?[\\d.]+) dB`).exec(stderr)?.[1]);
  const { stdout } = await runProcess('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return { maxDb: value('max_volume'), meanDb: value('mean_volume'), seconds: Number(stdout) };
}

const BULLETIN = 'UBND xã Vị Tân thông báo: ngày 28/11/2026 lúc 17:00 tổ chức họp dân tại nhà văn hoá ấp 2A.';

describe('EspeakEngine', () => {
  const engine = new EspeakEngine();
  let dir: string;
  let spoken: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-espeak-'));
    spoken = normalizeVietnamese(BULLETIN, PronunciationDictionary.load(join(dir, 'none.json')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('offers the three regional Vietnamese voices', () => {
    expect(engine.voices).toEqual([
      { id: 'vi', label: 'Bắc' },
      { id: 'vi-vn-x-central', label: 'Trung' },
      { id: 'vi-vn-x-south', label: 'Nam' },
    ]);
  });

  it.each(['vi', 'vi-vn-x-central', 'vi-vn-x-south'])('speaks the bulletin audibly and at a plausible length with voice %s', async (voice) => {
    const out = join(dir, `${voice}.wav`);
    await engine.synthesize(spoken, { voice, speed: 160 }, out);
    const { maxDb, meanDb, seconds } = await levels(out);
    expect(maxDb).toBeGreaterThan(-20);
    expect(meanDb).toBeGreaterThan(-40);
    expect(seconds / spoken.length).toBeGreaterThan(0.03);
    expect(seconds / spoken.length).toBeLessThan(0.25);
  });

  it('speaks faster at a higher speed', async () => {
    const [slow, fast] = [join(dir, 'slow.wav'), join(dir, 'fast.wav')];
    await engine.synthesize(spoken, { voice: 'vi', speed: 100 }, slow);
    await engine.synthesize(spoken, { voice: 'vi', speed: 250 }, fast);
    expect((await levels(fast)).seconds).toBeLessThan((await levels(slow)).seconds * 0.7);
  });

  it('passes text that looks like options or shell syntax as plain text', async () => {
    const out = join(dir, 'tricky.wav');
    await engine.synthesize('-w /tmp/x; rm -rf "$HOME" `id` xin chào', { voice: 'vi', speed: 160 }, out);
    expect((await levels(out)).maxDb).toBeGreaterThan(-20);
  });

  it('refuses unknown voices and speeds out of range with a clear message', async () => {
    const out = join(dir, 'never.wav');
    await expect(engine.synthesize('xin chào', { voice: 'en', speed: 160 }, out)).rejects.toThrow(/unknown voice "en"; choose one of: vi \(Bắc\)/);
    for (const speed of [79, 301, 150.5]) {
      await expect(engine.synthesize('xin chào', { voice: 'vi', speed }, out)).rejects.toMatchObject({ code: 'speed_out_of_range', status: 422 });
    }
    await expect(engine.synthesize('xin chào', { voice: 'vi', speed: 10 }, out)).rejects.toBeInstanceOf(SpeechRejected);
  });

  it('reports a missing espeak-ng installation as a fault of the engine', async () => {
    const missing = new EspeakEngine('espeak-ng-not-installed');
    const failure = missing.synthesize('xin chào', { voice: 'vi', speed: 160 }, join(dir, 'missing.wav'));
    await expect(failure).rejects.toBeInstanceOf(TtsFailed);
    await expect(failure).rejects.toThrow(/espeak-ng-not-installed is not installed/);
  });
});
